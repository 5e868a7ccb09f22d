"""The TF profiler's per-op table for the fastest DCGAN step: where the time goes, by op type (issue 8).

Usage: python benchmarks/profile_ops.py [--steps 10] [--top 14]      (about 1 minute; run it alone)
Profiles ``--steps`` simultaneous DCGAN steps in mixed_bfloat16 with ``tf.profiler``, twice: plain Keras
layers and Adam, then the fused kernels of ``gan_utils.fast``. The trace is turned into the per-op table of
TensorBoard's profiler ("TensorFlow Stats") by the converter built into TensorFlow, so no plugin is needed.
Prints milliseconds of op self-time per step by op type. With two threads ops overlap, so shares are of the
summed op time, not of wall-clock time; "_Mkl" ops are oneDNN's kernels.
"""
import argparse
import collections
import json
import tempfile
from pathlib import Path

import gan_utils
import tensorflow as tf
from tensorflow.python.profiler.internal import _pywrap_profiler_plugin as profiler_plugin

from gan_utils.data import load_mnist, make_dataset

import benchmark  # noqa: E402  (batch size)
import what_is_left  # noqa: E402  (the step variants)

MATMUL_WORDS = ("Conv", "MatMul", "Einsum")


def op_self_times(step, batches, steps, logdir):
    """Microseconds of self-time per op type over ``steps`` profiled calls (after 3 warm-up calls)."""
    it = iter(batches)
    for _ in range(3):
        step(*next(it))
    tf.profiler.experimental.start(str(logdir))
    for _ in range(steps):
        step(*next(it))
    tf.profiler.experimental.stop()
    trace = max(Path(logdir).rglob("*.xplane.pb"), key=lambda p: p.stat().st_mtime)
    data, ok = profiler_plugin.xspace_to_tools_data([str(trace)], "framework_op_stats", {})
    if not ok:
        raise RuntimeError(f"TensorFlow could not convert the profile: {data[:200]!r}")
    table = json.loads(data)[0]
    columns = [c["id"] for c in table["cols"]]
    kind, self_time = columns.index("type"), columns.index("total_self_time")
    totals = collections.Counter()
    for row in table["rows"]:
        cells = [c.get("v") for c in row["c"]]
        if cells[kind] != "IDLE":
            totals[cells[kind]] += cells[self_time]
    return totals


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--top", type=int, default=14)
    args = parser.parse_args()
    gan_utils.set_seed(0)
    precision = gan_utils.choose_precision("auto")
    images, _ = load_mnist()
    batches = make_dataset(images, batch_size=benchmark.BATCH, seed=0).repeat().map(lambda x: (x,))
    variants = {"plain Keras": {}, "fused": {"fused": (what_is_left.BN, what_is_left.DROPOUT), "optimizer": "fused adam"}}
    tables = {}
    with tempfile.TemporaryDirectory() as logdir:
        for i, (name, kwargs) in enumerate(variants.items()):
            tables[name] = op_self_times(what_is_left.variant_step(**kwargs), batches, args.steps, Path(logdir) / str(i))

    print(f"simultaneous DCGAN step, {precision}, batch {benchmark.BATCH}: op self-time in ms per step")
    for name, totals in tables.items():
        total = sum(totals.values())
        matmul = sum(t for op, t in totals.items() if any(w in op for w in MATMUL_WORDS))
        print(f"  {name}: {total / args.steps / 1000:.0f} ms of ops per step, {matmul / total:.0%} in convolutions/matmuls")
    top = [op for op, _ in (tables["plain Keras"] + tables["fused"]).most_common(args.top)]
    print(f"{'op type':<40} " + " ".join(f"{name:>16}" for name in tables))
    for op in top:
        cells = [f"{tables[name][op] / args.steps / 1000:7.1f} ({tables[name][op] / sum(tables[name].values()):4.0%})"
                 for name in tables]
        print(f"{op:<40} " + " ".join(f"{c:>16}" for c in cells))


if __name__ == "__main__":
    main()
