"""The package as a user installs it: a built wheel holds every module (subpackages included) and each imports
from the wheel alone; every shipped model loads with plain Keras after ``import gan_utils``; the command line
prints only its own output."""
import json
import os
import pkgutil
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import gan_utils

REPO = Path(__file__).resolve().parent.parent
SOURCE_MODULES = sorted(m.name for m in pkgutil.walk_packages(gan_utils.__path__, "gan_utils.")
                        if not m.name.endswith("__main__"))  # importing __main__ runs the command line


def _clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(KERAS_BACKEND="tensorflow", **extra)
    return env


def test_the_wheel_holds_and_imports_every_module(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "gan_utils", source / "gan_utils", ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path / "dist"), str(source)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("gan_utils-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        files = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    in_wheel = {f[:-3].replace("/", ".").removesuffix(".__init__") for f in files if f.endswith(".py")}
    assert set(SOURCE_MODULES) | {"gan_utils.__main__"} <= in_wheel, f"missing from the wheel: {sorted(set(SOURCE_MODULES) - in_wheel)}"
    assert "gan_utils.checks" in in_wheel                       # the subpackage a flat `packages=` list dropped
    script = ("import importlib, json, sys\n"
              f"names = {SOURCE_MODULES!r}\n"
              "files = {n: importlib.import_module(n).__file__ for n in names}\n"
              "print(json.dumps(files))\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path,
                         env=_clean_env(PYTHONPATH=str(tmp_path / "site")))
    assert run.returncode == 0, run.stderr[-3000:]
    files = json.loads(run.stdout.strip().splitlines()[-1])
    site = str((tmp_path / "site").resolve())
    assert all(str(Path(f).resolve()).startswith(site) for f in files.values()), "imported from outside the wheel"


def test_every_shipped_model_loads_with_plain_keras_after_import_gan_utils():
    shipped = sorted((REPO / "data" / "pretrained").glob("*.keras"))
    assert len(shipped) >= 12
    script = ("import sys, keras, gan_utils\n"
              "for path in sys.argv[1:]:\n"
              "    model = keras.models.load_model(path, compile=False)\n"
              "    print(path.rsplit('/', 1)[-1], model.count_params())\n")
    run = subprocess.run([sys.executable, "-c", script, *map(str, shipped)], capture_output=True, text=True,
                         cwd=REPO, env=_clean_env())
    assert run.returncode == 0, run.stderr[-3000:]
    loaded = dict(line.split() for line in run.stdout.strip().splitlines())
    assert sorted(loaded) == [p.name for p in shipped] and all(int(n) > 0 for n in loaded.values())


def test_the_command_line_prints_only_its_own_output():
    run = subprocess.run([sys.executable, "-m", "gan_utils", "--help"], capture_output=True, text=True, cwd=REPO,
                         env=_clean_env(TF_CPP_MIN_LOG_LEVEL="0"))
    assert run.returncode == 0
    assert run.stdout.startswith("usage:") and run.stderr == "", run.stderr[:2000]


@pytest.mark.parametrize("line, noise", [
    ("I0000 00:00:1796591385.080483    8410 cudart_stub.cc:31] Could not find cuda drivers on your machine.", True),
    ("E0000 00:00:1796591402.098407    8410 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error", True),
    ("E0000 00:00:1796591402.098407    8410 meta_optimizer.cc:966] remapper failed: INVALID_ARGUMENT", True),
    ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR", True),
    ("E0000 00:00:1796591402.098407    8410 some_kernel.cc:10] OOM when allocating tensor", False),
    ("Traceback (most recent call last):", False),
    ("UserWarning: something a student should see", False),
    ("  0%|          | 0/100 [00:00<?, ?it/s]", False),
])
def test_native_log_filter_drops_tensorflow_noise_only(line, noise):
    from gan_utils.native_logs import is_noise

    assert is_noise(line) is noise
