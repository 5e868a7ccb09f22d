"""Train notebook 10's recurrent GAN on TimeGAN's sines for longer than a live cell can, keep the checkpoint a
validation set scores best, and (with --replace) ship its generator as ``data/pretrained/sequence_gan.keras``.

    python scripts/train_sequence_gan.py                      # 20,000 iterations into runs/sequence_gan (resumes)
    python scripts/train_sequence_gan.py --iterations 30000   # continue the same run
    python scripts/train_sequence_gan.py --replace            # ... and ship the best checkpoint

The recipe is the notebook's (``sequences``): TimeGAN's benchmark (10,000 series of 24 steps, 5 sine features with
their own frequency and phase, in [0, 1]); G two GRUs of 32 over 16 noise numbers per step (8 fresh at every
step, 8 drawn once per series and repeated), a sigmoid per step; D two GRUs of 32 and a logit on the last state; the non-saturating loss; Adam
β1 = 0.5 with D's learning rate ten times G's (1e-3 and 1e-4); batch 64. Every 1,000 iterations the generator is
scored the TimeGAN way (``sequences.discriminative_score``, mean of three post-hoc classifiers) against 2,000
*validation* series; the best checkpoint is kept. The notebook scores it on separate *test* series.
"""
import argparse
import json
import time
from pathlib import Path

from shipping import add_run_arguments

ROOT = Path(__file__).resolve().parent.parent
SERIES, LENGTH, FEATURES, NOISE, UNITS, G_LR, D_LR, BETA_1, BATCH = 10_000, 24, 5, 8, 32, 1e-4, 1e-3, 0.5, 64
VALIDATION_SEED, SCORERS = 3, (0, 1, 2)


def build(seed):
    import keras

    from gan_utils import sequences
    from gan_utils.runtime import seeded

    with seeded(seed):
        generator = sequences.build_sequence_generator(LENGTH, FEATURES, noise_dim=NOISE, units=UNITS, global_dim=NOISE,
                                                       output="sigmoid")
        discriminator = sequences.build_sequence_discriminator(LENGTH, FEATURES, units=UNITS)
    return sequences.SequenceGANSteps(generator, discriminator, keras.optimizers.Adam(G_LR, beta_1=BETA_1),
                                      keras.optimizers.Adam(D_LR, beta_1=BETA_1), global_dim=NOISE, seed=seed)


def score(steps, real):
    import numpy as np

    from gan_utils import sequences

    generated = steps.generator(steps.noise(len(real)), training=False).numpy()
    return float(np.mean([sequences.discriminative_score(real, generated, seed=s)[0] for s in SCORERS]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=20_000)
    add_run_arguments(parser, ROOT / "runs" / "sequence_gan",
                      "ship the best checkpoint as data/pretrained/sequence_gan.keras")
    args = parser.parse_args()
    import gan_utils
    import keras
    import tensorflow as tf

    from gan_utils import sequences
    from gan_utils.config import PRETRAINED_DIR, relative

    gan_utils.choose_precision("float32")
    out = args.out if args.out.is_absolute() else ROOT / args.out
    out.mkdir(parents=True, exist_ok=True)
    log_path, best_path = out / "log.json", out / "best_generator.keras"
    steps = build(args.seed)
    checkpoint = tf.train.Checkpoint(generator=steps.generator, discriminator=steps.discriminator,
                                     g_optimizer=steps.g_optimizer, d_optimizer=steps.d_optimizer, rng=steps.rng)
    manager = tf.train.CheckpointManager(checkpoint, str(out / "checkpoints"), max_to_keep=1)
    log = json.loads(log_path.read_text()) if log_path.exists() else {"rows": [], "seconds": 0.0}
    if manager.latest_checkpoint:
        checkpoint.restore(manager.latest_checkpoint).expect_partial()
    done = log["rows"][-1]["iterations"] if log["rows"] else 0
    train = sequences.timegan_sines(SERIES, LENGTH, FEATURES, seed=args.seed)
    validation = sequences.timegan_sines(2_000, LENGTH, FEATURES, seed=VALIDATION_SEED)
    while not args.score_only and done < args.iterations:
        began = time.perf_counter()
        chunk = min(1_000, args.iterations - done)
        history = sequences.train_sequence_gan(steps, train, chunk, batch_size=BATCH, seed=args.seed * 100_003 + done)
        done += chunk
        log["seconds"] += time.perf_counter() - began
        row = {"iterations": done, "validation_score": score(steps, validation),
               "d_loss_last_100": float(sum(history["d_loss"][-100:]) / 100), "minutes": round(log["seconds"] / 60, 1)}
        if row["validation_score"] <= min([r["validation_score"] for r in log["rows"]] + [1.0]):
            steps.generator.save(best_path)
            row["best"] = True
        log["rows"].append(row)
        manager.save()
        log_path.write_text(json.dumps(log, indent=1))
        print(json.dumps(row), flush=True)
    best = min(log["rows"], key=lambda r: r["validation_score"])
    report = {"command": f"python scripts/train_sequence_gan.py --iterations {args.iterations}",
              "training_minutes": round(log["seconds"] / 60, 1), "best_iterations": best["iterations"],
              "best_validation_score": best["validation_score"], "curve": log["rows"]}
    (out / "score.json").write_text(json.dumps(report, indent=1))
    print(json.dumps({k: v for k, v in report.items() if k != "curve"}))
    if args.replace:
        target = PRETRAINED_DIR / "sequence_gan.keras"
        keras.models.load_model(best_path).save(target)
        (PRETRAINED_DIR / "sequence_gan_training.json").write_text(json.dumps(report, indent=1))
        print(f"shipped {relative(target)}")


if __name__ == "__main__":
    main()
