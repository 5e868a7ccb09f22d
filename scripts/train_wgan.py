"""Train notebook 04's shipped WGAN generators with the course CLI, score them and (with --replace) ship them.

    python scripts/train_wgan.py clip              # weight clipping (RMSprop 5e-5, c 0.01, 5 critic steps), batch 64
    python scripts/train_wgan.py gp                # gradient penalty (Adam 1e-4, β (0.5, 0.9), λ 10), batch 64
    python scripts/train_wgan.py clip --replace    # ... and copy the generator to data/pretrained/ if it meets the bar

Each call runs ``python -m gan_utils train wgan|wgan-gp --batch-size 64 --minutes M --out runs/wgan_<kind>_long``
(a run folder that already holds a checkpoint is resumed and gets M more minutes), then scores the saved generator
on 10,000 samples with the course classifier and writes ``runs/wgan_<kind>_long/score.json`` (training minutes of
this call, generator iterations, images seen by the critic, the scores). The bar for a shipped WGAN: every digit
>= 5 % of the samples and mean confidence >= 0.85. A generator that misses it is never shipped.
"""
import argparse
import json
from pathlib import Path

from shipping import score_and_ship, train_with_cli

ROOT = Path(__file__).resolve().parent.parent
MODELS = {"clip": ("wgan", "wgan_clip.keras"), "gp": ("wgan-gp", "wgan_gp.keras")}
MIN_CONFIDENCE = 0.85


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kind", choices=list(MODELS))
    parser.add_argument("--minutes", type=float, default=45.0, help="training budget of this call (default 45)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--replace", action="store_true", help="copy to data/pretrained/ if the bar is met")
    parser.add_argument("--score-only", action="store_true", help="score the run folder's generator, train nothing")
    args = parser.parse_args()
    model, shipped_name = MODELS[args.kind]
    out = ROOT / "runs" / f"wgan_{args.kind}_long"
    seconds = None
    if not args.score_only:
        seconds = train_with_cli([model, "--batch-size", args.batch_size, "--minutes", args.minutes,
                                  "--checkpoint-minutes", 5, "--seed", args.seed], out, ROOT)

    import gan_utils  # noqa: F401  (after the subprocess: keeps TensorFlow's native log lines out)

    history_path = out / "history.json"
    iterations = len(json.loads(history_path.read_text()).get("g_loss", [])) if history_path.exists() else 0
    score_and_ship(out / "generator.keras", shipped_name,
                   {"command": f"python scripts/train_wgan.py {args.kind} --minutes {args.minutes}",
                    "training_seconds_this_call": None if seconds is None else round(seconds),
                    "generator_iterations": iterations, "critic_images_seen": iterations * 5 * args.batch_size},
                   MIN_CONFIDENCE, args.replace)


if __name__ == "__main__":
    main()
