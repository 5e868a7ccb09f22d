"""What a teacher sees in the committed notebooks: small enough to open and project, no machine-specific paths,
no TensorFlow C-level log lines, and every code cell run (no "(not run)" solutions)."""
import json
import re
from pathlib import Path

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
