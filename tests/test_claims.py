"""Tests of scripts/check_claims.py: the extractor and matcher on small synthetic notebooks, and (marked
``claims``, deselect with ``-m "not claims"``) the real repository's notebooks and README."""
import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("check_claims", ROOT / "scripts" / "check_claims.py")
cc = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("check_claims", cc)   # dataclasses look their module up in sys.modules
_spec.loader.exec_module(cc)


def notebook(markdown, outputs=(), code=""):
    """A notebook with one markdown cell (index 0) and one code cell with ``code`` and stream ``outputs``."""
    return {"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": markdown},
        {"cell_type": "code", "metadata": {}, "source": code, "execution_count": 1,
         "outputs": [{"output_type": "stream", "name": "stdout", "text": t} for t in outputs]},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def unbacked(markdown, outputs=(), code="", allow=None):
    _, problems = cc.check_notebook(notebook(markdown, outputs, code), "nb.ipynb", allow)
    return [p.claim.text for p in problems]


def claims(text):
    return [c.text for c in cc.extract_claims(text)]


def test_backed_number_passes_and_unbacked_fails():
    assert unbacked("Mean confidence 0.907.", ["mean confidence: 0.907"]) == []
    assert unbacked("Mean confidence 0.907.", ["mean confidence: 0.875"]) == ["0.907"]


def test_rounding_to_the_claims_precision():
    assert unbacked("about 0.91", ["0.907"]) == []
    assert unbacked("about 0.91", ["0.9071"]) == []
    assert unbacked("about 0.92", ["0.907"]) == ["0.92"]
    assert unbacked("FD 217", ["Fréchet distance 217.1"]) == []
    assert unbacked("IS 7.00", ["IS 7.0"]) == []
    assert unbacked("0.907", ["0.91"]) == ["0.907"]       # an output cannot be more precise than it prints


def test_a_rounded_number_is_backed_when_the_output_rounds_to_it():
    """Issue 37: precision is the writer's choice. The rule: the claim is backed when an output value, rounded to the
    decimals the claim is written with, gives the claim (|output - claim| <= half a unit of its last decimal), in the
    same units; a percentage may be backed by a fraction and vice versa (as before)."""
    assert unbacked("recall 0.80", ["recall 0.7994"]) == []              # rounded to two decimals
    assert unbacked("recall 0.8", ["recall 0.7994"]) == []               # or one
    assert unbacked("36 % of the samples", ["share 0.3612"]) == []       # percent from a fraction, rounded
    assert unbacked("FD 142", ["Fréchet distance 141.677"]) == []
    assert unbacked("12 min", ["11.6 min"]) == []                        # times too, in their own units


def test_a_wrong_number_or_one_that_only_matches_with_fewer_digits_is_rejected():
    assert unbacked("recall 0.78", ["recall 0.7994"]) == ["0.78"]        # wrong number
    assert unbacked("37 % of the samples", ["share 0.3612"]) == ["37 %"]
    assert unbacked("FD 140", ["Fréchet distance 141.677"]) == ["140"]   # 140 would need rounding to tens
    # 0.81 and 0.7994 agree only when rounded to one decimal, fewer than the claim is written with
    assert unbacked("recall 0.81", ["recall 0.7994"]) == ["0.81"]
    assert unbacked("recall 0.800", ["recall 0.7994"]) == ["0.800"]      # three decimals written: 0.799
    assert unbacked("took 36 s", ["share 0.3612"]) == ["36 s"]           # no unit conversion between kinds


def test_normalisation_separators_and_minus():
    assert unbacked("2,330,944 parameters", ["Total params: 2330944"]) == []
    assert unbacked("10\u202f000 samples", ["samples: 10,000"]) == []
    assert unbacked("correlation \u22120.88", ["correlation: -0.88"]) == []
    assert unbacked("correlation \u22120.88", ["correlation: 0.88"]) == ["\u22120.88"]


def test_percent_and_fraction():
    assert unbacked("it does in 99.6 %", ["requested-digit accuracy 0.996"]) == []
    assert unbacked("it does in 99.6%", ["accuracy 0.9958"]) == []
    assert unbacked("it does in 99.7 %", ["accuracy 0.996"]) == ["99.7 %"]
    assert unbacked("a share of 0.372", ["share of critic weights at ±c: 37.2%"]) == []
    assert unbacked("86.2 % ± 0.5", ["0.8616 ± 0.0050"]) == []     # "±" inherits the %


def test_times_compare_across_units_but_only_with_times():
    assert unbacked("took 12 min", ["training: 712 s"]) == []
    assert unbacked("took 8.5 minutes", ["training: 510 s"]) == []
    assert unbacked("took 45 s", ["0.75 min"]) == []
    assert unbacked("took 5 min 17 s", ["317 s"]) == []
    assert unbacked("took 38 min", ["(None, 38)"]) == ["38 min"]
    assert unbacked("50–80 s per epoch", ["epoch 1: 50.2 s", "epoch 2: 79.9 s"]) == []


def test_placeholder_fails_even_if_everything_else_is_backed():
    problems = unbacked("Run time ⟦NUM: run time⟧, confidence 0.9.", ["0.9"])
    assert problems == ["⟦NUM: run time⟧"]
    _, found = cc.check_notebook(notebook("⟦NUM: x⟧"), "nb.ipynb", {"⟦NUM: x⟧": "no"})
    assert len(found) == 1 and "placeholder" in str(found[0])


def test_settings_in_code_cells_pass():
    code = "LEARNING_RATE = 2e-4\nBETA_1 = 0.5\nBATCH_SIZE = 64\nGP_WEIGHT = 10\nN = 10_000\nBAR = 0.05\n"
    md = "Adam 2e-4, β1 = 0.5, batch 64, λ = 10, on 10,000 samples, every digit ≥ 5 %."
    assert unbacked(md, [], code) == []
    assert unbacked("batch 128", [], code) == ["128"]
    assert unbacked("0.51", [], "x = 0.5") == ["0.51"]        # code values match exactly, no rounding


def test_math_backticks_and_other_skips():
    text = ("V(G, D*) = $-\\log 4 + 2 \\cdot JSD$ and `truncate -s 1000 m.npz`.\n"
            "Goodfellow et al. (2014) and Salimans et al., 2016; see notebook 02 and `01_vanilla_gan`.\n"
            "1. first item with k = 5 steps\n"
            "A 2-core CPU, a 100-d noise vector, β1 and float32, 28x28 images, bar09.png.\n"
            "Tested with Python 3.11 and TensorFlow 2.16–2.21; measured on 2026-11-26.\n"
            "```bash\npip install x==1.23\n```\n")
    assert claims(text) == []


def test_what_is_a_claim():
    text = "It took 12 min (45 s per epoch, 8.5 minutes in all), 3 epochs, 2,330,944 parameters, 0.907, 1.46x, 37.6."
    assert claims(text) == ["12 min", "45 s", "8.5 minutes", "3 epochs", "2,330,944", "0.907", "1.46x", "37.6"]
    assert claims("with k = 5 and 7 modes of 8") == []                     # small integers without a unit
    assert claims("5 %") == ["5 %"]
    assert claims("60-64 % of samples") == ["60 %", "64 %"]
    assert claims("mostly 9s; 10 x share") == ["10"]                       # plural, not seconds; product


def test_allowlist():
    md = "the midpoint is ≈ 0.71 times as long"
    assert unbacked(md) == ["0.71"]
    assert unbacked(md, allow={"0.71": "closed form 1/sqrt(2)"}) == []


def test_markdown_file_and_cli(tmp_path, capsys):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "notebooks" / "01_x.ipynb").write_text(json.dumps(notebook("IS 8.51", ["IS 8.51"])))
    (tmp_path / "benchmarks" / "r.json").write_text(json.dumps({"seconds": 1546, "ratio": 1.4612}))
    (tmp_path / "README.md").write_text("IS 8.51, 25.8 minutes, 1.46x, 0.123\n")
    assert cc.main(["--root", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == ['README.md line 1: "0.123" not found in the notebook outputs or benchmarks',
                   "5 claims checked, 1 unbacked"]
    (tmp_path / "README.md").write_text("IS 8.51, 25.8 minutes, 1.46x\n")
    assert cc.main(["--root", str(tmp_path)]) == 0


@pytest.mark.claims
def test_repository_claims_are_backed():
    """Every number in the notebooks' markdown and the README is backed by a committed output (or allowlisted)."""
    allowlist = cc.load_allowlist(ROOT / cc.DEFAULT_ALLOWLIST)
    files = cc.Files(ROOT)
    total, problems = cc.check_paths(cc.default_paths(files), files, allowlist)
    assert total > 0
    assert not problems, f"{len(problems)} of {total} claims unbacked:\n" + "\n".join(map(str, problems))
