"""Ctrl-C as a control, not a crash: SIGINT deferred to the next iteration boundary of the training loop.

Split from ``trainer.py``. The previous handler is always restored when the block ends (no global state is
left changed). Introduced in 02_dcgan.ipynb (interrupting and resuming a run).
"""
import signal
import threading


class DeferredInterrupt:
    """While active, SIGINT (Ctrl-C, JupyterLab's Kernel -> Interrupt) only sets ``requested``;
    the loop stops at the next iteration boundary, so the saved state is always consistent.
    A second Ctrl-C interrupts at once (the usual KeyboardInterrupt). Main thread only."""

    def __init__(self):
        self.requested, self.previous = False, None

    def _handler(self, signum, frame):
        self.requested = True
        signal.signal(signal.SIGINT, self.previous)  # a second Ctrl-C behaves as usual

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.getsignal(signal.SIGINT)
            signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        return False
