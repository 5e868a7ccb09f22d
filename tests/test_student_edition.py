"""gan_utils.student: the student edition of a small synthetic notebook, and the CLI on the real notebooks."""
import json

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
    assert written[0][1] == {"solution": 2, "check": 1}
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
