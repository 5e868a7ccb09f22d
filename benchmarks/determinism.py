"""Does TensorFlow's op determinism (``gan_utils.set_seed(seed, deterministic=True)``, used by every
notebook) slow the DCGAN recipe's training step? Measured side by side in one run.

Determinism is a process-wide switch, so each measurement runs in a child process; the children
alternate (on, off, on, off, ...) so a drift in the machine's speed hits both alike.

Usage: python benchmarks/determinism.py [--rounds 3] [--steps 30] [--batch 64]
Writes benchmarks/determinism.json. Run it alone: the numbers mean nothing on a shared CPU.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

CHILD = r"""
import sys, time
import gan_utils, tensorflow as tf
from gan_utils.data import load_mnist, make_dataset
from gan_utils.recipes import make_trainer
deterministic, steps, batch = sys.argv[1] == "1", int(sys.argv[2]), int(sys.argv[3])
gan_utils.set_seed(0, deterministic=deterministic)
images, labels = load_mnist()
it = iter(make_dataset(images, labels, batch_size=batch, seed=0).repeat())
trainer = make_trainer("dcgan")
s = trainer.steps
def step():
    x, _ = next(it)
    for _ in range(trainer.d_steps):
        logs = s.d_step(x)
    logs.update(s.g_step(tf.shape(x)[0]))
    float(logs["g_loss"])
for _ in range(5):
    step()
start = time.perf_counter()
for _ in range(steps):
    step()
print(steps / (time.perf_counter() - start))
"""


def measure(deterministic, steps, batch):
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([sys.executable, "-c", CHILD, "1" if deterministic else "0", str(steps), str(batch)],
                         capture_output=True, text=True, env=env, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    rates = {"deterministic": [], "not deterministic": []}
    for _ in range(args.rounds):
        for name in rates:
            rates[name].append(measure(name == "deterministic", args.steps, args.batch))
            print(f"{name:>18}: {rates[name][-1]:.2f} generator iterations/s", flush=True)
    med = {name: statistics.median(r) for name, r in rates.items()}
    ratio = med["not deterministic"] / med["deterministic"]
    print(f"median over {args.rounds} rounds, batch {args.batch}: deterministic {med['deterministic']:.2f} it/s, "
          f"not deterministic {med['not deterministic']:.2f} it/s; ratio {ratio:.2f}")
    result = {"batch": args.batch, "steps": args.steps, "rounds": args.rounds, "iterations_per_s": rates,
              "median": med, "speedup_without_determinism": ratio, "cpu_count": os.cpu_count(),
              "measured": time.strftime("%Y-%m-%d")}
    with open(os.path.join(os.path.dirname(__file__), "determinism.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
