"""Seeds, determinism, devices and numeric precision.

Introduced in 00_setup.ipynb; the precision choice is explained in 02_dcgan.ipynb.
"""
import platform
import random

import keras
import numpy as np
import tensorflow as tf


def set_seed(seed, deterministic=False):
    """Seed Python, NumPy, TensorFlow and Keras (``keras.utils.set_random_seed``).

    With ``deterministic=True`` TensorFlow's op determinism is switched on too, so
    two runs with the same seed on the same CPU give bit-identical weights. On a GPU
    determinism costs speed and some ops refuse to run; without it a GPU run differs
    from a CPU run (and from itself) in the last bits, which then grow during training.
    """
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def _cpu_supports_bf16():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = f.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def _gpu_supports_bf16():
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        if details.get("compute_capability", (0, 0)) >= (8, 0):
            return True
    return False


def choose_precision(precision="auto"):
    """Set the Keras dtype policy and return its name.

    ``"auto"`` picks ``mixed_bfloat16`` where the hardware computes bfloat16 natively
    (CPUs with AVX-512 BF16/AMX, NVIDIA GPUs from Ampere on) and ``float32`` elsewhere.
    Every model's last layer stays float32, so outputs and losses are float32 either way.
    """
    if precision == "auto":
        fast = _gpu_supports_bf16() or (not tf.config.list_physical_devices("GPU") and _cpu_supports_bf16())
        precision = "mixed_bfloat16" if fast else "float32"
    if precision not in ("float32", "mixed_bfloat16"):
        raise ValueError(f"precision must be 'auto', 'float32' or 'mixed_bfloat16', not {precision!r}")
    keras.mixed_precision.set_global_policy(precision)
    return precision


def choose_xla(mode="auto"):
    """Whether to compile train steps with XLA (``tf.function(jit_compile=True)``).

    ``"auto"`` = on when TensorFlow sees a GPU, off on CPUs: measured on this course's 2-core CPU,
    XLA made the DCGAN step about 0.55x as fast (it bypasses oneDNN's convolutions). "on"/"off" force it.
    """
    if mode not in ("auto", "on", "off"):
        raise ValueError(f"xla must be 'auto', 'on' or 'off', not {mode!r}")
    return bool(tf.config.list_physical_devices("GPU")) if mode == "auto" else mode == "on"


def describe_runtime():
    """Return a dict of versions and devices, for the setup cell of every notebook."""
    gpus = tf.config.list_physical_devices("GPU")
    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "gpus": [g.name for g in gpus],
        "cpu_bf16": _cpu_supports_bf16(),
    }
