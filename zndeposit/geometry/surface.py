"""The initial anode surface: base profile, explicit nuclei, signed distance (numpy only).

The metal occupies ``y <= F(x)`` with ``F(x) = max(base(x), nuclei(x))``:

- ``base(x) = anode.thickness + s(x)``, where ``s`` is flat (0), sinusoidal
  (``A cos(2 pi x / lambda)``, a crest at x = 0) or random;
- every nucleus sits on the base at its centre, ``b = base(x_c)``, with the
  upper outline ``b + u(x - x_c)`` for ``|x - x_c| <= r`` (semicircle/ellipse
  ``h sqrt(1 - t^2/r^2)``, rectangle ``h``, triangle ``h (1 - |t|/r)``); where
  the base dips below ``b`` under the nucleus a pedestal fills the gap, so the
  metal stays one graph over x.

The random surface is a periodic Gaussian random field with the covariance
``C(r) = rms^2 exp(-(r / l_c)^2)`` (l_c: correlation length): white noise is
filtered in Fourier space by the square root of its spectrum,
``exp(-k^2 l_c^2 / 8)``, and the resulting Fourier series (modes of the domain
width, so periodic in x) is rescaled to the exact rms. It is evaluated
analytically at any x. All lengths are in metres.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from zndeposit.case.schema import Case

#: Fourier modes with a filter amplitude below this (relative) are dropped.
_MODE_CUTOFF = 1e-8


@dataclass(frozen=True)
class FourierProfile:
    """A periodic profile ``s(x) = sum a_m cos(k_m x) + b_m sin(k_m x)`` (m).

    Attributes:
        k: wavenumbers ``2 pi m / width``, 1/m.
        a, b: cosine and sine amplitudes, m.
    """

    k: np.ndarray
    a: np.ndarray
    b: np.ndarray

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Profile height s(x), m, at positions x (m)."""
        x = np.asarray(x, dtype=float)
        out = np.zeros(x.size)
        flat = x.ravel()
        for start in range(0, flat.size, 4096):
            phase = np.outer(flat[start : start + 4096], self.k)
            out[start : start + 4096] = np.cos(phase) @ self.a + np.sin(phase) @ self.b
        return out.reshape(x.shape)

    def on_grid(self, width: float, n: int) -> np.ndarray:
        """Profile at ``x = i width / n``, i = 0..n-1, by inverse FFT (k harmonics of width), m."""
        m = np.rint(self.k * width / (2.0 * np.pi)).astype(int)
        if m.size and (m.max() >= n // 2 or not np.allclose(m * 2.0 * np.pi / width, self.k)):
            return self(np.arange(n) * width / n)
        spec = np.zeros(n // 2 + 1, dtype=complex)
        spec[m] = (self.a - 1j * self.b) * (n / 2.0)
        return np.fft.irfft(spec, n)

    @property
    def rms(self) -> float:
        """Exact rms over one period, m."""
        return float(np.sqrt(0.5 * np.sum(self.a**2 + self.b**2)))


def random_profile(
    width: float, rms: float, correlation_length: float, seed: int
) -> FourierProfile:
    """Seeded Gaussian random profile, periodic over ``width`` (m), with exact ``rms`` (m).

    Covariance ``rms^2 exp(-(r / correlation_length)^2)``; white noise on a
    grid is FFT-filtered by ``exp(-k^2 l_c^2 / 8)`` and the mean removed.
    """
    lc = correlation_length
    m_max = max(1, int(np.ceil(np.sqrt(-8.0 * np.log(_MODE_CUTOFF)) * width / (2 * np.pi * lc))))
    n = 2 * m_max + 2
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(n))[1 : m_max + 1]
    k = 2.0 * np.pi * np.arange(1, m_max + 1) / width
    filt = np.exp(-(k**2) * lc**2 / 8.0)
    coef = spectrum * filt
    prof = FourierProfile(k, coef.real.copy(), -coef.imag.copy())
    scale = rms / prof.rms if prof.rms > 0 else 0.0
    return FourierProfile(k, prof.a * scale, prof.b * scale)


def sinusoid(x: np.ndarray, amplitude: float, wavelength: float) -> np.ndarray:
    """Sinusoidal relief ``amplitude cos(2 pi x / wavelength)``, m."""
    return amplitude * np.cos(2.0 * np.pi * np.asarray(x, dtype=float) / wavelength)


@dataclass(frozen=True)
class Nucleus:
    """A nucleus placed on the surface (all in m).

    Attributes:
        x: centre along the electrode; half_width: base half width r;
        height: top above the base; base: y of its base (surface height at x);
        shape: semicircle | ellipse | rectangle | triangle.
    """

    x: float
    half_width: float
    height: float
    base: float
    shape: str

    def outline(self, x: np.ndarray) -> np.ndarray:
        """Upper outline y(x), m; ``-inf`` outside ``|x - x_c| <= r``."""
        t = (np.asarray(x, dtype=float) - self.x) / self.half_width
        inside = np.abs(t) <= 1.0 + 1e-12
        tc = np.clip(t, -1.0, 1.0)
        if self.shape in ("semicircle", "ellipse"):
            u = np.sqrt(np.maximum(0.0, 1.0 - tc**2))
        elif self.shape == "rectangle":
            u = np.ones_like(tc)
        else:  # triangle
            u = 1.0 - np.abs(tc)
        return np.where(inside, self.base + self.height * u, -np.inf)

    def samples(self, n: int = 256) -> np.ndarray:
        """Positions x resolving the outline (cosine-spaced, both edges included), m."""
        return self.x - self.half_width * np.cos(np.linspace(0.0, np.pi, n))


@dataclass(frozen=True)
class InitialSurface:
    """The initial metal/electrolyte interface ``y = F(x)`` over ``0 <= x <= width`` (m).

    Attributes:
        width: domain width; thickness: nominal anode thickness.
        periodic: sides are periodic (else mirror-symmetric, no-flux).
        kind: flat | sinusoidal | random; profile: s(x) (None when flat).
        nuclei: nuclei, including periodic copies of those crossing a side.
        resolution: spacing of the base samples of :meth:`outline`.
    """

    width: float
    thickness: float
    periodic: bool = True
    kind: str = "flat"
    profile: object = None
    nuclei: tuple[Nucleus, ...] = field(default_factory=tuple)
    resolution: float | None = None

    def base(self, x: np.ndarray) -> np.ndarray:
        """Base surface (no nuclei) ``thickness + s(x)``, m."""
        x = np.asarray(x, dtype=float)
        if self.profile is None:
            return np.full(x.shape, self.thickness)
        return self.thickness + self.profile(x)

    def height(self, x: np.ndarray) -> np.ndarray:
        """Metal top ``F(x)`` including nuclei, m."""
        y = self.base(x)
        for nuc in self.nuclei:
            y = np.maximum(y, nuc.outline(x))
        return y

    def base_samples(self) -> np.ndarray:
        """Positions x of the base polyline (both ends included), m."""
        if self.kind == "flat":
            return np.array([0.0, self.width])
        n = max(16, int(np.ceil(self.width / self._spacing())))
        return np.linspace(0.0, self.width, n + 1)

    def _spacing(self) -> float:
        if self.resolution is not None:
            return self.resolution
        p = self.profile
        if isinstance(p, FourierProfile) and p.k.size:
            return 2.0 * np.pi / p.k[-1] / 32.0
        return self.width / 256

    def outline(self) -> tuple[np.ndarray, np.ndarray]:
        """Polyline (x, y) of ``F`` from x = 0 to width, with vertical steps at jumps, m."""
        xs = [self.base_samples()] + [n.samples() for n in self.nuclei]
        x = np.unique(np.clip(np.concatenate(xs), 0.0, self.width))
        y = self.height(x)
        edges = {}
        for nuc in self.nuclei:
            edges.setdefault(nuc.x - nuc.half_width, ([], []))[0].append(nuc)
            edges.setdefault(nuc.x + nuc.half_width, ([], []))[1].append(nuc)
        out_x, out_y = [], []
        tol = 1e-12 * max(self.width, self.thickness)
        for xi, yi in zip(x, y, strict=True):
            starting, ending = edges.get(float(xi), ([], []))
            values = [self._height_without(starting, xi), yi, self._height_without(ending, xi)]
            if not starting:
                values[0] = yi
            if not ending:
                values[2] = yi
            for v in values:
                if not out_y or out_x[-1] != xi or abs(out_y[-1] - v) > tol:
                    out_x.append(float(xi))
                    out_y.append(float(v))
        return np.array(out_x), np.array(out_y)

    def _height_without(self, skip: list[Nucleus], x: float) -> float:
        xa = np.array([x])
        y = self.base(xa)
        for nuc in self.nuclei:
            if all(nuc is not s for s in skip):
                y = np.maximum(y, nuc.outline(xa))
        return float(y[0])

    @property
    def y_min(self) -> float:
        """Lowest point of the metal top, m."""
        return float(np.min(self.outline()[1]))

    @property
    def y_max(self) -> float:
        """Highest point of the metal top, m."""
        return float(np.max(self.outline()[1]))

    def signed_distance(
        self, x: np.ndarray, y: np.ndarray, cutoff: float | None = None
    ) -> np.ndarray:
        """Signed distance to the metal top, m: > 0 in the electrolyte, < 0 in the metal.

        The distance is taken to the outline polyline, extended across the
        sides by periodic copies (or mirror images for no-flux sides).

        Args:
            x: point abscissae, m (any shape broadcasting with y).
            y: point ordinates, m.
            cutoff: if given, distances beyond it are returned as +-cutoff (faster).
        """
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        shape = np.broadcast_shapes(x.shape, y.shape)
        px, py = np.broadcast_to(x, shape).ravel(), np.broadcast_to(y, shape).ravel()
        ox, oy = self._extended_outline()
        x0, y0, x1, y1 = ox[:-1], oy[:-1], ox[1:], oy[1:]
        dx, dy = x1 - x0, y1 - y0
        len2 = np.maximum(dx * dx + dy * dy, 1e-300)
        height = np.interp(px, ox, oy)
        # metal side decided by the exact F (periodic wrap of x)
        xw = np.mod(px, self.width) if self.periodic else np.clip(px, 0.0, self.width)
        sign = np.where(py - self.height(xw) >= 0.0, 1.0, -1.0)
        bound = np.abs(py - height)  # vertical distance >= true distance
        if cutoff is not None:
            bound = np.minimum(bound, cutoff)
        order = np.argsort(px)
        dist = np.empty(px.size)
        chunk = 128
        for start in range(0, px.size, chunk):
            idx = order[start : start + chunk]
            reach = float(np.max(bound[idx])) * (1 + 1e-12) + 1e-30
            lo = np.searchsorted(x1, px[idx[0]] - reach, side="left")
            hi = np.searchsorted(x0, px[idx[-1]] + reach, side="right")
            lo, hi = max(0, lo - 1), min(x0.size, hi + 1)
            qx, qy = px[idx, None], py[idx, None]
            t = np.clip(
                ((qx - x0[lo:hi]) * dx[lo:hi] + (qy - y0[lo:hi]) * dy[lo:hi]) / len2[lo:hi],
                0.0,
                1.0,
            )
            ddx = qx - (x0[lo:hi] + t * dx[lo:hi])
            ddy = qy - (y0[lo:hi] + t * dy[lo:hi])
            d = np.sqrt(np.min(ddx * ddx + ddy * ddy, axis=1))
            dist[idx] = np.minimum(d, bound[idx]) if cutoff is not None else d
        return (sign * dist).reshape(shape)

    def _extended_outline(self) -> tuple[np.ndarray, np.ndarray]:
        ox, oy = self.outline()
        w = self.width
        if self.periodic:
            left, right = (ox[:-1] - w, oy[:-1]), (ox[1:] + w, oy[1:])
        else:
            left = (-ox[::-1][:-1], oy[::-1][:-1])
            right = (2 * w - ox[::-1][1:], oy[::-1][1:])
        return np.concatenate([left[0], ox, right[0]]), np.concatenate([left[1], oy, right[1]])


def initial_surface(case: Case, resolution: float | None = None) -> InitialSurface:
    """The initial metal top of a case (surface profile + nuclei), lengths in m.

    Args:
        case: the validated case.
        resolution: base sampling step of the outline, m (default: auto).
    """
    an, dom = case.anode, case.domain
    s = an.surface
    width = dom.width
    periodic = dom.sides == "periodic"
    profile: object = None
    if s.kind == "sinusoidal":
        amp, lam = float(s.amplitude or 0.0), float(s.wavelength or 1.0)
        k = np.array([2.0 * np.pi / lam])
        profile = FourierProfile(k, np.array([amp]), np.array([0.0]))
    elif s.kind == "random":
        profile = random_profile(width, float(s.rms or 0.0), float(s.correlation_length), s.seed)
    bare = InitialSurface(width, an.thickness, periodic, s.kind, profile, (), resolution)
    nuclei = []
    for n in an.nuclei:
        base = float(bare.base(np.array([n.x % width if periodic else n.x]))[0])
        shifts = [0.0]
        if periodic:
            shifts += [-width] if n.x + n.radius > width else []
            shifts += [width] if n.x - n.radius < 0 else []
        for sh in shifts:
            nuclei.append(Nucleus(n.x + sh, n.radius, n.top, base, n.shape))
    return InitialSurface(width, an.thickness, periodic, s.kind, profile, tuple(nuclei), resolution)
