"""gan_utils.student: the student edition of a small synthetic notebook, and the CLI on the real notebooks."""
import io
import json
import re
import tokenize

import pytest

from gan_utils import checks, cli, student

SOLUTION_LINE = "return tf.reduce_mean(tf.math.softplus(-real)) + tf.reduce_mean(tf.math.softplus(fake))"


def code(source, tags=(), outputs=True, **metadata):
    meta = {**({"tags": list(tags)} if tags else {}), **metadata}
    return {"cell_type": "code", "execution_count": 3 if outputs else None, "metadata": meta, "id": f"c{len(source)}",
            "outputs": [{"output_type": "stream", "name": "stdout", "text": ["✓ discriminator loss: …\n"]}] if outputs else [],
            "source": source.splitlines(keepends=True)}


def synthetic_notebook():
    marked = ("import tensorflow as tf\n\n"
              "def d_loss(real, fake):\n"
              '    """L_D = -log sigma(real) - log(1 - sigma(fake)), from logits."""\n'
              "    # BEGIN SOLUTION\n"
              f"    {SOLUTION_LINE}\n"
              "    # END SOLUTION\n")
    with_skeleton = "def g_loss(fake):\n    return tf.reduce_mean(tf.math.softplus(-fake))\n"
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3"}}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "id": "m0", "source": ["# Exercise 1\n", "Write `d_loss`.\n"]},
        code(marked, tags=["solution"], jupyter={"source_hidden": True}),
        code("from gan_utils import checks\nchecks.check_discriminator_loss(d_loss)\n", tags=["check"]),
        code(with_skeleton, tags=["solution"], skeleton="def g_loss(fake):\n    ...  # your code here\n"),
        code("print('plain cell')\n"),
    ]}


def student_copy(tmp_path):
    src = tmp_path / "teacher"
    src.mkdir()
    (src / "07_exercises.ipynb").write_text(json.dumps(synthetic_notebook()))
    written = student.build_student_edition(tmp_path / "student", src)
    assert [path.name for path, _ in written] == ["07_exercises.ipynb"]
    assert written[0][1] == {"solution": 2, "check": 1, "exercise": 0, "revealing": 0, "markdown": 0, "dropped": 0}
    return json.loads(written[0][0].read_text())


def test_no_solution_left_skeletons_present_outputs_cleared(tmp_path):
    nb = student_copy(tmp_path)
    text = json.dumps(nb)
    assert SOLUTION_LINE not in text and "softplus(-fake)" not in text and "BEGIN SOLUTION" not in text
    d_cell, check_cell, g_cell, plain = nb["cells"][1:]
    d_source = "".join(d_cell["source"])
    assert "def d_loss(real, fake):" in d_source and '"""L_D' in d_source     # signature and docstring stay
    assert "    # TODO: your code here\n    raise NotImplementedError" in d_source  # at the block's indentation
    assert "".join(g_cell["source"]) == "def g_loss(fake):\n    ...  # your code here"  # metadata skeleton wins
    for cell in (d_cell, check_cell, g_cell):
        assert cell["outputs"] == [] and cell["execution_count"] is None
    assert "jupyter" not in d_cell["metadata"] and "skeleton" not in g_cell["metadata"]
    assert "".join(check_cell["source"]).startswith("from gan_utils import checks")  # check code is kept
    assert plain["outputs"] and plain["execution_count"] == 3                        # other cells untouched
    assert nb["cells"][0] == synthetic_notebook()["cells"][0]


def test_check_on_the_skeleton_says_not_implemented_yet(tmp_path, capsys):
    nb = student_copy(tmp_path)
    namespace = {}
    exec("".join(nb["cells"][1]["source"]), namespace)  # the student runs the skeleton cell
    assert checks.check_discriminator_loss(namespace["d_loss"]) is False
    out = capsys.readouterr().out.strip()
    assert out == ("✗ discriminator loss: `d_loss` is not implemented yet: replace `raise NotImplementedError` "
                   "with your code.")


def test_unbalanced_markers_and_overwriting_the_teacher_copy_are_errors(tmp_path):
    bad = {"cells": [code("# BEGIN SOLUTION\nx = 1\n", tags=["solution"])]}
    with pytest.raises(ValueError, match="without a matching"):
        student.student_notebook(bad)
    unmarked = {"cells": [code("x = secret_answer()\n", tags=["solution"])]}
    assert "secret_answer" not in json.dumps(student.student_notebook(unmarked)[0])
    for inside in (student.NOTEBOOKS_DIR, student.NOTEBOOKS_DIR / "student"):
        with pytest.raises(ValueError, match="outside the notebooks"):
            student.build_student_edition(inside, student.NOTEBOOKS_DIR)
    assert not (student.NOTEBOOKS_DIR / "student").exists()


def test_cli_writes_one_student_notebook_per_course_notebook(tmp_path, capsys):
    assert cli.main(["student-edition", "--out", str(tmp_path / "edition")]) == 0
    expected = sorted(path.name for path in student.NOTEBOOKS_DIR.glob("*.ipynb"))
    assert sorted(path.name for path in (tmp_path / "edition").glob("*.ipynb")) == expected
    assert f"wrote {len(expected)} student notebooks" in capsys.readouterr().out
    for name in expected:
        json.loads((tmp_path / "edition" / name).read_text())  # valid JSON


def test_cli_bad_notebooks_dir_is_a_one_line_error(tmp_path, capsys):
    assert cli.main(["student-edition", "--out", str(tmp_path / "e"), "--notebooks", str(tmp_path / "none")]) == 2
    assert "No notebooks directory" in capsys.readouterr().err


# Notebooks whose exercise cells are written but whose full run has not landed yet (main only holds notebooks whose
# outputs come from one full run of their code): name -> reason. strict: the test fails once they land.
PENDING = {}  # notebooks whose first full run has not landed yet, e.g. {"08_x": "lands with its first full run"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=PENDING[n]))
                                  if n in PENDING else n for n in sorted(checks.ALL_CHECKS)])
def test_every_lesson_has_checked_exercises_that_fail_on_the_skeletons(name, tmp_path, capsys):
    """Each lesson notebook has >= 2 hidden solution cells with a check cell after each; in the student edition
    the skeletons run, and every check says 'not implemented yet' instead of passing or crashing."""
    import keras
    import numpy as np
    import scipy.linalg
    import tensorflow as tf
    from keras import layers

    teacher = json.loads((student.NOTEBOOKS_DIR / f"{name}.ipynb").read_text())
    solutions = [c for c in teacher["cells"] if "solution" in c["metadata"].get("tags", [])]
    assert len(solutions) >= 2, f"{name}: {len(solutions)} exercise(s)"
    assert all(c["metadata"].get("jupyter", {}).get("source_hidden") for c in solutions), "solutions are collapsed"
    assert all(c["outputs"] is not None and c["execution_count"] for c in solutions), "solutions ran in the committed run"
    copy, counts = student.student_notebook(teacher, name)
    assert counts["solution"] == len(solutions) and counts["check"] >= len(solutions)
    namespace = {"keras": keras, "layers": layers, "np": np, "tf": tf, "scipy": scipy, "checks": checks}
    verdicts = []
    for cell in copy["cells"]:
        tags = cell["metadata"].get("tags", [])
        if "solution" in tags:
            exec("".join(cell["source"]), namespace)
        elif "check" in tags:
            capsys.readouterr()
            exec("".join(cell["source"]), namespace)
            verdicts.append(capsys.readouterr().out.strip())
    assert len(verdicts) >= 2
    for verdict in verdicts:
        assert verdict.startswith("✗") and "not implemented yet" in verdict, verdict
    # and the teacher's own check cells passed in the committed run
    checked = [c for c in teacher["cells"] if "check" in c["metadata"].get("tags", [])]
    for cell in checked:
        text = "".join("".join(o.get("text", "")) for o in cell["outputs"])
        assert text.startswith("✓"), f"{name}: committed check output {text!r}"


# ---------------------------------------------------------------------------------------------------------------
# The student edition gives nothing away (issue 37): no reference solution, no printed package answer, no solution
# output or prose, no <details> solution, in any notebook.

# A leak is a run of at least LEAK_TOKENS consecutive tokens of a reference answer (comments and whitespace dropped,
# code split into identifiers, numbers and single punctuation marks) found in a student notebook's sources or outputs,
# not counting runs a student may read anyway (lesson sources, skeletons, exercise prompts: see _baseline). The
# references are answer *bodies*: solution blocks without their def line and docstring, package answers below their
# signature, end-of-notebook exercise cells without docstrings, so the skeletons' own signature lines (up to 17 tokens,
# `def my_pix2pix_generator_loss(fake_logits, fake, real, l1_weight=100.0):`) cannot match.
# 16: with the fixed builder the longest run an answer still shares with its student notebook is 13 tokens (07's
# Pix2PixSteps._train_step and the CycleGAN step the lesson prints share `) self . d_optimizer . apply_gradients ( zip (
# grads , self .`; 12 for 04's `layers . Dense ( 1 , dtype = " float32 " )`), so 16 leaves a margin of 3; every printed
# answer shares its whole body, at least 15 tokens (references shorter than 16, such as 08's truncation
# `return w_avg + psi * ( w - w_avg )`, count as leaked only whole).
LEAK_TOKENS = 16
# an output line of a solution cell counts as leaked when it reappears verbatim (whitespace collapsed); shorter lines
# ("✓ …", "[]", a single number) are too common to mean anything
LEAK_LINE_CHARS = 25
# output lines that say nothing about an answer: a figure's repr, progress-bar updates
NOT_AN_ANSWER = re.compile(r"^<Figure size|\d+it \[|it/s\]|s/it\]")
EXERCISE_MARKER = re.compile(r"(?m)^(#{1,3}\s*Exercises\s*$|\*\*Exercises?\.\*\*)")
SOLUTION_DETAILS = re.compile(r"<details>\s*<summary>[^<]*(solution|answer)[^<]*</summary>.*?</details>", re.I | re.S)
SOLUTION_HEADING = re.compile(r"(?m)^#{2,4}\s*Solutions?\b.*$")


def _text(value):
    return "".join(value) if isinstance(value, list) else (value or "")


def _code_tokens(source):
    """Tokens of Python code without comments (falls back to stripping `#…` for cells tokenize rejects)."""
    try:
        kept = [t.string for t in tokenize.generate_tokens(io.StringIO(source).readline)
                if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                                  tokenize.DEDENT, tokenize.ENDMARKER)]
        source = " ".join(kept)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        source = re.sub(r"(?m)#.*$", "", source)
    return re.findall(r"\w+|[^\w\s]", source)


def _output_texts(cell):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            continue  # progress bars and warnings: not an answer
        if "text" in out:
            yield _text(out["text"])
        for kind, value in out.get("data", {}).items():
            if kind.startswith("text/"):
                yield _text(value)


def _haystack(notebook):
    """(token sequences, whitespace-collapsed text) of everything a student can read in a notebook."""
    sequences, texts = [], []
    for cell in notebook["cells"]:
        source = _text(cell["source"])
        texts.append(source)
        sequences.append(_code_tokens(source) if cell["cell_type"] == "code" else re.findall(r"\w+|[^\w\s]", source))
        for text in _output_texts(cell):
            texts.append(text)
            sequences.append(re.findall(r"\w+|[^\w\s]", text))
    return sequences, " ".join(" ".join(texts).split())


def _solution_body(source):
    """The lines between '# BEGIN SOLUTION' and '# END SOLUTION' (all of it without markers)."""
    blocks, inside = [], False
    for line in source.splitlines():
        if line.strip() == student.BEGIN:
            inside = True
        elif line.strip() == student.END:
            inside = False
        elif inside:
            blocks.append(line)
    return "\n".join(blocks) if blocks else source


def _package_body(dotted):
    """Source of a gan_utils function/method below its signature and docstring."""
    import ast
    import importlib
    import inspect
    import textwrap

    module, *attributes = dotted.split(".")
    target = importlib.import_module(f"gan_utils.{module}")
    for attribute in attributes:
        target = getattr(target, attribute)
    source = textwrap.dedent(inspect.getsource(target))
    body = ast.parse(source).body[0].body
    if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and len(body) > 1:
        body = body[1:]  # the docstring
    # keras.Input lines declare the function's inputs: part of its signature, which the skeletons give too
    return "\n".join(line for line in source.splitlines()[body[0].lineno - 1:] if "keras.Input(" not in line)


def _exercise_start(cells):
    """Index of the markdown cell that opens the end-of-notebook exercises (None if there is none)."""
    marked = [i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and EXERCISE_MARKER.search(_text(c["source"]))]
    return marked[-1] if marked else None


def _solution_prose(cells):
    """The teacher's written solutions: <details> blocks and '### Solution …' sections, as sentences."""
    prose = []
    for cell in cells:
        if cell["cell_type"] != "markdown":
            continue
        source = _text(cell["source"])
        prose += [m.group(0) for m in SOLUTION_DETAILS.finditer(source)]
        for heading in SOLUTION_HEADING.finditer(source):
            following = re.search(r"(?m)^#{1,4}\s", source[heading.end():])
            prose.append(source[heading.end():heading.end() + following.start() if following else None])
    sentences = (s.strip() for block in prose for s in re.split(r"(?<=[.:;!?])\s+|\n\s*\n|\n\d+\.\s", block))
    return [" ".join(s.split()) for s in sentences if len(s) >= 40]


def _references(notebook):
    """(label, tokens or text) of every answer in a teacher notebook."""
    cells, code_refs, text_refs = notebook["cells"], [], []
    checks_called = set()
    for index, cell in enumerate(cells):
        tags = cell["metadata"].get("tags", [])
        if "solution" in tags:
            code_refs.append((f"solution cell {index}", _code_tokens(_solution_body(_text(cell["source"])))))
        if "check" in tags:
            checks_called |= set(re.findall(r"checks\.(check_\w+)", _text(cell["source"])))
    for check in sorted(checks_called):
        for dotted in student.REFERENCE_CODE[check]:
            code_refs.append((f"gan_utils.{dotted} (answer of {check})", _code_tokens(_package_body(dotted))))
    start = _exercise_start(cells)
    if start is not None:
        for index in range(start + 1, len(cells)):
            if cells[index]["cell_type"] == "code":
                source = _without_docstrings(_text(cells[index]["source"]))
                code_refs.append((f"exercise cell {index}", _code_tokens(source)))
                for text in _output_texts(cells[index]):
                    text_refs += [(f"output of exercise cell {index}", " ".join(line.split()))
                                  for line in re.split(r"[\r\n]+", text) if len(line.strip()) >= LEAK_LINE_CHARS
                                  and not NOT_AN_ANSWER.search(line)]
    text_refs += [("written solution", sentence) for sentence in _solution_prose(cells)]
    return code_refs, text_refs


def _baseline(teacher, n):
    """N-grams a student may legitimately read: the sources of the lesson before the exercises (solution cells as their
    skeletons) and the exercise prompts (markdown up to a <details> or '### Solution'). Answers that reuse lesson code (most end-of-notebook exercise cells do) are
    judged by what they add to it. Outputs are not part of it: a printed answer is a leak even if a lesson cell printed it."""
    cells, grams, lines = teacher["cells"], set(), set()
    start = _exercise_start(cells)
    for index, cell in enumerate(cells):
        source = _text(cell["source"])
        if start is not None and index > start and cell["cell_type"] == "code":
            continue
        if cell["cell_type"] == "markdown":
            prompt = re.split(r"(?m)<details>|^#{2,4}\s*Solution", source)[0]
            grams |= _grams(re.findall(r"\w+|[^\w\s]", prompt), n)
        elif "solution" in cell["metadata"].get("tags", []):
            grams |= _grams(_code_tokens("\n".join(student.skeleton_lines(cell))), n)
        else:
            grams |= _grams(_code_tokens(source), n)
            lines |= {" ".join(line.split()) for text in _output_texts(cell) for line in re.split(r"[\r\n]+", text)}
    return grams, lines


def _without_docstrings(source):
    """Code without its docstrings: they restate the question (an exercise's formula, a function's contract)."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    lines = source.splitlines()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for number in range(node.lineno - 1, node.end_lineno):
                lines[number] = ""
    return "\n".join(lines)


def _grams(sequence, n):
    return {tuple(sequence[i:i + n]) for i in range(len(sequence) - n + 1)}


def leaks(teacher, student_copy):
    """What of the teacher notebook's answers a student can read in ``student_copy``."""
    sequences, text = _haystack(student_copy)
    code_refs, text_refs = _references(teacher)
    found = []
    lesson_lines = _baseline(teacher, LEAK_TOKENS)[1]
    for label, tokens in code_refs:
        n = min(LEAK_TOKENS, len(tokens))
        if not n:
            continue
        wanted = _grams(tokens, n) - _baseline(teacher, n)[0]
        for index, sequence in enumerate(sequences):
            shared = wanted & _grams(sequence, n)
            if shared:
                found.append(f"{label}: {' '.join(sorted(shared)[0])!r}")
                break
    # an exercise's output line that a lesson cell printed too (a table header, say) is not the exercise's answer
    found += [f"{label}: {line!r}" for label, line in text_refs if line in text and line not in lesson_lines]
    found += [f"<details> solution: {m.group(0)[:60]!r}" for cell in student_copy["cells"]
              if cell["cell_type"] == "markdown" for m in SOLUTION_DETAILS.finditer(_text(cell["source"]))]
    return found


def test_leak_detector_finds_a_printed_answer_and_passes_a_skeleton():
    """The detector itself: a printed package answer, a solved end-of-notebook cell and a <details> solution are found;
    the skeleton and an untouched lesson cell are not."""
    teacher = synthetic_notebook()
    teacher["cells"][2]["source"] = ["passed = checks.check_discriminator_loss(d_loss)\n"]
    teacher["cells"] += [
        {"cell_type": "markdown", "metadata": {}, "source": ["## Exercises\n\n1. Print something.\n\n"
                                                            "<details><summary>Solutions</summary>\n\n"
                                                            "1. The loop printed forty-two, the answer to everything.\n"
                                                            "</details>\n"]},
        code("answer = sum(range(7)) * 2 ** 1 + 0\nprint('the measured answer is', answer, 'exactly, after all')\n")]
    copy = json.loads(json.dumps(teacher))
    assert len(leaks(teacher, copy)) >= 3  # the unchanged copy leaks the solution, the exercise cell and the prose
    skeleton, _ = student.student_notebook(teacher, "synthetic")
    skeleton["cells"] = skeleton["cells"][:5]  # without the exercise section: nothing left to find
    assert leaks(teacher, skeleton) == []
    printed = copy_with_output(skeleton, _package_body("losses.minimax_discriminator_loss"))
    assert any("minimax_discriminator_loss" in leak for leak in leaks(teacher, printed))


def copy_with_output(notebook, text):
    notebook = json.loads(json.dumps(notebook))
    notebook["cells"].append(code("print(inspect.getsource(losses.minimax_discriminator_loss))\n"))
    notebook["cells"][-1]["outputs"][0]["text"] = [text]
    return notebook


@pytest.mark.parametrize("path", sorted(student.NOTEBOOKS_DIR.glob("*.ipynb")), ids=lambda p: p.stem)
def test_student_edition_gives_nothing_away(path):
    teacher = json.loads(path.read_text(encoding="utf-8"))
    copy, _ = student.student_notebook(teacher, path.name)
    found = leaks(teacher, copy)
    assert not found, f"{path.name}: the student edition shows {len(found)} answer(s):\n" + "\n".join(found)


def test_printed_answers_exercise_cells_and_written_solutions_are_taken_out():
    teacher = synthetic_notebook()
    teacher["cells"][2]["source"] = ["passed = checks.check_discriminator_loss(d_loss)\n"]
    teacher["cells"] += [
        code("print(inspect.getsource(losses.minimax_discriminator_loss))\nprint(inspect.getsource(data.load_mnist))\n"),
        {"cell_type": "markdown", "metadata": {}, "source": ["## Exercises\n\n1. Measure it. (Not solved here.)\n\n"
                                                            "The solutions below run it.\n\n"
                                                            "<details><summary>Solutions</summary>\n\n1. It is 42.\n"
                                                            "</details>\n"]},
        {"cell_type": "markdown", "metadata": {}, "source": ["### Solution 1: the measurement\n\nIt printed 42.\n"]},
        code("# Exercise 1: measure it\n# NBVAL_CHECK_OUTPUT\nprint(6 * 7)\n"),
        code('print(f"notebook: {minutes:.1f} min")\n')]
    copy, counts = student.student_notebook(teacher, "synthetic")
    assert counts == {"solution": 2, "check": 1, "exercise": 1, "revealing": 1, "markdown": 2, "dropped": 1}
    printed, exercises, solution, exercise = copy["cells"][5:]
    assert "".join(printed["source"]) == student.REVEALED + "\nprint(inspect.getsource(data.load_mnist))"
    assert printed["outputs"] == [] and printed["execution_count"] is None
    assert "".join(exercises["source"]) == "## Exercises\n\n1. Measure it."
    assert "".join(solution["source"]) == "### Exercise 1: the measurement"
    assert "".join(exercise["source"]) == "# Exercise 1: measure it\n# TODO: your code here" and exercise["outputs"] == []
    assert teacher["cells"][7]["source"][0].startswith("### Solution")  # the teacher's notebook is untouched


def test_every_check_names_the_package_code_it_compares_with():
    """REFERENCE_CODE covers every check the notebooks use, and each entry is real package code with a body."""
    used = {check.__name__ for checks_of_notebook in checks.ALL_CHECKS.values() for check in checks_of_notebook}
    assert used <= set(student.REFERENCE_CODE), sorted(used - set(student.REFERENCE_CODE))
    for dotted in {d for targets in student.REFERENCE_CODE.values() for d in targets}:
        assert len(_code_tokens(_package_body(dotted))) >= 10, dotted
