"""Train notebook 07's shipped CycleGAN (scikit-learn digits <-> MNIST) for longer than a live cell can, score it on
held-out digits of both domains and (with --replace) ship it if it improves on the shipped pair.

    python scripts/train_cyclegan.py                        # 6,000 iterations into runs/cyclegan_long (resumes)
    python scripts/train_cyclegan.py --iterations 12000     # continue the same run to 12,000
    python scripts/train_cyclegan.py --replace              # ... and replace the two shipped translators if better

The networks, losses and weights of notebook 07 (``translation.make_translation_steps("cyclegan")``: U-Nets,
PatchGANs, least-squares games, cycle weight 10, identity weight 5, Adam 2e-4 / β1 0.5, batch 16), trained on MNIST's
training digits and scikit-learn's training split (``translation.sklearn_split``: the 500 test digits are never
seen). Checkpoints every 5 minutes in the run folder. Then ``translation.evaluate_cyclegan`` scores both directions
(label kept, domain judged by ``translation.train_domain_classifier``, cycle errors) and ``score.json`` is written
beside the translators, with the shipped pair's scores. ``--replace`` ships the pair only if B -> A keeps more labels
and is judged MNIST at least as often as the shipped pair, and writes that report to
``data/pretrained/cyclegan_training.json``.
"""
import argparse
import json
import time
from pathlib import Path

from shipping import add_run_arguments

ROOT = Path(__file__).resolve().parent.parent
BATCH_SIZE, N_TEST = 16, 2_000
SHIPPED = ("cyclegan_sklearn_to_mnist.keras", "cyclegan_mnist_to_sklearn.keras")
TRAINING_RECORD = "cyclegan_training.json"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=6_000, help="total iterations (default 6,000)")
    add_run_arguments(parser, ROOT / "runs" / "cyclegan_long", "replace the shipped translators if this pair is better")
    args = parser.parse_args()
    if args.iterations < 1:
        parser.error("--iterations must be at least 1")

    import gan_utils  # noqa: F401  (first: keeps TensorFlow's native log lines out)

    from gan_utils import data, translation
    from gan_utils.callbacks import ProgressBar
    from gan_utils.config import PRETRAINED_DIR, relative
    from gan_utils.runtime import seeded
    from gan_utils.sampling import save_generator
    from gan_utils.trainer import Trainer

    x_train, _ = data.load_mnist()
    x_test, y_test = data.load_mnist(split="test")
    mnist_test, mnist_labels = data.to_model_range(x_test[:N_TEST]), y_test[:N_TEST]
    with seeded(args.seed):
        judges = translation.cycle_judges(data.to_model_range(x_train[:10_000]), seed=args.seed)
    with seeded(args.seed, deterministic=True):
        steps = translation.make_translation_steps("cyclegan", seed=args.seed, domain_b=judges["sk_train"])
        trainer = Trainer(steps, out_dir=args.out, num_samples=8, seed=args.seed)
        seconds = None
        if not args.score_only:
            began = time.perf_counter()
            trainer.fit(x_train, iterations=args.iterations, batch_size=BATCH_SIZE, callbacks=[ProgressBar()])
            seconds = time.perf_counter() - began
    done = int(trainer.iteration.numpy())
    if not done:
        raise SystemExit(f"{relative(args.out)} holds no training: run without --score-only first.")
    row, _ = translation.evaluate_cyclegan(steps.generator, steps.generator_ab, judges, mnist_test, mnist_labels)
    paths = [save_generator(translation.translator_for(steps), args.out / SHIPPED[0]),
             save_generator(translation.build_translator(steps.generator_ab, "mnist"), args.out / SHIPPED[1])]
    shipped = [PRETRAINED_DIR / name for name in SHIPPED]
    report = {"command": f"python scripts/train_cyclegan.py --iterations {args.iterations}",
              "training_seconds_this_call": None if seconds is None else round(seconds), "iterations": done,
              "batch": BATCH_SIZE, "mnist_images_seen": done * BATCH_SIZE, **row}
    if all(p.exists() for p in shipped):
        old = [translation.generator_of(translation.load_translator(p)[0]) for p in shipped]
        report["shipped_before"], _ = translation.evaluate_cyclegan(*old, judges, mnist_test, mnist_labels)
        before = report["shipped_before"]
        report["improves_on_shipped"] = bool(row["B>A kept"] > before["B>A kept"]
                                             and row["B>A MNIST-like"] >= before["B>A MNIST-like"])
    (args.out / "score.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))
    if args.replace:
        if report.get("improves_on_shipped") is False:
            raise SystemExit("no better than the shipped pair (B -> A must keep more labels and look as MNIST-like): "
                             "not shipped")
        for path, name in zip(paths, SHIPPED):
            model = translation.load_translator(path)[0]
            print(f"shipped {relative(save_generator(model, PRETRAINED_DIR / name, replace_shipped=True))}")
        (PRETRAINED_DIR / TRAINING_RECORD).write_text(json.dumps(report, indent=1))
        print(f"wrote {relative(PRETRAINED_DIR / TRAINING_RECORD)} (how the shipped pair was made; notebook 07 prints it)")


if __name__ == "__main__":
    main()
