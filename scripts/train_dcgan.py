"""Train notebook 02's shipped DCGAN with the course recipe, score it and (with --replace) ship it if it is better.

    python scripts/train_dcgan.py                    # 600,000 training images into runs/dcgan_long (resumes)
    python scripts/train_dcgan.py --replace          # ... and replace data/pretrained/dcgan.keras if it improves on it

Runs ``python -m gan_utils train dcgan`` with ``make_trainer("dcgan")``'s recipe (batch 32, Adam 4e-4 / β1 0.5 for
both networks, no dropout and a minibatch-standard-deviation feature in D, EMA 0.999 of G's weights), for
``--images`` training images (iterations = images / batch), checkpointing every 5 minutes so an interrupted call
resumes. Then the moving-average generator is scored on 10,000 samples with the course classifier and
``runs/dcgan_long/score.json`` is written (training seconds of this call, iterations, images, the scores, and the
scores of the file already shipped). ``--replace`` ships it only if every digit has >= 5 % of the samples, the mean
confidence is >= 0.9 (notebook 02's bar) and it has both a higher confidence and a lower FID than the shipped file.
"""
import argparse
import json
from pathlib import Path

from shipping import add_run_arguments, score_and_ship, train_with_cli

ROOT = Path(__file__).resolve().parent.parent
MIN_CONFIDENCE = 0.9
BATCH_SIZE = 32   # RECIPES["dcgan"].batch_size


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=600_000, help="training images in total (default 600,000)")
    add_run_arguments(parser, ROOT / "runs" / "dcgan_long",
                      "replace data/pretrained/dcgan.keras if the bar is met and it improves on it")
    args = parser.parse_args()
    if args.images < BATCH_SIZE:
        parser.error(f"--images must be at least one batch ({BATCH_SIZE})")
    iterations = args.images // BATCH_SIZE
    seconds = None
    if not args.score_only:
        seconds = train_with_cli(["dcgan", "--batch-size", BATCH_SIZE, "--iterations", iterations,
                                  "--checkpoint-minutes", 5, "--seed", args.seed], args.out.resolve(), ROOT)

    import gan_utils  # noqa: F401  (after the subprocess: keeps TensorFlow's native log lines out)

    history_path = args.out / "history.json"
    done = len(json.loads(history_path.read_text()).get("g_loss", [])) if history_path.exists() else 0
    score_and_ship(args.out / "generator.keras", "dcgan.keras",
                   {"command": f"python scripts/train_dcgan.py --images {args.images}",
                    "training_seconds_this_call": None if seconds is None else round(seconds),
                    "generator_iterations": done, "images_seen": done * BATCH_SIZE},
                   MIN_CONFIDENCE, args.replace, must_improve=True)


if __name__ == "__main__":
    main()
