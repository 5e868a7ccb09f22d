"""The run folder: one writer at a time (its lock), files written atomically, disk problems told apart.

Split from ``trainer.py`` (the ``Trainer`` uses it; ``from gan_utils.core.trainer import RunFolderError,
write_json_atomically`` keeps working). Introduced in 02_dcgan.ipynb (resuming a run).
"""
import json
import os
import time
from pathlib import Path

import tensorflow as tf

from gan_utils.core.config import relative


class RunFolderError(RuntimeError):
    """The run folder cannot be used: full disk, no permission, no intact checkpoint, or another
    training process writes to it. The message says what to do."""


_DISK_FULL = ("No space left", "ENOSPC", "Disk quota", "Read-only file system", "Permission denied")


def is_disk_problem(err):
    text = f"{type(err).__name__}: {err}"
    return isinstance(err, (PermissionError,)) or getattr(err, "errno", None) in (28, 30, 122) or \
        isinstance(err, tf.errors.ResourceExhaustedError) or any(marker in text for marker in _DISK_FULL)


def process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lock_run_folder(out_dir):
    """One writer per run folder: write ``out_dir/lock`` (PID and host). A lock held by a live process
    of this machine (another kernel, a forgotten background job) is refused with its PID; a stale lock
    of a dead process is taken over; the same process may reopen its own folder."""
    import socket

    lock = Path(out_dir) / "lock"
    me = {"pid": os.getpid(), "host": socket.gethostname()}
    if lock.exists():
        try:
            other = json.loads(lock.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            other = {}
        mine = other.get("pid") == me["pid"] and other.get("host") == me["host"]
        if not mine and other.get("host") == me["host"] and process_alive(int(other.get("pid", -1))):
            raise RunFolderError(
                f"{relative(out_dir)} is being trained by another process (PID {other['pid']} on this machine, "
                f"started {other.get('started', '?')}). Two trainings on one folder would overwrite each other's "
                "checkpoints: stop the other one (its kernel or job), or use another run folder.")
        if not mine and other.get("host") not in (None, me["host"]):
            raise RunFolderError(
                f"{relative(out_dir)} is locked by process {other.get('pid')} on {other.get('host')}. If that "
                f"training has ended, delete {relative(lock)}; otherwise use another run folder.")
    write_json_atomically(lock, {**me, "started": time.strftime("%Y-%m-%d %H:%M:%S")})


def write_json_atomically(path, payload):
    """Write JSON to a temporary name, then rename: a reader never sees half a file."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(payload, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
