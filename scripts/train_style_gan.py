"""Train notebook 08's style-based GAN (StyleGAN's pieces at digit scale) for longer than a live cell can, with
StyleGAN's R1 penalty, score it and (with --replace) ship it if it is better than ``data/pretrained/style_gan.keras``.

    python scripts/train_style_gan.py                         # 640,000 images into runs/style_gan_long (resumes)
    python scripts/train_style_gan.py --images 1280000        # continue the same run to 1.28 million
    python scripts/train_style_gan.py --minutes 30            # ... or stop after 30 minutes of this call
    python scripts/train_style_gan.py --replace               # ... and replace the shipped file if it is better

Notebook 08's networks and recipe (``style.build_style_generator`` with mapping network, truncation layer, AdaIN and
per-pixel noise; ``progressive.build_progressive_discriminator`` with minibatch standard deviation and the equalised
learning rate; Adam 1e-3 with β (0, 0.99); style mixing with probability 0.9; moving average 0.999 of G), with
``--g-filters``/``--d-filters`` channels and R1 on real images with weight ``--r1-gamma`` (0: off). Batch 64,
float32, checkpoints every 5 minutes. Scored on the moving-average generator: notebook 02's bar on 10,000 samples
(confidence >= 0.9, every digit >= 5 %) and precision/recall (k = 3, 5,000 samples against 5,000 test digits, the
classifier's features: notebook 06's measure); ``score.json`` beside the generator. ``--replace`` ships it only if
it meets the bar and has a higher recall and confidence than the shipped file.
"""
import argparse
import json
import time
from pathlib import Path

from shipping import add_run_arguments

ROOT = Path(__file__).resolve().parent.parent
BATCH_SIZE, N_PR = 64, 5_000


def scores(generator):
    from gan_utils import data, metrics
    from gan_utils.sampling import generate_digits
    from gan_utils.style import set_truncation

    set_truncation(generator, 1.0)
    bar = metrics.evaluate_samples(generate_digits(generator, 10_000, seed=0)[0])
    x_test, _ = data.load_mnist(split="test")
    fake = metrics.classifier_features(generate_digits(generator, N_PR, seed=1)[0])
    pr = metrics.precision_recall(metrics.classifier_features(x_test[:N_PR]), fake)
    return {"mean_confidence": bar["mean_confidence"], "min_class_share": bar["min_class_share"], "fid": bar["fid"],
            "meets_bar": bool(metrics.meets_quality_bar(bar)), "precision": pr["precision"], "recall": pr["recall"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=640_000, help="training images in total (default 640,000)")
    parser.add_argument("--minutes", type=float, default=None, help="also stop after this many minutes (resumable)")
    parser.add_argument("--r1-gamma", type=float, default=10.0, help="R1 weight γ (the loss adds γ/2·R1; 0: off; "
                                                                    "default 10, StyleGAN's)")
    parser.add_argument("--g-filters", type=int, nargs=3, default=(64, 32, 16), help="G channels at 7, 14, 28 px")
    parser.add_argument("--d-filters", type=int, nargs=3, default=(16, 32, 64), help="D channels at 28, 14, 7 px")
    add_run_arguments(parser, ROOT / "runs" / "style_gan_long", "replace data/pretrained/style_gan.keras if better")
    args = parser.parse_args()
    if args.images < BATCH_SIZE or args.r1_gamma < 0:
        parser.error("--images must be at least one batch (64) and --r1-gamma >= 0")

    import gan_utils  # noqa: F401  (first: keeps TensorFlow's native log lines out)
    import keras

    from gan_utils import progressive, style
    from gan_utils.callbacks import ProgressBar
    from gan_utils.config import PRETRAINED_DIR, relative
    from gan_utils.data import load_mnist
    from gan_utils.runtime import precision_scope, seeded
    from gan_utils.sampling import load_generator, save_generator
    from gan_utils.trainer import Trainer

    def adam():
        return keras.optimizers.Adam(1e-3, beta_1=0.0, beta_2=0.99, epsilon=1e-8)

    x_train, _ = load_mnist()
    with precision_scope("float32"), seeded(args.seed, deterministic=True):
        generator = style.build_style_generator(64, 64, tuple(args.g_filters), 4, seed=args.seed)
        discriminator = progressive.build_progressive_discriminator(tuple(args.d_filters))
        steps = style.StyleGANSteps(generator, discriminator, adam(), adam(), mixing_probability=0.9, seed=args.seed,
                                    r1_gamma=args.r1_gamma)
        trainer = Trainer(steps, out_dir=args.out, num_samples=36, seed=args.seed, ema_decay=0.999)
        seconds = None
        if not args.score_only:
            began = time.perf_counter()
            trainer.fit(x_train, iterations=args.images // BATCH_SIZE, minutes=args.minutes, batch_size=BATCH_SIZE,
                        callbacks=[ProgressBar()])
            seconds = time.perf_counter() - began
        done = int(trainer.iteration.numpy())
        if not done:
            raise SystemExit(f"{relative(args.out)} holds no training: run without --score-only first.")
        path = save_generator(trainer.sampling_generator, args.out / "style_gan.keras")
    minutes = f" --minutes {args.minutes:g}" if args.minutes else ""
    report = {"command": f"python scripts/train_style_gan.py --images {args.images}{minutes} --r1-gamma {args.r1_gamma:g} "
                         f"--g-filters {' '.join(map(str, args.g_filters))} --d-filters {' '.join(map(str, args.d_filters))}",
              "training_seconds_this_call": None if seconds is None else round(seconds), "iterations": done,
              "images_seen": done * BATCH_SIZE, **scores(load_generator(path))}
    shipped = PRETRAINED_DIR / "style_gan.keras"
    if shipped.exists():
        report["shipped_before"] = scores(load_generator(shipped))
        before = report["shipped_before"]
        report["improves_on_shipped"] = bool(report["recall"] > before["recall"]
                                             and report["mean_confidence"] > before["mean_confidence"])
    (args.out / "score.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))
    if args.replace:
        if not report["meets_bar"] or report.get("improves_on_shipped") is False:
            raise SystemExit("misses notebook 02's bar or is no better than the shipped file: not shipped")
        print(f"shipped {relative(save_generator(load_generator(path), shipped, replace_shipped=True))}")
        (PRETRAINED_DIR / "style_gan_training.json").write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
