"""The Dirac-GAN (Mescheder, Geiger & Nowozin, 2018): the smallest GAN whose training can be drawn.

The data is a point mass at 0, the generator a point mass at θ, the discriminator linear, D_ψ(x) = ψ·x. With the
course's convention (real label 1, D maximises, G minimises) the game is

    V(θ, ψ) = f(D_ψ(real)) + f(−D_ψ(fake)) = f(0) + f(−ψθ),

with f(t) = log σ(t) for the original GAN and f(t) = t for the WGAN. The only equilibrium is (θ, ψ) = (0, 0): G puts
its mass on the data and D cannot tell them apart. Training follows the vector field

    v(θ, ψ) = (−∂V/∂θ, ∂V/∂ψ)        (G descends, D ascends),

whose Jacobian J at the equilibrium decides what gradient steps do there: for the GAN J = [[0, ½], [−½, 0]], with
purely imaginary eigenvalues ±i/2, a rotation, not a descent. Simultaneous steps multiply by I + hJ (eigenvalues
1 ± ih/2, modulus > 1: they spiral out); alternating steps (Algorithm 1: D, then G) have modulus exactly 1: they
circle for ever. Two regularisers of D add damping:

- **R1** (a gradient penalty on real data, γ/2·‖∇ₓD(x)‖² = γ/2·ψ²): J = [[0, ½], [−½, −γ]];
- **instance noise** (N(0, σ²) added to real and fake samples before D sees them): J = [[0, ½], [−½, −σ²/2]];

both have eigenvalues with negative real part, so small steps converge. The WGAN (f(t) = t) has J = [[0, 1], [−1, 0]]:
it keeps circling, and weight clipping (|ψ| ≤ c) only bounds the circle.

Everything here is NumPy on two numbers: ``vector_field``, ``jacobian`` (central differences of the field),
``equilibrium_jacobian`` (the closed forms above), ``step_matrix`` (the linearised update of one step) and
``trajectory``. For notebook 01 (the game and its equilibrium).
"""
import numpy as np

LOSSES = ("gan", "wgan")
SCHEMES = ("simultaneous", "alternating")
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(41)  # E over N(0, 1) by Gauss-Hermite quadrature
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


def _f_prime(t, loss):
    """f'(t): σ(−t) for f = log σ, 1 for f(t) = t."""
    if loss == "wgan":
        return np.ones_like(t)
    return 0.5 * (1.0 - np.tanh(0.5 * t))  # σ(−t), without overflow


def _check(loss, r1, noise):
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, not {loss!r}.")
    if r1 < 0 or noise < 0:
        raise ValueError("r1 (γ) and noise (σ) must be >= 0.")


def vector_field(theta, psi, loss="gan", r1=0.0, noise=0.0):
    """(dθ, dψ) = (−∂V/∂θ, ∂V/∂ψ − γψ) at (θ, ψ); ``noise`` σ adds instance noise (an expectation over ε)."""
    _check(loss, r1, noise)
    theta, psi = np.asarray(theta, "float64"), np.asarray(psi, "float64")
    if noise == 0.0:
        fp = _f_prime(-psi * theta, loss)
        d_theta, d_psi = psi * fp, -theta * fp
    else:  # V = E[f(ψε)] + E[f(−ψ(θ + ε))]
        eps = noise * _NODES.reshape((-1,) + (1,) * theta.ndim)
        w = _WEIGHTS.reshape((-1,) + (1,) * theta.ndim)
        fake = theta + eps
        fp_fake = _f_prime(-psi * fake, loss)
        d_theta = np.sum(w * psi * fp_fake, axis=0)
        d_psi = np.sum(w * (eps * _f_prime(psi * eps, loss) - fake * fp_fake), axis=0)
    return d_theta, d_psi - r1 * psi


def jacobian(theta=0.0, psi=0.0, loss="gan", r1=0.0, noise=0.0, h=1e-5):
    """The 2x2 Jacobian of ``vector_field`` at (θ, ψ), by central differences."""
    columns = []
    for d in ((h, 0.0), (0.0, h)):
        plus = vector_field(theta + d[0], psi + d[1], loss, r1, noise)
        minus = vector_field(theta - d[0], psi - d[1], loss, r1, noise)
        columns.append((np.array(plus) - np.array(minus)) / (2 * h))
    return np.stack(columns, axis=1)


def equilibrium_jacobian(loss="gan", r1=0.0, noise=0.0):
    """The closed form at (0, 0): [[0, f'(0)], [−f'(0), −γ + 2σ²f''(0)]] with f'(0) = ½, f''(0) = −¼ (GAN) or
    f'(0) = 1, f''(0) = 0 (WGAN)."""
    _check(loss, r1, noise)
    fp, fpp = (0.5, -0.25) if loss == "gan" else (1.0, 0.0)
    return np.array([[0.0, fp], [-fp, -r1 + 2 * noise ** 2 * fpp]])


def step_matrix(jac, lr, scheme="simultaneous"):
    """The linearised map of one training step near the equilibrium. ``simultaneous``: I + h·J. ``alternating``
    (D first, then G against the updated D): the G update after the D update. Its spectral radius tells whether
    steps converge (< 1), circle (= 1) or spiral out (> 1)."""
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, not {scheme!r}.")
    jac = np.asarray(jac, "float64")
    if scheme == "simultaneous":
        return np.eye(2) + lr * jac
    d_update = np.array([[1.0, 0.0], [lr * jac[1, 0], 1.0 + lr * jac[1, 1]]])
    g_update = np.array([[1.0 + lr * jac[0, 0], lr * jac[0, 1]], [0.0, 1.0]])
    return g_update @ d_update


def spectral_radius(matrix):
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def trajectory(theta0=1.0, psi0=1.0, steps=500, lr=0.1, scheme="simultaneous", loss="gan", r1=0.0, noise=0.0,
               clip=None):
    """The (θ, ψ) path of ``steps`` gradient steps from (θ0, ψ0): an array of shape (steps + 1, 2).
    ``clip``: WGAN weight clipping, ψ kept in [−clip, clip] after each D step."""
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, not {scheme!r}.")
    path = np.empty((steps + 1, 2))
    theta, psi = float(theta0), float(psi0)
    path[0] = theta, psi
    for i in range(1, steps + 1):
        d_theta, d_psi = vector_field(theta, psi, loss, r1, noise)
        psi = psi + lr * float(d_psi)
        if clip is not None:
            psi = float(np.clip(psi, -clip, clip))
        if scheme == "alternating":  # G moves against the D it has just been given
            d_theta, _ = vector_field(theta, psi, loss, r1, noise)
        theta = theta + lr * float(d_theta)
        path[i] = theta, psi
    return path
