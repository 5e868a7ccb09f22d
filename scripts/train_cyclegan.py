"""Train notebook 07's shipped CycleGAN (scikit-learn digits <-> MNIST) for longer than a live cell can, score it on
held-out digits of both domains and (with --replace) ship it if it improves on the shipped pair.

    python scripts/train_cyclegan.py                        # 6,000 iterations into runs/cyclegan_long (resumes)
    python scripts/train_cyclegan.py --iterations 12000     # continue the same run to 12,000
    python scripts/train_cyclegan.py --replace              # ... and replace the two shipped translators if better
    python scripts/train_cyclegan.py --semantic-weight 0    # Zhu et al.'s losses only (the pair shipped before)

The networks, losses and weights of notebook 07 (``translation.make_translation_steps("cyclegan")``: U-Nets,
PatchGANs, least-squares games, cycle weight 10, identity weight 5, Adam 2e-4 / β1 0.5, batch 16), trained on MNIST's
training digits and scikit-learn's training split (``translation.sklearn_split``: the 500 test digits are never
seen), plus CyCADA's semantic-consistency term (Hoffman et al. 2018; ``--semantic-weight``, default 1): a frozen
digit reader (``translation.train_semantic_classifier``, trained here on MNIST training digits 10,000-29,999, two
epochs; not the course classifier that judges) must read each scikit-learn training digit's label in its translation
to MNIST. Checkpoints every 5 minutes in the run folder. Then ``translation.evaluate_cyclegan`` scores both directions
(label kept, domain judged by ``translation.train_domain_classifier``, cycle errors) and ``score.json`` is written
beside the translators, with the shipped pair's scores. ``--replace`` ships the pair only if B -> A keeps more labels
than the shipped pair and is still judged MNIST at least 80 % of the time (the course's style goal), and writes that report to
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
    parser.add_argument("--semantic-weight", type=float, default=1.0,
                        help="weight of the semantic-consistency term (default 1; 0: Zhu et al.'s losses only)")
    add_run_arguments(parser, ROOT / "runs" / "cyclegan_long", "replace the shipped translators if this pair is better")
    args = parser.parse_args()
    if args.iterations < 1:
        parser.error("--iterations must be at least 1")
    if args.semantic_weight < 0:
        parser.error("--semantic-weight must be 0 or more")
    if args.out.name == "cyclegan_long" and args.semantic_weight:
        args.out = args.out.with_name(f"cyclegan_long_semantic{args.semantic_weight:g}")

    import gan_utils  # noqa: F401  (first: keeps TensorFlow's native log lines out)

    from gan_utils import data, translation
    from gan_utils.callbacks import ProgressBar
    from gan_utils.config import PRETRAINED_DIR, relative
    from gan_utils.runtime import seeded
    from gan_utils.sampling import save_generator
    from gan_utils.trainer import Trainer

    x_train, y_train = data.load_mnist()
    x_test, y_test = data.load_mnist(split="test")
    mnist_test, mnist_labels = data.to_model_range(x_test[:N_TEST]), y_test[:N_TEST]
    with seeded(args.seed):
        judges = translation.cycle_judges(data.to_model_range(x_train[:10_000]), seed=args.seed,
                                          mnist_train_labels=y_train[:10_000])
    semantic = {}
    if args.semantic_weight:
        reader = translation.train_semantic_classifier(data.to_model_range(x_train[10_000:30_000]),
                                                       y_train[10_000:30_000], seed=args.seed)
        semantic = dict(semantic_weight=args.semantic_weight, domain_b_labels=judges["sk_train_labels"],
                        semantic_classifier=reader)
    with seeded(args.seed, deterministic=True):
        steps = translation.make_translation_steps("cyclegan", seed=args.seed, domain_b=judges["sk_train"], **semantic)
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
    report = {"command": f"python scripts/train_cyclegan.py --iterations {args.iterations}"
                         f" --semantic-weight {args.semantic_weight:g}",
              "semantic_weight": args.semantic_weight,
              "training_seconds_this_call": None if seconds is None else round(seconds), "iterations": done,
              "batch": BATCH_SIZE, "mnist_images_seen": done * BATCH_SIZE, **row}
    if all(p.exists() for p in shipped):
        old = [translation.generator_of(translation.load_translator(p)[0]) for p in shipped]
        report["shipped_before"], _ = translation.evaluate_cyclegan(*old, judges, mnist_test, mnist_labels)
        before = report["shipped_before"]
        report["improves_on_shipped"] = bool(row["B>A kept"] > before["B>A kept"] and row["B>A MNIST-like"] >= 0.8)
    (args.out / "score.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))
    if args.replace:
        if report.get("improves_on_shipped") is False:
            raise SystemExit("no better than the shipped pair (B -> A must keep more labels and stay >= 80 % MNIST-like): "
                             "not shipped")
        for path, name in zip(paths, SHIPPED):
            model = translation.load_translator(path)[0]
            print(f"shipped {relative(save_generator(model, PRETRAINED_DIR / name, replace_shipped=True))}")
        (PRETRAINED_DIR / TRAINING_RECORD).write_text(json.dumps(report, indent=1))
        print(f"wrote {relative(PRETRAINED_DIR / TRAINING_RECORD)} (how the shipped pair was made; notebook 07 prints it)")


if __name__ == "__main__":
    main()
