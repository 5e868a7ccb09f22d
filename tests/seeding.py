"""Seeding inside a test without leaking it: ``reseed(3)`` seeds as ``gan_utils.set_seed`` does; the autouse
fixture of the root ``conftest.py`` then puts every global random state (and op determinism) back after the test
instead of failing it. Anything else that changes them is a leak the fixture reports."""
import gan_utils

_current = {"active": False, "reseeded": False}


def begin_test():
    _current.update(active=True, reseeded=False)


def end_test():
    reseeded = _current["reseeded"]
    _current.update(active=False, reseeded=False)
    return reseeded


def reseed(seed, deterministic=False):
    """Seed Python, NumPy, TensorFlow and Keras for the rest of this test (restored after it)."""
    _current["reseeded"] = True
    gan_utils.set_seed(seed, deterministic=deterministic)
