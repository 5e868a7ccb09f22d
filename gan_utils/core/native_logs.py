"""Keep TensorFlow's C++ start-up lines out of what the course prints.

TensorFlow writes lines such as ``cudart_stub.cc:31] Could not find cuda drivers``, ``cpu_feature_guard``,
``failed call to cuInit`` and grappler's ``remapper failed`` straight to file descriptor 2, before and regardless of
``TF_CPP_MIN_LOG_LEVEL``. ``quiet_native_stderr()`` runs a block with descriptor 2 read through a filter: those
lines are dropped, every other line (Python warnings, errors, tracebacks, progress bars) is passed on unchanged.
``import gan_utils`` imports TensorFlow inside it; the command line (``python -m gan_utils``) runs whole commands in
it. Imports nothing heavy itself. Used by gan_utils/__init__.py and cli.py.
"""
import contextlib
import os
import re
import sys
import threading

# absl's C++ log format: level letter, MMDD, time, thread id, file:line]
_ABSL = re.compile(r"^[IWE]\d{4} [\d:.]+\s+\d+ \S+:\d+\] ")
_ERROR_NOISE = ("cuInit", "cuda", "CUDA", "remapper failed", "TensorRT", "cuDNN", "cuFFT", "cuBLAS")
_PLAIN_NOISE = ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
                "To enable the following instructions:")


def is_noise(line):
    """Whether ``line`` is one of TensorFlow's native start-up or grappler log lines (never a Python message)."""
    if line.startswith(_PLAIN_NOISE):
        return True
    if _ABSL.match(line):
        return line[0] in "IW" or any(word in line for word in _ERROR_NOISE)
    return False


@contextlib.contextmanager
def quiet_native_stderr():
    """Run the block with descriptor 2 filtered through ``is_noise``; restores it afterwards, even on error.

    A no-op where descriptor 2 cannot be duplicated (some embedded interpreters)."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
        read_end, write_end = os.pipe()
    except OSError:
        yield
        return

    def forward():
        with os.fdopen(read_end, "rb") as pipe:
            for raw in pipe:
                if not is_noise(raw.decode("utf-8", "replace")):
                    os.write(saved, raw)

    thread = threading.Thread(target=forward, daemon=True)
    thread.start()
    os.dup2(write_end, 2)
    os.close(write_end)
    try:
        yield
    finally:
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os.dup2(saved, 2)  # closes the pipe's last write end: the reader sees EOF
        thread.join(timeout=5)
        os.close(saved)
