"""Project paths and the quick mode switch (read here, and only here).

Quick mode (``GAN_QUICK=1``) runs every notebook with the same code path on tiny
budgets, so CI can validate them in seconds. Introduced in 00_setup.ipynb.
"""
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("GAN_DATA_DIR", REPO_ROOT / "data"))
PRETRAINED_DIR = DATA_DIR / "pretrained"
# where notebooks write their runs (checkpoints, frames, GIFs): GAN_RUNS_DIR lets a read-only, shared
# install of the course write elsewhere
RUNS_DIR = Path(os.environ.get("GAN_RUNS_DIR", REPO_ROOT / "runs"))


def relative(path):
    """``path`` relative to the repository when it lies inside it, for messages and notebook outputs
    (an absolute path names the machine it ran on)."""
    path = Path(path)
    try:
        return path.resolve().relative_to(REPO_ROOT)
    except ValueError:
        return path


def _truthy(value):
    return value.strip().lower() not in ("", "0", "false", "no", "off")


QUICK = _truthy(os.environ.get("GAN_QUICK", ""))


def pick(full, quick):
    """Return ``quick`` in quick mode (GAN_QUICK=1), else ``full``.

    Notebooks use it in their parameters cell: ``EPOCHS = pick(full=10, quick=1)``.
    """
    return quick if QUICK else full
