"""Quality per minute of DCGAN training: the levers of the "class period" recipe, one arm at a time.

Usage: python benchmarks/class_period.py --arm NAME [--minutes 6] [--batch-size 64] [--simultaneous]
                                         [--ema 0.999|none] [--every 250] [--n 5000]
Trains ``make_trainer("dcgan")`` (fused kernels, mixed_bfloat16 where available, Adam 2e-4 / beta_1 0.5)
for a wall-clock budget from a fresh start and scores the raw generator and, with --ema, its moving
average on ``--n`` samples every ``--every`` generator iterations with the course classifier (scoring
time excluded from the clock). Appends the arm to benchmarks/class_period.json. Run it alone.
"""
import argparse
import json
import time
from pathlib import Path

import gan_utils
from gan_utils.callbacks import QualityMeter
from gan_utils.data import load_mnist
from gan_utils.metrics import meets_quality_bar
from gan_utils.recipes import make_trainer

OUT = Path(__file__).with_name("class_period.json")


def first_time(records, min_confidence, key=None):
    for r in records:
        if meets_quality_bar(r[key] if key else r, min_confidence):
            return r["seconds"]
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--arm", required=True)
    parser.add_argument("--minutes", type=float, default=6.0)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--simultaneous", action="store_true")
    parser.add_argument("--ema", default="0.999")
    parser.add_argument("--every", type=int, default=250)
    parser.add_argument("--n", type=int, default=5000)
    args = parser.parse_args()
    gan_utils.set_seed(0, deterministic=True)
    precision = gan_utils.choose_precision("auto")
    ema = None if args.ema == "none" else float(args.ema)
    trainer = make_trainer("dcgan", seed=0, ema_decay=ema, simultaneous=args.simultaneous)
    meter = QualityMeter(n=args.n, every_iterations=args.every)
    images, _ = load_mnist()
    started = time.perf_counter()
    trainer.fit(images, minutes=args.minutes, batch_size=args.batch_size, callbacks=[meter])
    wall = time.perf_counter() - started
    summary = {"arm": args.arm, "command": "python benchmarks/class_period.py " + " ".join(
                   f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if v not in (False, None)),
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


if __name__ == "__main__":
    main()
