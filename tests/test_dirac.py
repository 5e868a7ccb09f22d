"""gan_utils.dirac: the Dirac-GAN's Jacobian against its closed form, and what the eigenvalues predict."""
import numpy as np
import pytest

from gan_utils import dirac

CASES = [dict(), dict(r1=0.5), dict(noise=0.7), dict(loss="wgan"), dict(r1=0.3, noise=0.5), dict(loss="wgan", r1=1.0)]


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_numerical_jacobian_matches_the_closed_form(kwargs):
    np.testing.assert_allclose(dirac.jacobian(**kwargs), dirac.equilibrium_jacobian(**kwargs), atol=1e-7)


def test_eigenvalues_golden():
    np.testing.assert_allclose(np.linalg.eigvals(dirac.equilibrium_jacobian()), [0.5j, -0.5j], atol=1e-12)
    gamma = 0.5  # R1: λ = (−γ ± sqrt(γ² − 1)) / 2
    expected = (-gamma + np.sqrt(complex(gamma ** 2 - 1))) / 2
    eig = np.linalg.eigvals(dirac.equilibrium_jacobian(r1=gamma))
    np.testing.assert_allclose(sorted(eig, key=np.imag), [np.conj(expected), expected], atol=1e-12)
    assert dirac.equilibrium_jacobian(noise=0.7)[1, 1] == pytest.approx(-0.7 ** 2 / 2)  # 2σ²f''(0), f''(0) = −¼


def test_the_field_away_from_equilibrium_is_the_gradient_of_v():
    """v = (−∂V/∂θ, ∂V/∂ψ) with V = log σ(0) + log σ(−ψθ), checked by finite differences of V itself."""
    def value(theta, psi):
        return np.log(0.5) - np.logaddexp(0.0, psi * theta)

    theta, psi, h = 0.8, -1.3, 1e-6
    d_theta, d_psi = dirac.vector_field(theta, psi)
    assert d_theta == pytest.approx(-(value(theta + h, psi) - value(theta - h, psi)) / (2 * h), rel=1e-6)
    assert d_psi == pytest.approx((value(theta, psi + h) - value(theta, psi - h)) / (2 * h), rel=1e-6)


def test_spectral_radius_predicts_the_trajectories():
    plain = dirac.equilibrium_jacobian()
    assert dirac.spectral_radius(dirac.step_matrix(plain, 0.1, "simultaneous")) > 1.0
    assert dirac.spectral_radius(dirac.step_matrix(plain, 0.1, "alternating")) == pytest.approx(1.0)
    for kwargs in (dict(r1=0.5), dict(noise=0.7)):
        assert dirac.spectral_radius(dirac.step_matrix(dirac.equilibrium_jacobian(**kwargs), 0.1, "simultaneous")) < 1.0

    def radius(**kwargs):
        return np.hypot(*dirac.trajectory(theta0=1.0, psi0=1.0, steps=2000, lr=0.1, **kwargs)[-1])

    assert radius() > 2.0                                   # simultaneous GAN: spirals out
    assert 1.0 < radius(scheme="alternating") < 1.5         # alternating: keeps circling
    assert radius(r1=0.5) < 1e-6 and radius(noise=0.7) < 1e-6  # both regularisers converge
    wgan = dirac.trajectory(steps=2000, lr=0.1, loss="wgan", clip=0.5, scheme="alternating")
    assert np.abs(wgan[1:, 1]).max() <= 0.5 and np.hypot(*wgan[-1]) > 0.3  # clipping bounds ψ, no convergence


def test_bad_arguments_say_what_to_do():
    with pytest.raises(ValueError, match="loss must be one of"):
        dirac.vector_field(0.0, 0.0, loss="hinge")
    with pytest.raises(ValueError, match="scheme must be one of"):
        dirac.trajectory(scheme="jacobi")
    with pytest.raises(ValueError, match=">= 0"):
        dirac.equilibrium_jacobian(r1=-1)
