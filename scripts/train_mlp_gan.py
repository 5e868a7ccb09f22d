"""Train notebook 01's shipped MLP GAN to its full length, score it and (with --replace) ship it.

    python scripts/train_mlp_gan.py                 # 50 epochs into runs/01_mlp_gan_long (resumes if interrupted)
    python scripts/train_mlp_gan.py --replace       # ... and copy it to data/pretrained/mlp_gan.keras if it meets the bar

The same networks, optimizers, seed and loop as 01's live cell (``models.build_mlp_generator`` and
``build_mlp_discriminator``, Adam 2e-4 with β1 0.5 for both, the non-saturating loss, batch 128, float32, Algorithm 1
with k = 1), for ``--epochs`` epochs instead of the lesson's few. Checkpoints every epoch (and every 5 minutes) in the run folder, so an interrupted call resumes where it
stopped. Then 10,000 samples are scored with the course classifier and ``score.json`` written beside the generator
(training seconds of this call, epochs, images seen, the scores); ``--replace`` ships it only if every digit has
>= 5 % of the samples and the mean confidence is >= 0.8.
"""
import argparse
import time
from pathlib import Path

from shipping import add_run_arguments, score_and_ship

ROOT = Path(__file__).resolve().parent.parent
MIN_CONFIDENCE = 0.8
BATCH_SIZE, LEARNING_RATE, BETA_1 = 128, 2e-4, 0.5   # 01's parameters cell


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=50, help="total epochs (default 50, as the shipped file)")
    add_run_arguments(parser, ROOT / "runs" / "01_mlp_gan_long", "copy to data/pretrained/mlp_gan.keras if the bar is met")
    args = parser.parse_args()
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")

    import gan_utils  # noqa: F401  (first: keeps TensorFlow's native log lines out)
    import keras

    from gan_utils import data, models
    from gan_utils.callbacks import ProgressBar
    from gan_utils.runtime import precision_scope, seeded
    from gan_utils.sampling import save_generator
    from gan_utils.train import GANSteps
    from gan_utils.trainer import Trainer

    out = args.out.resolve()
    seconds = None
    with precision_scope("float32"), seeded(args.seed, deterministic=True):
        steps = GANSteps(models.build_mlp_generator(), models.build_mlp_discriminator(),
                         keras.optimizers.Adam(LEARNING_RATE, beta_1=BETA_1),
                         keras.optimizers.Adam(LEARNING_RATE, beta_1=BETA_1), loss="non-saturating", seed=args.seed)
        trainer = Trainer(steps, out_dir=out, num_samples=36, seed=args.seed)
        if not args.score_only:
            x_train, _ = data.load_mnist()
            began = time.perf_counter()
            trainer.fit(x_train, epochs=args.epochs, batch_size=BATCH_SIZE, callbacks=[ProgressBar()])
            seconds = time.perf_counter() - began
            save_generator(trainer.sampling_generator, out / "generator.keras")
        epochs = int(trainer.epoch.numpy())
    score_and_ship(out / "generator.keras", "mlp_gan.keras",
                   {"command": f"python scripts/train_mlp_gan.py --epochs {args.epochs} --seed {args.seed}",
                    "training_seconds_this_call": None if seconds is None else round(seconds),
                    "epochs": epochs, "images_seen": epochs * 60_000, "precision": "float32",
                    "batch_size": BATCH_SIZE},
                   MIN_CONFIDENCE, args.replace)


if __name__ == "__main__":
    main()
