"""Soak test of stopping and resuming (issue #21): SIGKILL one training run at random moments, resume it each
time, and check that it ends bit-identical to a run that was never interrupted.

    python scripts/soak_resume.py --kills 20           # the full soak (a few minutes on a 2-core CPU)
    python scripts/soak_resume.py --kills 3 --json out.json

Each cycle starts ``python -m gan_utils train mlp`` on the same run folder with periodic checkpoints every
``--checkpoint-seconds``, waits a random time (uniform in [``--min-wait``, ``--max-wait``] seconds after start,
so kills land during start-up, during training and between checkpoints) and sends SIGKILL. When a cycle's
process finishes before its kill, the soak stops killing. A last resume finishes the run; then one uninterrupted
run on a fresh folder gives the reference. The script compares the generators' weights (bit for bit) and the
loss histories and the per-epoch sample frames, checks after every kill that the latest checkpoint on disk opens,
prints one line per kill and a verdict, and exits 1 if anything differs. ``tests/test_reliability.py``
runs a 3-kill version; the README's "Stopping and resuming" section reports the full one.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow"}


def command(out, iterations, checkpoint_seconds, seed):
    return [sys.executable, "-m", "gan_utils", "train", "mlp", "--iterations", str(iterations), "--batch-size", "64",
            "--seed", str(seed), "--precision", "float32", "--checkpoint-minutes", f"{checkpoint_seconds / 60:.6f}",
            "--keep", "2", "--out", str(out)]


def progress(run):
    history = run / "history.json"
    try:
        return len(json.loads(history.read_text()).get("g_loss", []))
    except (OSError, ValueError):
        return 0


def checkpoint_readable(run):
    """None when no checkpoint was written yet, else whether the latest one opens and lists its variables."""
    import tensorflow as tf

    latest = tf.train.latest_checkpoint(str(run / "checkpoints"))
    if latest is None:
        return None
    try:
        return bool(tf.train.load_checkpoint(latest).get_variable_to_shape_map())
    except (tf.errors.OpError, ValueError):
        return False


def soak(workdir, kills=20, iterations=600, checkpoint_seconds=1.0, min_wait=3.0, max_wait=14.0, seed=0,
         log=print):
    """Run the soak in ``workdir``; returns a dict with the kills and the verdict."""
    import keras
    import numpy as np

    rng = random.Random(seed)
    run, reference = Path(workdir) / "killed", Path(workdir) / "straight"
    cmd = command(run, iterations, checkpoint_seconds, seed)
    record = []
    for i in range(kills):
        wait = rng.uniform(min_wait, max_wait)
        process = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            process.wait(timeout=wait)
            finished = True
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            finished = False
        if finished and process.returncode != 0:
            raise RuntimeError(f"cycle {i + 1}: training failed:\n{process.stderr.read()[-2000:]}")
        record.append({"kill": i + 1, "after_seconds": round(wait, 2), "killed": not finished,
                       "history_after": progress(run), "checkpoint_readable": checkpoint_readable(run)})
        log(f"kill {i + 1:>2}: {'SIGKILL' if not finished else 'finished first'} after {wait:5.2f} s; "
            f"history on disk: {record[-1]['history_after']} iterations; latest checkpoint "
            f"{ {None: 'not written yet', True: 'readable', False: 'UNREADABLE'}[record[-1]['checkpoint_readable']]}")
        if finished:
            break
    final = subprocess.run(cmd, env=ENV, capture_output=True, text=True)
    if final.returncode != 0:
        raise RuntimeError(f"the final resume failed:\n{final.stderr[-2000:]}")
    straight = subprocess.run(command(reference, iterations, checkpoint_seconds, seed), env=ENV,
                              capture_output=True, text=True)
    if straight.returncode != 0:
        raise RuntimeError(f"the uninterrupted run failed:\n{straight.stderr[-2000:]}")
    a = keras.models.load_model(run / "generator.keras").get_weights()
    b = keras.models.load_model(reference / "generator.keras").get_weights()
    same_weights = len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))
    same_history = json.loads((run / "history.json").read_text()) == json.loads((reference / "history.json").read_text())
    frames = [sorted(p.name for p in (folder / "frames").glob("*.png")) for folder in (run, reference)]
    result = {"kills_sent": sum(r["killed"] for r in record), "cycles": record, "iterations": iterations,
              "checkpoint_seconds": checkpoint_seconds, "identical_weights": same_weights,
              "identical_history": same_history, "identical_frames": frames[0] == frames[1] and bool(frames[0]),
              "checkpoints_readable_after_kills": all(r["checkpoint_readable"] is not False for r in record)}
    log(f"{result['kills_sent']} SIGKILLs, then a resume to {iterations} iterations: generator weights "
        f"{'bit-identical' if same_weights else 'DIFFERENT'}, loss history {'identical' if same_history else 'DIFFERENT'} "
        "to an uninterrupted run")
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--iterations", type=int, default=600)
    parser.add_argument("--checkpoint-seconds", type=float, default=1.0)
    parser.add_argument("--min-wait", type=float, default=3.0)
    parser.add_argument("--max-wait", type=float, default=14.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="write the result here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        result = soak(workdir, args.kills, args.iterations, args.checkpoint_seconds, args.min_wait, args.max_wait,
                      args.seed)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    return 0 if all(result[k] for k in ("identical_weights", "identical_history", "identical_frames",
                                        "checkpoints_readable_after_kills")) else 1


if __name__ == "__main__":
    sys.exit(main())
