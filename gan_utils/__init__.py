"""gan_utils: the small package shared by the gan-course notebooks.

Importing it pins Keras to the TensorFlow backend (the course's code uses
``tf.GradientTape`` and ``tf.function``); a different active backend is an error.
Introduced in 00_setup.ipynb.

The modules live in subpackages, grouped the way the course is built (gan_utils/README.md is the map):
``core`` (data, losses, networks, the steps interface, the loop, saving and sampling), ``variants`` (the GAN
variants of notebooks 01-09 and the command line's recipes), ``evaluation`` (metrics, spectra, divergences),
``applications`` (tables, time series, privacy: notebook 10), ``checks`` and ``teaching`` (the exercise checks
and the student edition). ``cli`` and ``__main__`` stay here.

The flat names of before keep working: ``from gan_utils.trainer import Trainer``, ``import gan_utils.trainer``,
``from gan_utils import trainer`` and ``gan_utils.trainer`` give the module of its new home
(``gan_utils.core.trainer``), the same object under both names, imported on first use (``HOMES``). Importing
``gan_utils`` itself loads part of the core and what every saved model needs (the registered Keras layers); the
other modules load on first use, and none imports scikit-learn before a function that needs it runs.
"""
import importlib
import importlib.abc
import importlib.util
import os
import pkgutil
import sys

# the modules of the once-flat package and their homes: gan_utils.<module> is gan_utils.<HOMES[module]>.<module>.
# A module added since has no flat name.
HOMES = {
    **dict.fromkeys(["config", "runtime", "native_logs", "data", "losses", "models", "kinds", "steps_base", "train",
                     "trainer", "run_folder", "interrupts", "keras_fit", "callbacks", "fast", "sampling", "viz"],
                    "core"),
    **dict.fromkeys(["toy", "dirac", "remedies", "conditional", "translation", "image_layers", "progressive", "style",
                     "infogan", "semisupervised", "aae", "bigan", "editing", "vae", "recipes"], "variants"),
    **dict.fromkeys(["metrics", "spectra", "divergences", "synthetic"], "evaluation"),
    **dict.fromkeys(["tabular", "sequences", "privacy", "dp", "imputation"], "applications"),
    **dict.fromkeys(["student"], "teaching"),
}
SUBPACKAGES = ("core", "variants", "evaluation", "applications", "checks", "teaching")


class _FlatNames(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports ``gan_utils.<module>`` (a name of the once-flat package) as the module of its subpackage: the import
    system files the very same module object under the old name too, so both names share its state and
    ``monkeypatch.setattr("gan_utils.trainer.X", …)`` patches what ``gan_utils.core.trainer`` uses."""

    def find_spec(self, fullname, path=None, target=None):
        package, _, name = fullname.rpartition(".")
        if package != __name__ or name not in HOMES:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        name = spec.name.rpartition(".")[2]
        module = importlib.import_module(f"{__name__}.{HOMES[name]}.{name}")
        spec.loader_state = module.__spec__
        return module

    def exec_module(self, module):
        module.__spec__ = module.__spec__.loader_state  # the import system gave it the alias's spec: its own back


# first on the path: a finder behind the standard ones (an editable install of another checkout) must not find an
# old flat module of that name
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "_FlatNames"]
sys.meta_path.insert(0, _FlatNames())


def _submodules(package):
    """``__getattr__`` and ``__dir__`` of a subpackage: its modules are attributes, imported on first use
    (``gan_utils.core.trainer`` without ``import gan_utils.core.trainer`` first)."""
    path = sys.modules[package].__path__

    def modules():
        return {info.name for info in pkgutil.iter_modules(path)}

    def __getattr__(name):
        if name in modules():
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(sys.modules[package].__dict__) | modules())

    return __getattr__, __dir__


def __getattr__(name):
    if name in HOMES or name in SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(HOMES) | set(SUBPACKAGES))


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

from gan_utils.core.native_logs import quiet_native_stderr  # noqa: E402

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

from gan_utils.core.config import QUICK, pick  # noqa: E402
from gan_utils.core.runtime import set_seed, describe_runtime, choose_precision, choose_xla, choose_strategy  # noqa: E402
from gan_utils.core import fast  # noqa: E402,F401  (registers the fused layers, so saved models load)
from gan_utils.variants import progressive, style  # noqa: E402,F401  (the same for notebook 08's layers)
from gan_utils.core import kinds  # noqa: E402,F401  (KindedModel: every shipped file loads)
from gan_utils.variants import translation  # noqa: E402,F401  (notebook 07's Clip and MaskRows)
from gan_utils.variants import semisupervised  # noqa: E402,F401  (notebook 09's WeightNormDense: ssl_classifier.keras loads)

__version__ = "0.1.0"
__all__ = ["QUICK", "pick", "set_seed", "describe_runtime", "choose_precision", "choose_xla", "choose_strategy"]
