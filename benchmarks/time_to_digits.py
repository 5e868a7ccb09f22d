"""Wall-clock time until the DCGAN's samples reach the course's bar, tutorial vs course settings.

Usage: python benchmarks/time_to_digits.py [--min-confidence 0.9] [--course-log runs/02_dcgan/quality.json]
                                          [--tutorial-log earlier_result.json] [--max-minutes-course 30]
                                          [--out benchmarks/time_to_digits.json]
The bar (notebook 02): 2,000 samples, every digit >= 5 % and mean classifier confidence >= 0.9
(``--min-confidence`` lowers it, e.g. 0.8 = notebook 01's bar), checked after every epoch. The course
arm runs first, or is read from notebook 02's quality log (``--course-log``: same settings, same seed,
same machine; its seconds include the per-epoch quality check, which only handicaps the course). The
tutorial arm then gets up to 3x the course's time (enough to decide whether the course is >= 3x sooner),
or is read from an earlier result (``--tutorial-log``). Writes a JSON log and a plot. Run it alone on the machine.
"""
import argparse
import dataclasses
import json
import time
from pathlib import Path

import gan_utils
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from gan_utils.data import load_mnist, make_dataset  # noqa: E402
import tensorflow as tf  # noqa: E402

from gan_utils.metrics import meets_quality_bar, score_generator  # noqa: E402
from gan_utils import recipes  # noqa: E402
from gan_utils.recipes import make_trainer  # noqa: E402

import benchmark  # noqa: E402  (the tutorial's step, rewritten)


def log_from_file(path, min_confidence, arm="course"):
    """Epoch records of a ``QualityMeter`` log or of this script's earlier result (its ``arm``),
    up to and including the first that meets the bar (all of them if none does)."""
    records = json.loads(Path(path).read_text())
    log = []
    for record in records[arm] if isinstance(records, dict) else records:
        log.append(record)
        if meets_quality_bar(record, min_confidence):
            break
    return log


def run_arm(name, epoch_fn, generator, max_seconds, min_confidence):
    log, trained = [], 0.0
    epoch = 0
    while trained < max_seconds:
        start = time.perf_counter()
        epoch_fn(epoch)
        trained += time.perf_counter() - start
        epoch += 1
        quality = score_generator(generator)
        confidence, share = quality["mean_confidence"], quality["min_class_share"]
        log.append({"epoch": epoch, "seconds": round(trained, 1), **quality})
        print(f"{name}: epoch {epoch}, {trained:.0f} s, confidence {confidence:.3f}, smallest share {share:.3f}", flush=True)
        if meets_quality_bar(log[-1], min_confidence):
            break
    return log


def run_tutorial_arm(images, budget, min_confidence):
    gan_utils.set_seed(0)
    gan_utils.choose_precision("float32")
    benchmark.BATCH = 256
    step, generator = benchmark.tutorial_step_fn()

    def tutorial_epoch(epoch):
        # The tutorial's noise has a fixed BATCH_SIZE, so it drops the short last batch.
        for batch in make_dataset(images, batch_size=256, seed=epoch).filter(lambda x: tf.shape(x)[0] == 256):
            step(batch)

    return run_arm("TF tutorial (float32, Adam 1e-4)", tutorial_epoch, generator, budget, min_confidence)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-minutes-course", type=float, default=30)
    parser.add_argument("--min-confidence", type=float, default=0.9)
    parser.add_argument("--course-log", type=Path, default=None, help="QualityMeter log of the course arm (skip running it)")
    parser.add_argument("--tutorial-log", type=Path, default=None, help="an earlier result of this script (skip the tutorial arm)")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("time_to_digits.json"))
    args = parser.parse_args()
    images, _ = load_mnist()

    if args.course_log is not None:
        precision = "from " + str(args.course_log)
        course_log = log_from_file(args.course_log, args.min_confidence)
        if not meets_quality_bar(course_log[-1], args.min_confidence):
            raise SystemExit(f"{args.course_log} never meets the bar (confidence >= {args.min_confidence}, every digit >= 5 %).")
    else:
        gan_utils.set_seed(0)
        precision = gan_utils.choose_precision("auto")
        # the recipe this benchmark measured (before issue 36): Adam 2e-4 / beta1 0.5, the tutorial's discriminator
        recipes.RECIPES["dcgan"] = dataclasses.replace(recipes.RECIPES["dcgan"], g_optimizer=recipes.adam(2e-4),
                                                       d_optimizer=recipes.adam(2e-4), discriminator_options=None)
        course = make_trainer("dcgan", seed=0)
        course_log = run_arm(f"course ({precision}, fused kernels, Adam 2e-4, beta1 0.5)",
                             lambda e: course.fit(images, epochs=e + 1, batch_size=256),
                             course.steps.generator, args.max_minutes_course * 60, args.min_confidence)

    if args.tutorial_log is not None:
        tutorial_log = log_from_file(args.tutorial_log, args.min_confidence, arm="tutorial")
    else:
        tutorial_log = run_tutorial_arm(images, budget=3 * course_log[-1]["seconds"] + 1, min_confidence=args.min_confidence)
    result = {"course": course_log, "tutorial": tutorial_log, "course_precision": precision,
              "min_confidence": args.min_confidence, "min_class_share": 0.05,
              "tutorial_met_bar": meets_quality_bar(tutorial_log[-1], args.min_confidence)}
    args.out.write_text(json.dumps(result, indent=1))

    fig, ax = plt.subplots(figsize=(6, 3.5))
    for name, log in (("course", course_log), ("TF tutorial", tutorial_log)):
        ax.plot([r["seconds"] / 60 for r in log], [r["mean_confidence"] for r in log], "o-", label=f"{name}: confidence")
        ax.plot([r["seconds"] / 60 for r in log], [10 * r["min_class_share"] for r in log], "s--", label=f"{name}: 10 x smallest share")
    ax.axhline(args.min_confidence, color="gray", ls=":")
    ax.axhline(0.5, color="gray", ls=":")
    ax.set_xlabel("training minutes (2-core CPU)")
    ax.set_title("DCGAN quality vs wall-clock time")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(args.out.with_suffix(".png"), dpi=90)
    print(json.dumps({k: v[-1] for k, v in result.items() if isinstance(v, list)}))


if __name__ == "__main__":
    main()
