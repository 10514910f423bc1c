"""Seeded heterogeneity of the exchange current: symmetry breaking on a flat electrode.

A perfectly flat electrode in a symmetric cell has no reason to grow anything
but a flat deposit; real surfaces have grains, steps and impurities that
plate at different rates. ``kinetics.noise = s`` multiplies i0 by

    k_noise(x) = exp(s zeta(x) - s^2 / 2)      (log-normal: positive, mean 1)

with zeta a stationary Gaussian random field of unit variance and
correlation length lambda (``kinetics.noise_length``, default the interface
width), a sum of random Fourier modes

    zeta(x) = sqrt(2 / M) sum_m cos(k_m . x + phi_m),   k_m ~ N(0, 1/lambda^2)

(the covariance of such a sum is exp(-r^2 / (2 lambda^2))). Its x-wavenumbers
are rounded to multiples of 2 pi / width on periodic sides, so the field is
periodic. It is evaluated at node coordinates, so it does not depend on the
mesh partition or the number of ranks, and the same seed gives the same
field. Frozen in space (the front sweeps through it) or redrawn every
``kinetics.noise_interval`` with the seed and the interval's index: a
Langevin-like forcing whose correlation time the user sets, independent of dt.
"""

from __future__ import annotations

import math

import numpy as np

from zndeposit.fem import dolfinx

#: Fourier modes of the random field
MODES = 256


def random_field(
    points: np.ndarray, length: float, seed: int, period: float | None = None, draw: int = 0
) -> np.ndarray:
    """Unit-variance Gaussian random field at ``points`` (N x 2 or N x 3, m).

    Args:
        points: coordinates, m.
        length: correlation length lambda, m.
        seed: seed of the generator.
        period: x-period, m (None: not periodic).
        draw: index of the redraw (0 for a frozen field).
    """
    rng = np.random.default_rng([seed, draw])
    k = rng.normal(0.0, 1.0 / length, size=(MODES, 2))
    if period is not None:
        step = 2.0 * math.pi / period
        k[:, 0] = np.round(k[:, 0] / step) * step
    phase = rng.uniform(0.0, 2.0 * math.pi, size=MODES)
    arg = points[:, :2] @ k.T + phase
    return math.sqrt(2.0 / MODES) * np.cos(arg).sum(axis=1)


class KineticNoise:
    """The P1 field k_noise of a mesh, redrawn at fixed intervals.

    Args:
        mesh: the mesh.
        strength: standard deviation s of ln(k_noise).
        length: correlation length, m.
        seed: seed.
        period: x-period of periodic sides, m (None otherwise).
        interval: redraw interval, s (None: frozen).
    """

    def __init__(
        self,
        mesh: object,
        strength: float,
        length: float,
        seed: int,
        period: float | None = None,
        interval: float | None = None,
    ) -> None:
        space = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
        self.field = dolfinx.fem.Function(space, name="kinetic_noise")
        self._points = space.tabulate_dof_coordinates()
        self.strength, self.length, self.seed = strength, length, seed
        self.period, self.interval = period, interval
        self.draw = -1
        self.update(0.0)

    def update(self, t: float) -> bool:
        """Redraw when t (s) entered a new interval; True when the field changed."""
        draw = int(t // self.interval) if self.interval else 0
        if draw == self.draw:
            return False
        self.draw = draw
        zeta = random_field(self._points, self.length, self.seed, self.period, draw)
        s = self.strength
        self.field.x.array[:] = np.exp(s * zeta - 0.5 * s * s)
        self.field.x.scatter_forward()
        return True
