"""Does the short last batch jolt the DCGAN at every epoch boundary? (issue: "epoch-boundary spike")

Usage: python benchmarks/epoch_spike.py [--epochs 3] [--batch-size 256]
Trains ``make_trainer("dcgan")`` (the tutorial's batch 256, no moving average) for a few epochs twice, with the
short last batch kept (60,000 mod 256 = 96 images) and dropped, same seed, and compares the generator loss of the
first 5 iterations of each epoch after the first with the median of that epoch's other iterations. Writes
benchmarks/epoch_spike.json. Run it alone on the machine.
"""
import argparse
import json
from pathlib import Path

import numpy as np

import gan_utils
from gan_utils.data import load_mnist
from gan_utils.recipes import make_trainer


def boundary_jumps(g_loss, per_epoch, epochs):
    rows = []
    for e in range(1, epochs):
        start = e * per_epoch
        head = np.mean(g_loss[start:start + 5])
        rest = np.median(g_loss[start + 5:start + per_epoch])
        rows.append({"epoch": e + 1, "first_5_mean": round(float(head), 3), "rest_median": round(float(rest), 3),
                     "jump": round(float(head - rest), 3)})
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args()
    images, _ = load_mnist()
    result = {"command": f"python benchmarks/epoch_spike.py --epochs {args.epochs} --batch-size {args.batch_size}"}
    for drop in (False, True):
        gan_utils.set_seed(0, deterministic=True)
        result["precision"] = gan_utils.choose_precision("auto")
        trainer = make_trainer("dcgan", seed=0, ema_decay=None)
        history = trainer.fit(images, epochs=args.epochs, batch_size=args.batch_size, drop_remainder=drop)
        per_epoch = len(images) // args.batch_size if drop else -(-len(images) // args.batch_size)
        arm = "dropped" if drop else "kept"
        result[arm] = boundary_jumps(history["g_loss"], per_epoch, args.epochs)
        print(arm, result[arm], flush=True)
    Path(__file__).with_name("epoch_spike.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
