"""Train InfoGAN with Chen et al.'s MNIST networks and settings (notebook 09), score how well its categorical code picks
digits and (with --replace) ship it as ``data/pretrained/infogan.keras``.

    python scripts/train_infogan.py                        # 3,000 iterations of 128 into runs/infogan_long (resumes)
    python scripts/train_infogan.py --iterations 5000      # continue the same run (their reference code: 5,000)
    python scripts/train_infogan.py --seed 1 --out runs/infogan_seed1
    python scripts/train_infogan.py --replace              # ... and ship it if its one-to-one accuracy beats the shipped

The paper's recipe: ``infogan.build_chen_generator`` / ``build_chen_discriminator`` (convolutions, batch norm, Q on
D's shared FC layer), 62 noise numbers, one 10-way categorical code and two continuous codes U(-1, 1) whose Q has a
fixed unit variance, information weight 1 for both kinds of code (their reference code), Adam with β1 = 0.5 and
learning rates 2e-4 (D) and 1e-3 (G), batch 128. Checkpoints every 5 minutes. ``score.json``: the one-to-one
(Hungarian) agreement of code and digit on 10,000 samples (``infogan.code_agreement``), the samples' precision and
recall against the test digits (notebook 06's measure) and the rank correlation of each continuous code with slant
and ink.
"""
import argparse
import json
import time
from pathlib import Path

from shipping import add_run_arguments

ROOT = Path(__file__).resolve().parent.parent
BATCH, D_LR, G_LR, BETA_1, INFO_WEIGHT, CONT_WEIGHT = 128, 2e-4, 1e-3, 0.5, 1.0, 1.0


def scores(generator, seed=0):
    import numpy as np
    from scipy.stats import spearmanr

    from gan_utils import data, editing, infogan, metrics

    agreement = infogan.code_agreement(generator, 1_000, seed=seed)
    x_test, _ = data.load_mnist(split="test")
    pr = metrics.precision_recall(metrics.classifier_features(x_test[:5_000]),
                                  metrics.classifier_features(agreement["images"][::2]))
    images, continuous = agreement["images"], agreement["continuous"]
    measures = {"slant": editing.slant(images), "ink": editing.ink(images)}
    rank = {f"c{j + 2}_{name}": float(spearmanr(continuous[:, j], values).statistic)
            for j in range(continuous.shape[1]) for name, values in measures.items()}
    return {"one_to_one": agreement["one_to_one"], "agreement": agreement["agreement"],
            "mapping": agreement["mapping"].tolist(), "distinct": agreement["distinct"],
            "confidence": agreement["confidence"], "precision": pr["precision"], "recall": pr["recall"],
            "rank_correlation": rank, "digit_shares": (np.bincount(metrics.classify(images).argmax(1), minlength=10)
                                                       / len(images)).round(3).tolist()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=3_000, help="generator iterations in total (default 3,000)")
    parser.add_argument("--minutes", type=float, default=None, help="also stop after this many minutes (resumable)")
    parser.add_argument("--precision", default="auto", help="auto (bfloat16 where the hardware has it), float32, ...")
    add_run_arguments(parser, ROOT / "runs" / "infogan_long", "replace data/pretrained/infogan.keras if better")
    args = parser.parse_args()
    if args.iterations < 1:
        parser.error("--iterations must be >= 1")

    import gan_utils  # noqa: F401  (first: keeps TensorFlow's native log lines out)
    import keras

    from gan_utils import data, infogan
    from gan_utils.config import PRETRAINED_DIR, relative
    from gan_utils.sampling import load_generator, save_generator
    from gan_utils.trainer import Trainer

    precision = gan_utils.choose_precision(args.precision)
    run_file = args.out / "infogan_generator.keras"
    began = time.perf_counter()
    if not args.score_only:
        keras.utils.set_random_seed(args.seed)
        steps = infogan.InfoGANSteps(infogan.build_chen_generator(), infogan.build_chen_discriminator(),
                                     keras.optimizers.Adam(G_LR, beta_1=BETA_1), keras.optimizers.Adam(D_LR, beta_1=BETA_1),
                                     info_weight=INFO_WEIGHT, cont_weight=CONT_WEIGHT, seed=args.seed)
        trainer = Trainer(steps, out_dir=args.out, seed=args.seed)
        x_train, _ = data.load_mnist()
        trainer.fit(x_train, iterations=args.iterations, batch_size=BATCH, minutes=args.minutes)
        done = int(trainer.iteration.numpy())
        save_generator(steps.generator, run_file, replace_shipped=True)
        print(f"{done} iterations ({done * BATCH:,} images) in {relative(args.out)}; "
              f"this call {(time.perf_counter() - began) / 60:.1f} min", flush=True)
    if not run_file.exists():
        raise SystemExit(f"{relative(run_file)} is missing: train first (without --score-only).")
    minutes = round((time.perf_counter() - began) / 60, 1)
    report = {"command": f"python scripts/train_infogan.py --iterations {args.iterations} --seed {args.seed}",
              "batch": BATCH, "dtype_policy": None if args.score_only else precision,
              "minutes_of_this_call": None if args.score_only else minutes, **scores(load_generator(run_file))}
    (args.out / "score.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report))
    if args.replace:
        shipped = PRETRAINED_DIR / "infogan.keras"
        if shipped.exists():
            old = infogan.code_agreement(load_generator(shipped), 1_000)["one_to_one"]
            if old >= report["one_to_one"]:
                raise SystemExit(f"{relative(shipped)} has one-to-one {old:.3f}, not below this run: not shipped")
        save_generator(load_generator(run_file), shipped, replace_shipped=True)
        (PRETRAINED_DIR / "infogan_training.json").write_text(json.dumps(report, indent=1))
        print(f"shipped {relative(shipped)}")


if __name__ == "__main__":
    main()
