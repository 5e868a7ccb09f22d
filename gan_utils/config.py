"""Project paths and the quick mode switch (read here, and only here).

Quick mode (``GAN_QUICK=1``) runs every notebook with the same code path on tiny
budgets, so CI can validate them in seconds. Introduced in 00_setup.ipynb.
"""
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("GAN_DATA_DIR", REPO_ROOT / "data"))
PRETRAINED_DIR = DATA_DIR / "pretrained"


def _truthy(value):
    return value.strip().lower() not in ("", "0", "false", "no", "off")


QUICK = _truthy(os.environ.get("GAN_QUICK", ""))


def pick(full, quick):
    """Return ``quick`` in quick mode (GAN_QUICK=1), else ``full``.

    Notebooks use it in their parameters cell: ``EPOCHS = pick(full=10, quick=1)``.
    """
    return quick if QUICK else full
