"""Seeds, determinism, devices and numeric precision.

Introduced in 00_setup.ipynb; the precision choice is explained in 02_dcgan.ipynb.
"""
import contextlib
import os
import platform
import random
import signal

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


def _gpu_has_fp16_tensor_cores():
    gpus = tf.config.list_physical_devices("GPU")
    return bool(gpus) and all(tf.config.experimental.get_device_details(g).get("compute_capability", (0, 0)) >= (7, 0)
                              for g in gpus)


PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
# forces what "auto" means, for a whole process and the notebooks it starts: `GAN_UTILS_PRECISION=mixed_bfloat16
# pytest` runs the bfloat16 path on any CPU (TensorFlow emulates bfloat16 where the CPU lacks it: slower, the
# same numbers up to rounding)
PRECISION_ENV = "GAN_UTILS_PRECISION"


def resolve_precision(precision="auto"):
    """The dtype policy's name that ``precision`` stands for, without setting anything.

    ``"auto"`` is the environment's ``GAN_UTILS_PRECISION`` when it is set; otherwise ``mixed_bfloat16`` where the
    hardware computes bfloat16 natively (CPUs with AVX-512 BF16/AMX, NVIDIA GPUs from Ampere on),
    ``mixed_float16`` on older NVIDIA GPUs with float16 tensor cores (Volta, Turing: compute capability 7.x) and
    ``float32`` elsewhere."""
    if precision == "auto":
        forced = os.environ.get(PRECISION_ENV, "").strip()
        if forced:
            if forced not in PRECISIONS:
                raise ValueError(f"{PRECISION_ENV}={forced!r} is not a precision: set it to one of "
                                 f"{', '.join(PRECISIONS)}, or unset it to let the hardware decide.")
            return forced
        if _gpu_supports_bf16() or (not tf.config.list_physical_devices("GPU") and _cpu_supports_bf16()):
            return "mixed_bfloat16"
        return "mixed_float16" if _gpu_has_fp16_tensor_cores() else "float32"
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be 'auto', 'float32', 'mixed_bfloat16' or 'mixed_float16', not {precision!r}")
    return precision


def choose_precision(precision="auto"):
    """Set the Keras dtype policy for the rest of this session (a notebook's kernel) and return its name.
    (Functions of the package never call it: the CLI runs each command inside ``preserved_global_state``.)

    ``"auto"``: see ``resolve_precision``. float16's narrow range needs loss scaling: ``recipes.make_trainer``
    then wraps both optimizers in ``keras.optimizers.LossScaleOptimizer`` and the steps scale their losses
    (``GANSteps.scale_for_gradients``). bfloat16 has float32's range and needs none. Every model's last layer
    stays float32, so outputs and losses are float32 either way. (mixed_float16 is unmeasured here: no such GPU
    was available.) Code that must not change the session's policy uses ``precision_scope`` instead.
    """
    precision = resolve_precision(precision)
    keras.mixed_precision.set_global_policy(precision)
    return precision


@contextlib.contextmanager
def precision_scope(precision="auto"):
    """``with precision_scope("mixed_bfloat16") as name:`` builds and runs models under that policy and puts the
    previous global policy back afterwards (the CLI, scripts and tests use it: nothing outlives the call)."""
    previous = keras.config.dtype_policy()
    name = resolve_precision(precision)
    keras.config.set_dtype_policy(name)
    try:
        yield name
    finally:
        keras.config.set_dtype_policy(previous)


def random_state():
    """A snapshot of every global random state a seed sets: Python's, NumPy's, TensorFlow's global seed and
    Keras' global seed (``restore_random_state`` puts it back; the tests compare snapshots)."""
    from keras.src.backend.common import global_state
    from tensorflow.python.eager import context

    ctx = context.context()
    tf_rng = getattr(ctx, "_rng", None)
    return {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "tf_seed": ctx._seed,
        "tf_rng": tf_rng.getstate() if tf_rng is not None else None,
        "keras_seed": global_state.get_global_attribute("global_random_seed"),
        "keras_generator": global_state.get_global_attribute("global_seed_generator"),
    }


def seeds_changed(a, b):
    """Whether a seed was set between two ``random_state()`` snapshots: TensorFlow's or Keras' global seed differs
    (``set_seed`` and ``keras.utils.set_random_seed`` set both). Drawing random numbers (building a model,
    shuffling) only advances the states: not a change of seed."""
    return a["tf_seed"] != b["tf_seed"] or a["keras_seed"] != b["keras_seed"]


def restore_random_state(state):
    from keras.src.backend.common import global_state
    from tensorflow.python.eager import context

    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    ctx = context.context()
    if state["tf_seed"] is None:
        ctx._seed = None
        if hasattr(ctx, "_rng"):
            ctx._rng = None
    else:
        tf.random.set_seed(state["tf_seed"])
        if state["tf_rng"] is not None:
            ctx._rng.setstate(state["tf_rng"])
    global_state.set_global_attribute("global_random_seed", state["keras_seed"])
    global_state.set_global_attribute("global_seed_generator", state["keras_generator"])


def op_determinism():
    """Whether TensorFlow's op determinism is on."""
    from tensorflow.python.framework import config as tf_config

    return tf_config.is_op_determinism_enabled()


def set_op_determinism(enabled):
    from tensorflow.python.framework import config as tf_config

    (tf_config.enable_op_determinism if enabled else tf_config.disable_op_determinism)()


@contextlib.contextmanager
def restored_seeds():
    """Put back every global random state and op determinism on exit (what ``seeded`` and
    ``preserved_global_state`` share)."""
    state, determinism = random_state(), op_determinism()
    try:
        yield
    finally:
        restore_random_state(state)
        if op_determinism() != determinism:
            set_op_determinism(determinism)


@contextlib.contextmanager
def seeded(seed, deterministic=False):
    """``with seeded(0):`` seeds as ``set_seed`` does, and afterwards puts back every global random state (and
    op determinism) as it was: for code that needs reproducible numbers without changing its caller's."""
    with restored_seeds():
        set_seed(seed, deterministic=deterministic)
        yield


@contextlib.contextmanager
def preserved_global_state():
    """Put back the dtype policy, the random states, op determinism, the SIGINT handler and the working
    directory on exit: what one command of the CLI may change for its own run stays inside that run."""
    policy, handler, cwd = keras.config.dtype_policy(), signal.getsignal(signal.SIGINT), os.getcwd()
    try:
        with restored_seeds():
            yield
    finally:
        keras.config.set_dtype_policy(policy)
        if signal.getsignal(signal.SIGINT) is not handler:
            signal.signal(signal.SIGINT, handler)
        if os.getcwd() != cwd:
            os.chdir(cwd)


def choose_xla(mode="auto"):
    """Whether to compile train steps with XLA (``tf.function(jit_compile=True)``).

    ``"auto"`` = on when TensorFlow sees a GPU, off on CPUs: measured on this course's 2-core CPU,
    XLA made the DCGAN step about 0.55x as fast (it bypasses oneDNN's convolutions). "on"/"off" force it.
    """
    if mode not in ("auto", "on", "off"):
        raise ValueError(f"xla must be 'auto', 'on' or 'off', not {mode!r}")
    return bool(tf.config.list_physical_devices("GPU")) if mode == "auto" else mode == "on"


STRATEGIES = ("default", "mirrored", "multi-worker")


def choose_strategy(name="default"):
    """The ``tf.distribute`` strategy to train with; the one place a notebook or ``train --strategy`` picks it.

    - ``"default"``: None, one device (TensorFlow's default placement: the GPU if there is one);
    - ``"mirrored"``: ``MirroredStrategy`` over every local GPU, or, without GPUs, over every logical CPU
      device (``split_cpu``): one replica per device, gradients all-reduced every step;
    - ``"multi-worker"``: ``MultiWorkerMirroredStrategy``, the same over several machines (or processes),
      configured by the ``TF_CONFIG`` environment variable of each worker (cluster addresses and this
      worker's index); every worker runs the same command. Create it before anything else uses TensorFlow.

    Pass the result to ``recipes.make_trainer(..., strategy=)``; ``fit``'s batch size is then the global batch.
    """
    if name not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, not {name!r}")
    if name == "default":
        return None
    if name == "multi-worker":
        if "TF_CONFIG" not in os.environ:
            raise ValueError("--strategy multi-worker needs TF_CONFIG (the cluster's workers and this worker's "
                             "index) in the environment of every worker; see the README's \"More hardware\".")
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_logical_devices("GPU")
    devices = [d.name for d in gpus or tf.config.list_logical_devices("CPU")]
    return tf.distribute.MirroredStrategy(devices)


def split_cpu(n):
    """Split the CPU into ``n`` logical devices (to try ``"mirrored"`` without GPUs; they share the same
    cores, so this tests correctness, not speed). Must run before TensorFlow initialises its devices."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n)])


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
