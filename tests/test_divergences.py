"""gan_utils.divergences: JSD, W1 and the energy distance on known cases and against SciPy."""
import numpy as np
import pytest
from scipy import stats

from gan_utils import divergences

XS = np.linspace(-10, 30, 20001)


def bump(mean, std=0.3):
    return stats.norm.pdf(XS, mean, std)


@pytest.mark.parametrize("shift", [0.0, 0.5, 2.0, 10.0])
def test_energy_distance_matches_scipy(shift):
    p, q = bump(0.0, 1.0), bump(shift, 0.5)
    # SciPy's weighted-sample version on the same grid (weights = density values)
    expected = stats.energy_distance(XS, XS, u_weights=p, v_weights=q)
    assert divergences.energy_distance(p, q, XS) == pytest.approx(expected, rel=2e-3, abs=2e-3)


def test_three_distances_as_two_narrow_bumps_move_apart():
    shifts = [4.0, 8.0, 16.0]
    jsd = [divergences.jensen_shannon(bump(0), bump(d), XS) for d in shifts]
    w1 = [divergences.wasserstein_1(bump(0), bump(d), XS) for d in shifts]
    energy = [divergences.energy_distance(bump(0), bump(d), XS) for d in shifts]
    assert jsd == pytest.approx([np.log(2)] * 3, rel=1e-3)   # saturated: no signal once they stop overlapping
    assert w1 == pytest.approx(shifts, rel=1e-3)              # W1 = the shift
    # energy ≈ sqrt(2·(d − 2·E|X − X'|/2)) for bumps of std s: E|X − X'| = 2s/sqrt(π)
    expected = [np.sqrt(2 * d - 2 * 0.3 / np.sqrt(np.pi) * 2) for d in shifts]
    assert energy == pytest.approx(expected, rel=2e-3)
    assert divergences.energy_distance(bump(0), bump(0), XS) == pytest.approx(0.0, abs=1e-9)
