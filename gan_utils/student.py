"""The student edition: copies of the notebooks with the exercise solutions taken out.

``python -m gan_utils student-edition --out DIR`` (or ``build_student_edition(out_dir)``) writes one copy of
every ``notebooks/*.ipynb`` into DIR. The teacher's notebooks stay the single source; the conventions are:

- **Solution cells** are code cells tagged ``solution`` (cell metadata ``"tags": ["solution"]``). In the
  student edition each one is replaced by its *skeleton*:
  1. ``metadata["skeleton"]`` (a string, or a list of lines like a cell's source) if the cell has one;
  2. otherwise the cell's source with every block from a ``# BEGIN SOLUTION`` line to the next
     ``# END SOLUTION`` line replaced by ``# TODO: your code here`` and ``raise NotImplementedError``, at the
     indentation of the ``# BEGIN SOLUTION`` line (the function's ``def`` line and docstring stay);
  3. a tagged cell with neither becomes just those two lines (nothing of the solution is left).
  Its outputs and execution count are cleared, and the ``skeleton`` and ``source_hidden`` metadata removed.
- **Check cells** are code cells tagged ``check`` (they call ``gan_utils.checks``); only their outputs are
  cleared, so students see the ✓/✗ sentence appear when they run them.
- In the **teacher's** notebook, solution cells carry ``"jupyter": {"source_hidden": true}``, so JupyterLab
  shows them collapsed (click the blue bar to expand): a class can run the notebook without showing answers.

Markdown cells, untagged code cells and their outputs are copied unchanged. An unbalanced ``# BEGIN
SOLUTION``/``# END SOLUTION`` pair is an error (a silent leak or a lost cell would be worse). The output
directory must lie outside the notebooks' directory (no overwriting, and nbval
would otherwise collect the skeletons). See TEACHING.md.
"""
import copy
import json
from pathlib import Path

from gan_utils.config import REPO_ROOT

NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
SOLUTION_TAG, CHECK_TAG = "solution", "check"
BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
TODO = ("# TODO: your code here", "raise NotImplementedError")


def _lines(source):
    return source.splitlines() if isinstance(source, str) else "".join(source).splitlines()


def _as_source(lines):
    """A cell source in nbformat's on-disk form: a list of lines, each but the last ending with a newline."""
    return [line + "\n" for line in lines[:-1]] + lines[-1:]


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def skeleton_lines(cell, where="cell"):
    """The student's version of a solution cell's source, as a list of lines (see the module docstring)."""
    skeleton = cell.get("metadata", {}).get("skeleton")
    if skeleton is not None:
        return _lines(skeleton)
    out, inside = [], False
    for number, line in enumerate(_lines(cell["source"]), start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"{where}, line {number}: '{BEGIN}' inside another solution block.")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + todo for todo in TODO)
        elif stripped == END:
            if not inside:
                raise ValueError(f"{where}, line {number}: '{END}' without a '{BEGIN}' before it.")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: '{BEGIN}' without a matching '{END}'.")
    if len(out) == len(_lines(cell["source"])):  # no markers: keep nothing of the solution
        return list(TODO)
    return out


def student_notebook(notebook, name="notebook"):
    """Return ``(student_copy, counts)`` for a notebook dict; ``counts`` = solution and check cells changed."""
    student = copy.deepcopy(notebook)
    counts = {"solution": 0, "check": 0}
    for index, cell in enumerate(student.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        tags = _tags(cell)
        if SOLUTION_TAG in tags:
            cell["source"] = _as_source(skeleton_lines(cell, where=f"{name}, cell {index}"))
            metadata = cell["metadata"]
            metadata.pop("skeleton", None)
            metadata.get("jupyter", {}).pop("source_hidden", None)
            if metadata.get("jupyter") == {}:
                metadata.pop("jupyter")
            counts["solution"] += 1
        elif CHECK_TAG in tags:
            counts["check"] += 1
        else:
            continue
        cell["outputs"], cell["execution_count"] = [], None
    return student, counts


def build_student_edition(out_dir, notebooks_dir=NOTEBOOKS_DIR):
    """Write the student copy of every ``*.ipynb`` in ``notebooks_dir`` to ``out_dir``; returns
    ``[(path, counts), …]``. Refuses to write into ``notebooks_dir`` itself."""
    notebooks_dir, out_dir = Path(notebooks_dir), Path(out_dir)
    if not notebooks_dir.is_dir():
        raise FileNotFoundError(f"No notebooks directory at {notebooks_dir}.")
    if out_dir.resolve() == notebooks_dir.resolve() or notebooks_dir.resolve() in out_dir.resolve().parents:
        raise ValueError("--out must lie outside the notebooks' directory: the student edition would overwrite the "
                         "teacher's notebooks, or be collected by pytest's nbval and fail on its skeletons.")
    sources = sorted(notebooks_dir.glob("*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"No .ipynb files in {notebooks_dir}.")
    # build everything first, so an error in one notebook writes nothing
    built = []
    for path in sources:
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise ValueError(f"{path.name} is not valid notebook JSON: {err}") from err
        built.append((path.name, *student_notebook(notebook, name=path.name)))
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, notebook, counts in built:
        target = out_dir / name
        target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append((target, counts))
    return written
