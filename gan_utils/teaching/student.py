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

- **Printed answers**: the package code each exercise is checked against is listed in ``REFERENCE_CODE`` (by check
  function; a notebook's exercises are the checks its check cells call). A lesson statement that prints one of them
  with ``inspect.getsource`` is replaced by a comment and the cell's outputs are cleared (the rest of the cell stays).
- **End-of-notebook exercises** start at the markdown cell with a ``## Exercises`` heading (or ``**Exercise.**``).
  Every code cell after it runs a solution: it keeps only its leading comment lines and ``# TODO: your code here``,
  outputs cleared; a cell that only prints the run's duration is dropped. Their markdown loses the written
  solutions: a ``### Solution N: …`` section keeps only its heading, renamed ``### Exercise N: …``; "(Not solved
  here.)" and paragraphs about "the solutions below" go.
- ``<details>`` blocks whose summary says Solution(s) or Answer are removed from every markdown cell (an emptied
  cell is dropped).

No notebook needs extra markers for this (no tags beyond ``solution`` and ``check``); the teacher's cells and their
order are not changed. ``tests/test_student_edition.py`` builds the student edition of every notebook and fails if
any answer, its output or its written solution can still be read. Other markdown cells, untagged code cells and their
outputs are copied unchanged. An unbalanced ``# BEGIN
SOLUTION``/``# END SOLUTION`` pair is an error (a silent leak or a lost cell would be worse). The output
directory must lie outside the notebooks' directory (no overwriting, and nbval
would otherwise collect the skeletons). See TEACHING.md.
"""
import ast
import copy
import json
import re
from pathlib import Path

from gan_utils.core.config import REPO_ROOT

NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
SOLUTION_TAG, CHECK_TAG = "solution", "check"
BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
TODO = ("# TODO: your code here", "raise NotImplementedError")

# The package code each exercise's check compares the student's answer with (``gan_utils.checks``), as
# ``subpackage.module.name[.attribute]`` under ``gan_utils``: printing it (``inspect.getsource``) shows the answer, so
# the student edition must not. Keyed by check function; a notebook's exercises are the checks its ``check`` cells call.
REFERENCE_CODE = {
    "check_discriminator_loss": ("core.losses.minimax_discriminator_loss",),
    "check_generator_loss": ("core.losses.non_saturating_generator_loss", "core.losses.minimax_generator_loss"),
    "check_d_step": ("core.train.GANSteps._d_step",),
    "check_g_step": ("core.train.GANSteps._g_step",),
    "check_dcgan_generator": ("core.models._dcgan_generator_body", "core.models.build_dcgan_generator"),
    "check_dcgan_discriminator": ("core.models._conv_discriminator_body", "core.models.build_dcgan_discriminator"),
    "check_smoothed_discriminator_loss": ("core.losses.minimax_discriminator_loss",),
    "check_feature_matching_loss": ("core.losses.feature_matching_loss",),
    "check_weight_clipping": ("core.train.GANSteps._d_step",),
    "check_gradient_penalty": ("core.losses.gradient_penalty",),
    "check_conditional_generator": ("core.models.build_conditional_generator", "core.models._dcgan_generator_body"),
    "check_auxiliary_classifier_loss": ("core.losses.auxiliary_classifier_loss",),
    "check_inception_score": ("evaluation.metrics.inception_score",),
    "check_frechet_distance": ("evaluation.metrics.frechet_distance",),
    "check_psnr": ("variants.translation.psnr",),
    "check_pix2pix_generator_loss": ("variants.translation.pix2pix_generator_loss",
                                     "variants.translation.Pix2PixSteps._train_step"),
    "check_minibatch_stddev": ("variants.progressive.MinibatchStdDev.call",),
    "check_truncation": ("variants.style.Truncation.call",),
    "check_info_loss": ("variants.infogan.info_loss",),
    "check_unsupervised_loss": ("variants.semisupervised.semi_supervised_d_loss",),
    "check_distance_to_closest_record": ("applications.privacy.distance_to_closest_record",),
    "check_high_frequency_share": ("evaluation.spectra.high_frequency_share",),
}


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


EXERCISES = re.compile(r"(?m)^(#{1,3}\s*Exercises\s*$|\*\*Exercises?\.\*\*)")
SOLUTION_DETAILS = re.compile(r"\n?<details>\s*<summary>[^<]*(solution|answer)[^<]*</summary>.*?</details>[ \t]*\n?",
                              re.I | re.S)
SOLUTION_SECTION = re.compile(r"(?m)^(#{2,4})\s*Solution(s?\b[^\n]*)\n(?:(?!#{1,4}\s).*\n?)*")
REVEALED = "# (the package's own version of an exercise's answer is printed here in the teacher edition)"


def _text(source):
    return source if isinstance(source, str) else "".join(source)


def exercise_start(cells):
    """Index of the markdown cell that opens the end-of-notebook exercises (a "## Exercises" heading or "**Exercise.**"), or
    None. Every code cell after it runs an exercise's solution."""
    marked = [i for i, c in enumerate(cells) if c.get("cell_type") == "markdown" and EXERCISES.search(_text(c["source"]))]
    return marked[-1] if marked else None


def _is_run_time_report(source):
    """A cell that only prints how long the teacher's run took (``print(f"… {minutes:.1f} min")``)."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    return (len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Call)
            and getattr(body[0].value.func, "id", None) == "print" and re.search(r"\bmin\b|minutes", source) is not None)


def exercise_skeleton(source):
    """An end-of-notebook exercise cell for students: its leading comment lines (the task) and a TODO line."""
    lead = []
    for line in _lines(source):
        if not line.startswith("#"):
            break
        if not line.startswith("# NBVAL"):
            lead.append(line)
    return lead + [TODO[0]]


def student_markdown(source, in_exercises):
    """A markdown cell without written solutions: <details> solution blocks go everywhere; in the exercise section,
    '### Solution N: …' sections keep only their heading, renamed '### Exercise N: …', and notes about the
    solutions ("The solutions below …", "(Not solved here.)") go."""
    text = SOLUTION_DETAILS.sub("\n", _text(source))
    if in_exercises:
        text = SOLUTION_SECTION.sub(lambda m: f"{m.group(1)} Exercise{m.group(2)}\n\n", text)
        text = re.sub(r"[ \t]*\(Not solved here[^)]*\)", "", text)
        text = "\n\n".join(p for p in re.split(r"\n[ \t]*\n", text) if not re.search(r"(?i)\bsolutions? below\b", p))
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def _dotted(node):
    try:
        return ast.unparse(node)
    except Exception:  # noqa: BLE001 - any node we cannot print is not a dotted name
        return ""


def revealing_statements(source, targets):
    """Line ranges ``(first, last)`` (1-based) of the top-level statements of a code cell that print the source of one of
    ``targets`` (dotted names under gan_utils) with ``inspect.getsource``: directly (``getsource(losses.x)``, also
    ``GANSteps._d_step`` for ``core.train.GANSteps._d_step``) or by a name the statement spells out (a loop over names)."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return []
    suffixes = [tuple(t.split(".")) for t in targets]
    last_names = {t[-1] for t in suffixes}
    found = []
    for statement in body:
        calls = [n for n in ast.walk(statement) if isinstance(n, ast.Call) and _dotted(n.func).endswith("getsource")]
        if not calls:
            continue
        spelled = {n.value for n in ast.walk(statement) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        for call in calls:
            argument = tuple(_dotted(call.args[0]).split(".")) if call.args else ()
            if (argument and any(t[-len(argument):] == argument for t in suffixes)) or spelled & last_names:
                found.append((statement.lineno, statement.end_lineno))
                break
    return found


def _exercise_targets(cells):
    """The package code the notebook's exercises are checked against (REFERENCE_CODE of the checks it calls)."""
    called = set()
    for cell in cells:
        if cell.get("cell_type") == "code" and CHECK_TAG in _tags(cell):
            called |= set(re.findall(r"\bcheck_\w+", _text(cell["source"])))
    return sorted({target for check in called for target in REFERENCE_CODE.get(check, ())})


def student_notebook(notebook, name="notebook"):
    """Return ``(student_copy, counts)`` for a notebook dict; ``counts``: cells changed, by kind (solution and check
    cells, end-of-notebook exercise cells, cells that printed an answer's package source, markdown with a written
    solution, run-time reports dropped)."""
    student = copy.deepcopy(notebook)
    counts = {"solution": 0, "check": 0, "exercise": 0, "revealing": 0, "markdown": 0, "dropped": 0}
    cells = student.get("cells", [])
    start = exercise_start(cells)
    targets = _exercise_targets(cells)
    kept = []
    for index, cell in enumerate(cells):
        in_exercises = start is not None and index > start
        if cell.get("cell_type") == "markdown":
            text = student_markdown(cell["source"], in_exercises or index == start)
            if text != _text(cell["source"]).strip("\n"):
                counts["markdown"] += 1
                if not text.strip():
                    counts["dropped"] += 1
                    continue
                cell["source"] = _as_source(text.splitlines())
            kept.append(cell)
            continue
        kept.append(cell)
        if cell.get("cell_type") != "code":
            continue
        tags, source = _tags(cell), _text(cell["source"])
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
        elif in_exercises and _is_run_time_report(source):
            kept.pop()  # how long the teacher's run took, solutions included: nothing for students
            counts["dropped"] += 1
            continue
        elif in_exercises:
            cell["source"] = _as_source(exercise_skeleton(source))
            counts["exercise"] += 1
        elif "getsource" in source and (ranges := revealing_statements(source, targets)):
            lines = _lines(source)
            for first, last in reversed(ranges):
                lines[first - 1:last] = [] if lines[last:last + 1] == [REVEALED] else [REVEALED]
            cell["source"] = _as_source(lines)
            counts["revealing"] += 1
        else:
            continue
        cell["outputs"], cell["execution_count"] = [], None
    student["cells"] = kept
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
