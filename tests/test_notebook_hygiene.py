"""What a teacher sees in the committed notebooks: small enough to open and project, no machine-specific paths,
no TensorFlow C-level log lines, and every code cell run (no "(not run)" solutions)."""
import json
import re
from pathlib import Path

import numpy as np
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
MAX_BYTES = 3_000_000
ABSOLUTE = re.compile(r"(?<![\w.])/(?:work|root|home|tmp|Users)/[\w.-]+")
NATIVE_LOG = re.compile(r"cuInit|remapper failed|cudart_stub|absl::InitializeLog")


def output_text(cell):
    parts = []
    for output in cell.get("outputs", []):
        parts.append("".join(output.get("text", "")))
        for kind, value in output.get("data", {}).items():
            if kind.startswith("text/"):
                parts.append("".join(value))
        parts.append("\n".join(output.get("traceback", [])))
    return "\n".join(parts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_small(path):
    assert path.stat().st_size < MAX_BYTES, f"{path.name} is {path.stat().st_size / 1e6:.2f} MB (limit 3 MB)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_clean_and_fully_run(path):
    cells = json.loads(path.read_text())["cells"]
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        where = f"{path.name}, cell {index}"
        assert cell.get("execution_count"), f"{where} was not run in the committed run"
        text = output_text(cell)
        assert not ABSOLUTE.search(text), f"{where} shows an absolute path: {ABSOLUTE.search(text).group()}"
        assert not NATIVE_LOG.search(text), f"{where} shows TensorFlow's native log lines"
        assert not any(o.get("output_type") == "error" for o in cell.get("outputs", [])), f"{where} has an error"


def _shrink_outputs():
    import importlib.util
    import sys

    path = Path(__file__).resolve().parents[1] / "scripts" / "shrink_outputs.py"
    spec = importlib.util.spec_from_file_location("shrink_outputs", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("shrink_outputs", module)
    spec.loader.exec_module(module)
    return module


def _stream(text, name="stdout"):
    return {"output_type": "stream", "name": name, "text": text.splitlines(keepends=True)}


def test_shrink_outputs_keeps_one_final_line_per_progress_bar():
    """scripts/shrink_outputs.py: tqdm's \\r updates (one stream output each, and split by a live figure), Keras
    progbar lines and stale widget state go; the final line of each bar and every other output stay as they were."""
    so = _shrink_outputs()
    figure = {"output_type": "display_data", "metadata": {}, "data": {"text/plain": ["<Figure>"], "image/png": "iVBOR"}}
    tqdm = ([_stream("\rtraining:   0%|          | 0/300 [00:00<?, ?it/s]"), figure]
            + [_stream(f"\rtraining: {p}%|###       | {3 * p}/300 [00:{p:02d}<00:10, 9.1it/s, d_loss=1.{p}]")
               for p in (10, 40, 100)]
            + [_stream("\ntrained: 300 iterations, 0.2 min\n")])
    keras_bar = [_stream("Epoch 1/2\n" + "".join(f"{i}/468 ━━━━━━━━━━ 2s 5ms/step - loss: 0.{i:02d}\n" for i in (1, 200, 468))
                         + "Epoch 2/2\n" + "".join(f"{i}/468 ━━━━━━━━━━ 2s 5ms/step - loss: 0.{i:02d}\n" for i in (1, 468)))]
    normal = [_stream("iteration 100: d_loss 0.69\n"), _stream("iteration 200: d_loss 0.70\n"),
              _stream("10/20 digits drawn, 50% done\n"), figure, _stream("warning: slow\n", "stderr")]
    nb = {"metadata": {"kernelspec": {}, "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}}},
          "cells": [{"cell_type": "code", "source": "", "metadata": {}, "outputs": tqdm},
                    {"cell_type": "code", "source": "", "metadata": {}, "outputs": keras_bar},
                    {"cell_type": "code", "source": "", "metadata": {}, "outputs": json.loads(json.dumps(normal))},
                    {"cell_type": "markdown", "source": "12it [00:01, 9.1it/s]", "metadata": {}}]}
    assert so.clean_progress(nb) == 2 and so.clean_widgets(nb)
    assert nb["metadata"] == {"kernelspec": {}}
    bars, epochs, untouched, markdown = nb["cells"]
    assert bars["outputs"][0] == figure and len(bars["outputs"]) == 2
    assert "".join(bars["outputs"][1]["text"]) == ("training: 100%|###       | 300/300 [00:100<00:10, 9.1it/s, "
                                                   "d_loss=1.100]\ntrained: 300 iterations, 0.2 min\n")
    assert "".join(epochs["outputs"][0]["text"]) == ("Epoch 1/2\n468/468 ━━━━━━━━━━ 2s 5ms/step - loss: 0.468\n"
                                                     "Epoch 2/2\n468/468 ━━━━━━━━━━ 2s 5ms/step - loss: 0.468\n")
    assert untouched["outputs"] == normal and markdown["source"] == "12it [00:01, 9.1it/s]"


# Plumbing in lesson cells (issue 37): run-time switches, precision, kernels, CI and machine notes belong in the package
# (one setup call), a parameters-cell comment or an appendix, not in what the lesson reads or runs.
PLUMBING = {
    "quick mode": re.compile(r"(?i)\bquick[ _-]?mode\b|\bQUICK\b|quick="),
    "pick(": re.compile(r"\bpick\("),
    "precision/bf16": re.compile(r"(?i)\bPRECISION\b|bfloat16|\bbf16\b|mixed[_ ]precision"),
    "describe_runtime": re.compile(r"describe_runtime"),
    "fused kernels": re.compile(r"(?i)fused|\bXLA\b|jit_compile"),
    "# noqa": re.compile(r"#\s*noqa"),
    "CI": re.compile(r"\bCI\b"),
    "sharing the CPU": re.compile(r"(?i)shar(?:ing|es|ed) the (?:CPU|machine)|run-sharing"),
}


def plumbing_counts():
    """{notebook: {word: number of lesson cells (markdown or code source) that mention it}}"""
    counts = {}
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text())["cells"]:
            source = "".join(cell["source"])
            for word, pattern in PLUMBING.items():
                if pattern.search(source):
                    counts.setdefault(path.stem, {}).setdefault(word, 0)
                    counts[path.stem][word] += 1
    return counts


def _plumbing_reason():
    counts = plumbing_counts()
    listed = "; ".join(f"{name}: " + ", ".join(f"{w} {n}" for w, n in words.items()) for name, words in counts.items())
    return ("the notebooks still carry plumbing in lesson cells (cells per notebook and word); moving it out needs "
            f"their re-execution (issue 37): {listed}")


@pytest.mark.xfail(strict=False, reason=_plumbing_reason())
def test_lesson_cells_are_free_of_plumbing():
    counts = plumbing_counts()
    assert not counts, _plumbing_reason()


def test_the_plumbing_grep_finds_what_it_should():
    assert all(PLUMBING["quick mode"].search(s) for s in ("EPOCHS = gan_utils.pick(full=50, quick=1)", "QUICK mode"))
    assert PLUMBING["pick("].search("gan_utils.pick(full=1)") and PLUMBING["# noqa"].search("x = 1  # noqa: E731")
    assert PLUMBING["precision/bf16"].search("PRECISION = 'float32'") and PLUMBING["CI"].search("in CI it runs")
    assert PLUMBING["sharing the CPU"].search("while sharing the CPU with another run")
    assert not any(p.search("The critic picks a direction; precise; the CIFAR data; a unique digit")
                   for p in PLUMBING.values())


# printed before this check existed and not yet re-run: notebook 01 shows an older Trainer._run_epoch
STALE_PRINTED_SOURCE = {("01_vanilla_gan.ipynb", "_run_epoch")}


def test_package_source_printed_in_a_lesson_is_the_code_as_committed():
    """A lesson that prints package code (``inspect.getsource``) must show the code the repository has now: a
    refactor that changes a printed function makes the committed output a lie until the notebook is re-run."""
    import ast
    import re

    root = Path(__file__).resolve().parent.parent
    definitions = {}
    for path in (root / "gan_utils").rglob("*.py"):
        source = path.read_text()
        lines = source.split("\n")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                start = node.lineno - 1 - len(node.decorator_list)
                definitions.setdefault(node.name, []).append("\n".join(lines[start:node.end_lineno]))
    stale, printed = [], 0
    for notebook in sorted((root / "notebooks").glob("*.ipynb")):
        for index, cell in enumerate(json.loads(notebook.read_text())["cells"]):
            if cell["cell_type"] != "code" or "getsource" not in "".join(cell["source"]):
                continue
            text = "".join("".join(o.get("text", "")) for o in cell.get("outputs", [])
                           if o.get("output_type") == "stream")
            for match in re.finditer(r"^ *(?:def|class) (\w+)", text, re.M):
                name = match.group(1)
                if name not in definitions or (notebook.name, name) in STALE_PRINTED_SOURCE:
                    continue
                printed += 1
                # a lesson may print a function's head only (its signature, then "..."): that head must be current
                if not any(definition in text or definition.split('"""')[0] + "..." in text
                           for definition in definitions[name]):
                    stale.append(f"{notebook.name} cell {index}: {name}")
    assert printed >= 10, printed                       # the check found the printed sources
    assert not stale, f"printed source differs from the package now (re-run the notebook or restore it): {stale}"


def test_shrink_outputs_recompresses_pngs_without_changing_a_pixel():
    """Opaque grey figures become one grey channel, opaque colour figures lose the alpha channel, a figure with
    transparency keeps it: each read back as RGBA is identical to the original, and no output grows."""
    import base64
    import io

    from PIL import Image

    so = _shrink_outputs()
    rng = np.random.default_rng(0)
    grey = np.repeat(rng.integers(0, 256, (40, 50, 1), dtype=np.uint8), 3, axis=2)
    colour = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    images = {"grey": np.dstack([grey, np.full((40, 50), 255, np.uint8)]),
              "colour": np.dstack([colour, np.full((40, 50), 255, np.uint8)]),
              "transparent": np.dstack([colour, rng.integers(0, 256, (40, 50), dtype=np.uint8)])}

    def png(array):
        buffer = io.BytesIO()
        Image.fromarray(array, "RGBA").save(buffer, format="PNG", compress_level=1)
        return base64.b64encode(buffer.getvalue()).decode("ascii")

    nb = {"cells": [{"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {"image/png": png(a)}}
                                                      for a in images.values()]}]}
    before, after = so.shrink_pngs(nb)
    assert after <= before
    for (name, array), out in zip(images.items(), nb["cells"][0]["outputs"]):
        image = Image.open(io.BytesIO(base64.b64decode(out["data"]["image/png"])))
        assert image.mode == {"grey": "L", "colour": "RGB", "transparent": "RGBA"}[name]
        np.testing.assert_array_equal(np.asarray(image.convert("RGBA")), array)
