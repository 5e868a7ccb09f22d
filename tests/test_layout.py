"""The package's layout (issue 32): modules grouped in subpackages, the flat names of before still working.

- every flat name (``gan_utils.trainer``) is the module of its new home (``gan_utils.core.trainer``), the same object
  whichever way it is imported, and a function reached through it shows its source;
- ``import gan_utils`` stays light: it works without scikit-learn and loads no evaluation, application or teaching
  module;
- nothing but ``__init__``, ``__main__`` and ``cli`` sits at the top of gan_utils/, and every flat name of
  ``gan_utils.HOMES`` (the alias table) has its module in its home;
- no import cycle between the subpackages when they are imported (read from the code with ``ast``); the core imports
  nothing outside itself then, and its few imports out of itself inside functions are the ones listed here;
- the package's own code imports the new paths;
- the registered Keras names (what a ``.keras`` file stores) do not depend on where a module lives.
"""
import ast
import importlib
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import gan_utils

PACKAGE = Path(gan_utils.__file__).resolve().parent
TOP_MODULES = {"__init__", "__main__", "cli"}
# the modules of the flat package (gan_utils/*.py before issue 32): notebooks, scripts and tests import them so
FLAT_NAMES = {"aae", "bigan", "callbacks", "conditional", "config", "data", "dirac", "divergences", "dp", "editing",
              "fast", "image_layers", "imputation", "infogan", "interrupts", "keras_fit", "kinds", "losses", "metrics",
              "models", "native_logs", "privacy", "progressive", "recipes", "remedies", "run_folder", "runtime",
              "sampling", "semisupervised", "sequences", "spectra", "steps_base", "student", "style", "synthetic",
              "tabular", "toy", "train", "trainer", "translation", "vae", "viz"}

# imports out of the core made inside a function (when it runs, not when the core is imported): which module needs
# which, and why. Add to it only with the reason; the README's "How the subpackages depend on each other" says the same.
CORE_IMPORTS_WHEN_RUN = {
    ("core.kinds", "variants.style"),             # structural_kind: a model with a Truncation layer is a style generator
    ("core.kinds", "variants.infogan"),           # legacy_kind: the code sizes of an InfoGAN file saved before kinds
    ("core.models", "variants.progressive"),      # _conv_discriminator_body: the minibatch standard deviation layer
    ("core.sampling", "variants.infogan"),        # generate_digits: an InfoGAN generator's codes
    ("core.sampling", "variants.image_layers"),   # load_model_file: the translators' layers, so a translator loads
    ("core.callbacks", "evaluation.metrics"),     # QualityMeter: the course classifier's scores during training
}

# functions whose source a notebook prints (its committed output shows their import lines): they keep the flat name
# until the notebook is re-run (tests/test_notebook_hygiene.py compares the printed source with the code)
PRINTED_WITH_FLAT_IMPORTS = {("core/models.py", "_conv_discriminator_body"), ("variants/toy.py", "ring_arm")}


def _clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="2", **extra)
    return env


def _run(script):
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=PACKAGE.parent,
                         env=_clean_env())
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


# --- the flat names ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(FLAT_NAMES))
def test_a_flat_name_is_the_module_of_its_new_home(name):
    new = importlib.import_module(f"gan_utils.{gan_utils.HOMES[name]}.{name}")
    assert importlib.import_module(f"gan_utils.{name}") is new
    assert sys.modules[f"gan_utils.{name}"] is new and getattr(gan_utils, name) is new
    assert getattr(importlib.import_module(f"gan_utils.{gan_utils.HOMES[name]}"), name) is new
    assert new.__name__ == new.__spec__.name == f"gan_utils.{gan_utils.HOMES[name]}.{name}"  # its own spec, not the alias's
    assert Path(inspect.getsourcefile(new)) == PACKAGE / gan_utils.HOMES[name] / f"{name}.py"


def test_every_way_of_importing_a_flat_name_gives_the_same_module_in_a_fresh_interpreter():
    """Each import form on its own, first use included (nothing imported the module before)."""
    script = """
import importlib, json, sys
forms = {
    "from gan_utils.trainer import Trainer": lambda: sys.modules["gan_utils.trainer"].Trainer is Trainer,
    "import gan_utils.recipes": lambda: gan_utils.recipes is sys.modules["gan_utils.variants.recipes"],
    "from gan_utils import metrics, tabular": lambda: (metrics, tabular) == (
        sys.modules["gan_utils.evaluation.metrics"], sys.modules["gan_utils.applications.tabular"]),
    "import gan_utils; student = gan_utils.student": lambda: student is sys.modules["gan_utils.teaching.student"],
    "import gan_utils.core; v = gan_utils.core.viz": lambda: v is sys.modules["gan_utils.core.viz"] is gan_utils.viz,
}
result = {}
for statement, same in forms.items():
    exec(statement)
    result[statement] = same()
print(json.dumps(result))
"""
    result = _run(script)
    assert all(result.values()), result


def test_monkeypatching_a_flat_name_patches_the_module_the_package_uses(monkeypatch):
    from gan_utils.core import trainer

    sentinel = object()
    monkeypatch.setattr("gan_utils.trainer.make_dataset", sentinel)
    assert trainer.make_dataset is sentinel


def test_source_of_a_function_reached_through_a_flat_name():
    from gan_utils import losses

    assert inspect.getsource(losses.minimax_discriminator_loss).startswith("def minimax_discriminator_loss(")


def test_an_unknown_name_is_still_an_error():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("gan_utils.no_such_module")
    with pytest.raises(AttributeError):
        gan_utils.no_such_module  # noqa: B018
    with pytest.raises(AttributeError):
        gan_utils.core.no_such_module  # noqa: B018


# --- import gan_utils stays light ----------------------------------------------------------------------------------

def test_import_gan_utils_needs_no_scikit_learn_and_loads_only_what_saved_models_need():
    """Keras itself tries scikit-learn (its sklearn wrappers) and does without it: with scikit-learn hidden,
    ``import gan_utils`` must still work, so no module it loads imports scikit-learn at import time."""
    script = """
import importlib.abc, json, sys

class NoScikitLearn(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "sklearn" or name.startswith("sklearn."):
            raise ModuleNotFoundError(f"No module named {name!r} (hidden by the test)", name=name)

sys.meta_path.insert(0, NoScikitLearn())
import gan_utils
print(json.dumps(sorted(m for m in sys.modules if m.startswith("gan_utils"))))
"""
    loaded = [m for m in _run(script) if m != "gan_utils"]
    assert not [m for m in loaded if m.split(".")[1] in ("evaluation", "applications", "teaching", "checks")], loaded
    assert not [m for m in loaded if m.split(".")[1] in gan_utils.HOMES], "a flat name was imported: " + str(loaded)
    assert "gan_utils.core.trainer" not in loaded and "gan_utils.variants.recipes" not in loaded, loaded


# --- the layout on disk ---------------------------------------------------------------------------------------------

def test_only_the_command_line_sits_at_the_top_and_every_flat_name_has_its_module():
    assert {p.stem for p in PACKAGE.glob("*.py")} == TOP_MODULES
    subpackages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert subpackages == set(gan_utils.SUBPACKAGES)
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == subpackages, folders - subpackages
    assert set(gan_utils.HOMES) == FLAT_NAMES
    missing = [f"{home}/{name}.py" for name, home in gan_utils.HOMES.items()
               if not (PACKAGE / home / f"{name}.py").is_file()]
    assert not missing, missing
    assert not set(gan_utils.HOMES) & set(gan_utils.SUBPACKAGES)


# --- imports between the subpackages, read from the code ------------------------------------------------------------

def _place(dotted):
    """Subpackage (or 'top') of ``gan_utils.…``, the flat names mapped to their homes; None outside the package."""
    parts = dotted.split(".")
    if parts[0] != "gan_utils":
        return None
    if len(parts) == 1:
        return "top"
    if parts[1] in gan_utils.SUBPACKAGES:
        return parts[1]
    return gan_utils.HOMES.get(parts[1], "top")


def _imports(path):
    """``(module, target, place, at_import_time, function, flat)`` for each ``gan_utils`` import in a file:
    ``module`` and ``target`` as ``subpackage.module``, ``place`` the target's subpackage ('top': the package itself,
    ``from gan_utils import QUICK``), ``flat``: the target is spelled with a flat name."""
    name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
    found = []

    def targets(node):
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        if node.level:
            base = name.rsplit(".", node.level - (path.stem == "__init__"))[0]
            module = f"{base}.{node.module}" if node.module else base
        else:
            module = node.module or ""
        parts = module.split(".")
        if module == "gan_utils" or (len(parts) == 2 and parts[1] in gan_utils.SUBPACKAGES):
            return [f"{module}.{alias.name}" for alias in node.names]  # `from gan_utils.core import data`
        return [module]

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                for target in targets(child):
                    if _place(target) is not None:
                        parts = target.split(".")
                        flat = len(parts) > 1 and parts[1] in gan_utils.HOMES
                        short = f"{gan_utils.HOMES[parts[1]]}.{parts[1]}" if flat else ".".join(parts[1:3])
                        found.append((name.removeprefix("gan_utils."), short, _place(target), function is None,
                                      function, flat))
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, function or getattr(child, "name", "<lambda>"))
            else:
                visit(child, function)

    visit(ast.parse(path.read_text()), None)
    return found


def _all_imports():
    return [i for path in sorted(PACKAGE.rglob("*.py")) for i in _imports(path)]


def _subpackage(module):
    return module.split(".")[0] if module.split(".")[0] in gan_utils.SUBPACKAGES else "top"


def test_no_import_cycle_between_the_subpackages_when_they_are_imported():
    edges = {}
    for module, _, destination, at_import, _, _ in _all_imports():
        source = _subpackage(module)
        if at_import and "top" not in (source, destination) and source != destination:
            edges.setdefault(source, set()).add(destination)
    assert not edges.get("core"), f"the core imports {edges.get('core')} when it is imported"

    def cycle_from(node, trail):
        if node in trail:
            return trail[trail.index(node):] + [node]
        for nxt in sorted(edges.get(node, ())):
            if found := cycle_from(nxt, trail + [node]):
                return found
        return None

    cycles = [c for start in edges if (c := cycle_from(start, []))]
    assert not cycles, f"import cycle between subpackages: {' -> '.join(cycles[0])}"


def test_the_core_imports_out_of_itself_only_where_listed():
    out_of_core = {(module, target) for module, target, place, _, _, _ in _all_imports()
                   if _subpackage(module) == "core" and place not in ("core", "top")}
    assert out_of_core <= CORE_IMPORTS_WHEN_RUN, sorted(out_of_core - CORE_IMPORTS_WHEN_RUN)


def test_the_package_imports_its_modules_by_their_new_paths():
    flat = {(str(Path(*module.split(".")).with_suffix(".py")), function)
            for module, _, _, _, function, is_flat in _all_imports() if is_flat}
    assert flat <= PRINTED_WITH_FLAT_IMPORTS, sorted(flat - PRINTED_WITH_FLAT_IMPORTS)


def test_the_import_reader_sees_the_imports_it_should():
    reader = {(m, t, a) for m, t, _, a, _, _ in _all_imports()}
    assert ("variants.recipes", "variants.translation", True) in reader            # from gan_utils.variants.x import
    assert ("checks.beyond", "applications.privacy", True) in reader               # from gan_utils.applications import x
    assert ("core.models", "variants.progressive", False) in reader                # a flat name, inside a function
    assert ("core.callbacks", "evaluation.metrics", False) in reader


# --- saved models ---------------------------------------------------------------------------------------------------

def test_registered_keras_names_do_not_depend_on_module_paths():
    import keras

    for name in gan_utils.HOMES:
        importlib.import_module(f"gan_utils.{gan_utils.HOMES[name]}.{name}")
    registered = {k: v for k, v in keras.saving.get_custom_objects().items() if k.startswith("gan_utils>")}
    assert len(registered) >= 15, sorted(registered)
    assert all(key == f"gan_utils>{obj.__name__}" for key, obj in registered.items()), registered
