"""gan_utils: the small package shared by the gan-course notebooks.

Importing it pins Keras to the TensorFlow backend (the course's code uses
``tf.GradientTape`` and ``tf.function``); a different active backend is an error.
Introduced in 00_setup.ipynb.
"""
import os
import sys


def _native_logs_to_console():
    """In a Jupyter kernel, send what C++ libraries (TensorFlow's cuInit, oneDNN and grappler
    lines) write to file descriptor 2 to the server's console, not into the notebook's cells.
    Python warnings, errors and progress bars still appear in the notebook."""
    original = getattr(sys.stderr, "_original_stdstream_copy", None)
    if original is not None:
        os.dup2(original, 2)


_native_logs_to_console()
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

if os.environ["KERAS_BACKEND"] != "tensorflow":
    raise ImportError(
        f"gan_utils needs KERAS_BACKEND=tensorflow, but it is set to "
        f"{os.environ['KERAS_BACKEND']!r}. Unset it or run `export KERAS_BACKEND=tensorflow` "
        "before starting Python/Jupyter."
    )

from gan_utils.native_logs import quiet_native_stderr  # noqa: E402

with quiet_native_stderr():  # TensorFlow's C++ start-up lines (cuda drivers, cuInit, CPU features) are dropped
    import keras  # noqa: E402
    import tensorflow as _tf  # noqa: E402

    _tf.config.list_physical_devices("GPU")  # cuInit's complaint comes now, inside the filter
    del _tf

if keras.backend.backend() != "tensorflow":
    raise ImportError(
        f"Keras was already imported with the {keras.backend.backend()!r} backend. "
        "Restart the kernel and import gan_utils (or set KERAS_BACKEND=tensorflow) first."
    )

from gan_utils.config import QUICK, pick  # noqa: E402
from gan_utils.runtime import set_seed, describe_runtime, choose_precision, choose_xla, choose_strategy  # noqa: E402
from gan_utils import fast  # noqa: E402,F401  (registers the fused layers, so saved models load)
from gan_utils import progressive, style  # noqa: E402,F401  (the same for notebook 08's layers)
from gan_utils import kinds, translation  # noqa: E402,F401  (KindedModel and notebook 07's Clip: every shipped file loads)
from gan_utils import semisupervised  # noqa: E402,F401  (notebook 09's WeightNormDense: ssl_classifier.keras loads)

__version__ = "0.1.0"
__all__ = ["QUICK", "pick", "set_seed", "describe_runtime", "choose_precision", "choose_xla", "choose_strategy"]
