"""The random field of the i0 heterogeneity: variance, correlation, periodicity, seeds."""

import math

import numpy as np
import pytest

from zndeposit.solver.noise import random_field

LENGTH = 0.5e-6
WIDTH = 8e-6


def _grid(n: int = 200, extent: float = 40e-6) -> np.ndarray:
    x, y = np.meshgrid(np.linspace(0, extent, n), np.linspace(0, extent, n))
    return np.column_stack([x.ravel(), y.ravel()])


def test_unit_variance_over_many_seeds():
    """Ensemble variance 1 at fixed points (256 modes: within 5 % over 200 seeds)."""
    pts = _grid(5, 10e-6)
    samples = np.array([random_field(pts, LENGTH, seed) for seed in range(200)])
    assert np.mean(samples) == pytest.approx(0.0, abs=0.05)
    assert np.var(samples) == pytest.approx(1.0, rel=0.05)


def test_gaussian_covariance_at_one_correlation_length():
    """Covariance of points lambda apart: exp(-1/2) = 0.607 (ensemble, within 0.05)."""
    a = np.array([[3e-6, 4e-6], [7e-6, 1e-6]])
    b = a + np.array([LENGTH, 0.0])
    za = np.array([random_field(a, LENGTH, s) for s in range(400)])
    zb = np.array([random_field(b, LENGTH, s) for s in range(400)])
    cov = np.mean(za * zb)
    assert cov == pytest.approx(math.exp(-0.5), abs=0.05)
    far_points = a + np.array([10 * LENGTH, 0.0])
    far = np.array([random_field(far_points, LENGTH, s) for s in range(400)])
    assert np.mean(za * far) == pytest.approx(0.0, abs=0.1)  # uncorrelated far apart


def test_periodic_reproducible_and_seeded():
    pts = _grid(50, 20e-6)
    shifted = pts + np.array([WIDTH, 0.0])
    z = random_field(pts, LENGTH, 7, period=WIDTH)
    assert np.allclose(z, random_field(shifted, LENGTH, 7, period=WIDTH), atol=1e-9)
    assert np.array_equal(z, random_field(pts, LENGTH, 7, period=WIDTH))
    assert not np.allclose(z, random_field(pts, LENGTH, 8, period=WIDTH))
    assert not np.allclose(z, random_field(pts, LENGTH, 7, period=WIDTH, draw=1))
    order = np.random.default_rng(0).permutation(len(pts))  # partition independent
    assert np.array_equal(random_field(pts[order], LENGTH, 7, period=WIDTH), z[order])
