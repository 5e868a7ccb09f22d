"""The training scripts' shipping rule (scripts/shipping.py): a generator is copied to data/pretrained/ only if it
meets the bar and, when asked, beats the file already there; otherwise the shipped file stays byte for byte."""
import hashlib
import sys
from pathlib import Path

import pytest

from gan_utils import config, models
from gan_utils.sampling import save_generator
from tests.seeding import reseed

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from shipping import score_and_ship  # noqa: E402


def test_an_untrained_generator_is_scored_and_never_ships(tmp_path):
    reseed(0)
    path = save_generator(models.build_dcgan_generator(), tmp_path / "generator.keras")
    shipped = config.PRETRAINED_DIR / "dcgan.keras"
    before = hashlib.sha256(shipped.read_bytes()).hexdigest()
    with pytest.raises(SystemExit, match="misses the bar"):
        score_and_ship(path, "dcgan.keras", {"command": "test"}, 0.9, replace=True, must_improve=True)
    report = (tmp_path / "score.json").read_text()
    assert '"meets_bar": false' in report and '"improves_on_shipped": false' in report
    assert '"shipped_before"' in report
    assert hashlib.sha256(shipped.read_bytes()).hexdigest() == before


def test_the_privacy_curve_script_refuses_to_overwrite_the_shipped_curve():
    import subprocess

    shipped = config.PRETRAINED_DIR / "dp_tabular_curve.json"
    before = hashlib.sha256(shipped.read_bytes()).hexdigest()
    run = subprocess.run([sys.executable, "scripts/dp_tabular_curve.py", "--sigmas", "1", "--seeds", "0"],
                         cwd=config.PRETRAINED_DIR.parent.parent, capture_output=True, text=True)
    assert run.returncode != 0 and "--replace" in run.stderr
    assert hashlib.sha256(shipped.read_bytes()).hexdigest() == before
