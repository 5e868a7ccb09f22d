"""Quality per minute of DCGAN training: the levers of the "class period" recipe, one arm at a time.

Usage: python benchmarks/class_period.py --arm NAME [--minutes 5] [--batch-size 64] [--simultaneous]
                                         [--ema 0.999|none] [--every-images 9600] [--n 5000]
                                         [--g-lr 2e-4] [--d-lr 2e-4] [--beta1 0.5] [--seed 0]
       python benchmarks/class_period.py --plot      # class_period.png and the markdown table of benchmarks/README.md
Trains ``make_trainer("dcgan")`` (fused kernels, mixed_bfloat16 where available, Adam 2e-4 / beta_1 0.5
unless --g-lr/--d-lr/--beta1 change them: two timescales = different learning rates for G and D)
for a budget of training time from a fresh start and scores the raw generator and, with --ema, its moving
average on ``--n`` samples every ``--every-images`` training images (9,600 = 150 iterations at batch 64)
with the course classifier (scoring time excluded from the clock and from the budget). Appends the arm to
benchmarks/class_period.json. Run it alone.
"""
import argparse
import dataclasses
import json
import time
from pathlib import Path

import gan_utils
from gan_utils.callbacks import Callback, QualityMeter
from gan_utils.data import load_mnist
from gan_utils.metrics import meets_quality_bar
from gan_utils import recipes
from gan_utils.recipes import make_trainer

OUT = Path(__file__).with_name("class_period.json")


class TrainingBudget(Callback):
    """Stop after ``seconds`` of training as the meter counts it (its scoring excluded), so an arm that is
    scored more often (more iterations per second) gets the same training time as the others."""

    def __init__(self, meter, seconds):
        self.meter, self.seconds = meter, seconds

    def on_step_end(self, trainer, logs):
        if self.meter.offset + time.perf_counter() - self.meter.started >= self.seconds:
            trainer.stop_training = True


def first_time(records, min_confidence, key=None):
    for r in records:
        if meets_quality_bar(r[key] if key else r, min_confidence):
            return r["seconds"]
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--arm")
    parser.add_argument("--plot", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--g-lr", type=float, default=2e-4)
    parser.add_argument("--d-lr", type=float, default=2e-4)
    parser.add_argument("--beta1", type=float, default=0.5)
    parser.add_argument("--minutes", type=float, default=5.0, help="training minutes (scoring excluded)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--simultaneous", action="store_true")
    parser.add_argument("--ema", default="0.999")
    parser.add_argument("--every", type=int, default=None, help="score every N iterations (default: --every-images)")
    parser.add_argument("--every-images", type=int, default=9600, help="score every N training images / batch size")
    parser.add_argument("--n", type=int, default=5000)
    args = parser.parse_args()
    if args.plot:
        return plot()
    if not args.arm:
        parser.error("give --arm NAME (or --plot)")
    recipes.RECIPES["dcgan"] = dataclasses.replace(
        recipes.RECIPES["dcgan"], g_optimizer=recipes.adam(args.g_lr, args.beta1),
        d_optimizer=recipes.adam(args.d_lr, args.beta1), discriminator_options=None)   # the tutorial's D, as measured
    gan_utils.set_seed(args.seed, deterministic=True)
    precision = gan_utils.choose_precision("auto")
    ema = None if args.ema == "none" else float(args.ema)
    trainer = make_trainer("dcgan", seed=args.seed, ema_decay=ema, simultaneous=args.simultaneous)
    every = args.every or max(1, round(args.every_images / args.batch_size))
    meter = QualityMeter(n=args.n, every_iterations=every)
    images, _ = load_mnist()
    started = time.perf_counter()
    trainer.fit(images, epochs=10_000, batch_size=args.batch_size,
                callbacks=[meter, TrainingBudget(meter, 60 * args.minutes)])
    wall = time.perf_counter() - started
    summary = {"arm": args.arm, "command": "python benchmarks/class_period.py " + " ".join(
                   f"--{k.replace('_', '-')}" + ("" if v is True else f" {v}")
                   for k, v in vars(args).items() if v is not False and v is not None),
               "precision": precision, "iterations": int(trainer.iteration.numpy()), "wall_seconds": round(wall, 1),
               "records": meter.records}
    for bar in (0.8, 0.9):
        summary[f"raw_first_seconds_at_{bar}"] = first_time(meter.records, bar)
        if ema:
            summary[f"ema_first_seconds_at_{bar}"] = first_time(meter.records, bar, "ema")
    results = json.loads(OUT.read_text()) if OUT.exists() else {}
    results[args.arm] = summary
    OUT.write_text(json.dumps(results, indent=1))
    last = meter.records[-1]
    print(json.dumps({k: v for k, v in summary.items() if k != "records"}))
    print("last raw", {k: round(v, 3) for k, v in last.items() if isinstance(v, float)})
    if ema:
        print("last ema", {k: round(v, 3) for k, v in last["ema"].items()})


def plot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = json.loads(OUT.read_text())
    horizon = min(summary["records"][-1]["seconds"] for summary in results.values()) + 1.0
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    for i, (arm, summary) in enumerate(results.items()):
        color = f"C{i}"
        records = [r for r in summary["records"] if r["seconds"] <= horizon]   # equal training time
        minutes = [r["seconds"] / 60 for r in records]
        axes[0].plot(minutes, [r["mean_confidence"] for r in records], "--", color=color, alpha=0.6)
        axes[1].plot(minutes, [r["fid"] for r in records], "--", color=color, alpha=0.6)
        if "ema" in records[0]:
            axes[0].plot(minutes, [r["ema"]["mean_confidence"] for r in records], "-o", color=color, label=arm)
            axes[1].plot(minutes, [r["ema"]["fid"] for r in records], "-o", color=color, label=arm)
        else:
            axes[0].lines[-1].set_label(arm)
    axes[0].axhline(0.9, color="k", lw=1, ls=":")
    axes[0].axhline(0.8, color="grey", lw=1, ls=":")
    axes[0].set_ylabel("mean classifier confidence")
    axes[1].set_ylabel("Fréchet distance (course classifier)")
    for ax in axes:
        ax.set_xlabel("minutes of training (scoring excluded)")
        ax.grid(alpha=0.3)
    axes[0].set_title("solid: moving-average G, dashed: raw G; dotted: 0.8 / 0.9 bars", fontsize=10)
    axes[1].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    fig.savefig(OUT.with_suffix(".png"), dpi=90)
    print("wrote", OUT.with_suffix(".png").name)
    print(table(results))


def table(results):
    """Each arm at the latest check no later than the shortest arm's training time (equal training seconds)."""
    horizon = min(summary["records"][-1]["seconds"] for summary in results.values())
    lines = [f"quality at the last check within {horizon:.0f} s of training (scoring excluded), 5,000 samples:", "",
             "| arm | batch | it/s | images/s | iterations | raw conf. / smallest share / Fréchet "
             "| EMA conf. / smallest share / Fréchet |", "|---|---|---|---|---|---|---|"]
    for arm, summary in results.items():
        records = summary["records"]
        record = [r for r in records if r["seconds"] <= horizon + 1.0][-1]   # the budget's last step overshoots < 1 s
        speed = record["iteration"] / record["seconds"]
        batch = int(summary["command"].split("--batch-size ")[1].split()[0])
        cells = [f"{arm}", f"{batch}", f"{speed:.2f}", f"{speed * batch:.0f}", f"{record['iteration']}",
                 f"{record['mean_confidence']:.3f} / {record['min_class_share']:.3f} / {record['fid']:.1f}"]
        ema = record.get("ema")
        cells.append(f"{ema['mean_confidence']:.3f} / {ema['min_class_share']:.3f} / {ema['fid']:.1f}" if ema else "—")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
