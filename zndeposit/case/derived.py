"""Quantities derived from a case: transport per region, limits, phase-field coefficients.

Everything here is closed-form or a cheap 1D integral; no DOLFINx.

Transport follows dilute Nernst-Planck theory with local electroneutrality
``z+ c+ + z- c- + X = 0`` (X: fixed charge of the host, mol/m^3 of charges).
A region with fixed charge in contact with the bulk electrolyte holds the
Donnan-equilibrium concentrations (continuous electrochemical potentials),
from which its conductivity and transference number follow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from zndeposit.case.protocol import ProtocolSegment, protocol_segments
from zndeposit.case.schema import Case, Electrolyte, PorousLayer
from zndeposit.case.temperature import (
    diffusivity_factor,
    diffusivity_law,
    exchange_current_density,
)
from zndeposit.constants import (
    FARADAY,
    GAS_CONSTANT,
    ZN_ELECTRONS,
    ZN_MOLAR_DENSITY,
    zn_thickness_per_charge,
)
from zndeposit.geometry import tags

LN9 = math.log(9.0)


@dataclass(frozen=True)
class Region:
    """Transport properties of one electrolyte-filled region (SI units).

    Attributes:
        name: physical-group name (see :mod:`zndeposit.geometry.tags`).
        y_bottom, y_top: nominal extent above the current collector, m.
        porosity, tortuosity, effective_factor: -, -, porosity/tortuosity.
        fixed_charge: X, mol/m^3 of elementary charges.
        D_cation, D_anion: pore-liquid ion diffusivities, m^2/s.
        c_cation, c_anion: Donnan-equilibrium concentrations vs the bulk, mol/m^3.
        conductivity: effective ionic conductivity, S/m.
        transference_number: Zn2+ transference number, -.
        ambipolar_diffusivity: salt diffusivity in the pore liquid, m^2/s.
        kinetic_factor: multiplier on i0 where Zn grows into the region, -.
        hydrogen_factor: multiplier on the HER exchange currents in the region, -.
    """

    name: str
    y_bottom: float
    y_top: float
    porosity: float
    tortuosity: float
    effective_factor: float
    fixed_charge: float
    D_cation: float
    D_anion: float
    c_cation: float
    c_anion: float
    conductivity: float
    transference_number: float
    ambipolar_diffusivity: float
    kinetic_factor: float
    hydrogen_factor: float = 1.0

    @property
    def thickness(self) -> float:
        """Region thickness, m."""
        return self.y_top - self.y_bottom


@dataclass(frozen=True)
class PhaseField:
    """Phase-field coefficients from interface energy, width and i0.

    Attributes:
        length: l = sqrt(kappa / (2 W)), m; the 10-90 % width is 2 ln(9) l.
        barrier: W, J/m^3 (double well W xi^2 (1 - xi)^2).
        gradient: kappa, J/m (gradient energy kappa/2 |grad xi|^2).
        kinetic: L_eta, 1/s, calibrated so a planar front follows Butler-Volmer (chen2015).
        mobility: L_sigma, m^3/(J s).
    """

    length: float
    barrier: float
    gradient: float
    kinetic: float
    mobility: float


@dataclass(frozen=True)
class Derived:
    """All derived quantities of a case (SI units)."""

    f: float  # F/(R T), 1/V
    D_cation: float
    D_anion: float
    ambipolar_diffusivity: float
    transference_number: float
    conductivity: float
    regions: tuple[Region, ...]
    anode_top: float  # nominal anode surface height, m
    limiting_current: float  # A/m^2
    applied_current: float | None  # A/m^2 (galvanostatic; 0 open circuit) or None (others)
    sand_time: float | None  # s at the applied current, None when potentiostatic / protocol
    run_time: float  # s
    # dense Zn of the requested charge, m (protocol: the most the net plated charge reaches)
    deposit_thickness: float | None
    phase_field: PhaseField
    band_element_size: float  # m, interface width / elements across it
    protocol: tuple[ProtocolSegment, ...] = ()  # the steps of a protocol as run
    # temperature (zndeposit/case/temperature.py): i0 at the case temperature and at its
    # reference; D+, D- and the bulk conductivity at the electrolyte's reference temperature
    i0: float = 0.0  # A/m^2
    i0_reference: float = 0.0  # A/m^2
    D_cation_reference: float = 0.0
    D_anion_reference: float = 0.0
    conductivity_reference: float = 0.0  # S/m
    temperature: float = 298.15  # K, the case temperature (electrolyte.temperature)
    reference_temperature: float = 298.15  # K, of the transport data
    kinetics_reference_temperature: float = 298.15  # K, of i0
    activation_energy: float | None = None  # J/mol, E_a of i0 (None: i0 fixed)
    diffusivity_law: str = ""  # how D follows T, in words


def reference_diffusivities(el: Electrolyte) -> tuple[float, float]:
    """Pore-liquid (D+, D-) in m^2/s at the reference temperature, given or from (sigma, t+).

    The conductivity is the measured (effective) one of the electrolyte at
    ``reference_temperature`` T_ref, so ``sigma = e F^2/(R T_ref) (z+^2 D+ c+ +
    z-^2 D- c-)`` with e the host's porosity/tortuosity (1 for a liquid) and
    c+-, from electroneutrality.
    """
    if el.D_cation is not None and el.D_anion is not None:
        return el.D_cation, el.D_anion
    assert el.conductivity is not None and el.transference_number is not None
    zp, zm = el.cation_valence, el.anion_valence
    cp, cm = donnan_concentrations(el.concentration, el.fixed_charge_value, zp, zm)
    t_ref = el.reference_temperature
    scale = el.conductivity * GAS_CONSTANT * t_ref / (el.effective_factor * FARADAY**2)
    t = el.transference_number
    return t * scale / (zp**2 * cp), (1.0 - t) * scale / (zm**2 * cm)


def electrolyte_diffusivities(el: Electrolyte) -> tuple[float, float]:
    """Pore-liquid (D+, D-) in m^2/s at the case temperature (:mod:`zndeposit.case.temperature`).

    The reference values (:func:`reference_diffusivities`) times
    D(T)/D(T_ref); unchanged at T = T_ref.
    """
    dp, dm = reference_diffusivities(el)
    k = diffusivity_factor(el)
    return (dp, dm) if k == 1.0 else (dp * k, dm * k)


def donnan_concentrations(c_bulk: float, fixed: float, zp: int, zm: int) -> tuple[float, float]:
    """(c+, c-) in mol/m^3 of a region with fixed charge ``fixed`` in equilibrium with the bulk.

    The bulk salt (concentration c_bulk, no fixed charge) has c+ = c_bulk and
    c- = -zp c_bulk / zm; continuity of both electrochemical potentials gives
    c+ = c+0 exp(-zp psi), c- = c-0 exp(-zm psi) with psi = F dphi / (R T) set
    by electroneutrality ``zp c+ + zm c- + fixed = 0``.
    """
    cp0, cm0 = c_bulk, -zp * c_bulk / zm
    if fixed == 0.0:
        return cp0, cm0

    def charge(psi: float) -> float:
        return zp * cp0 * math.exp(-zp * psi) + zm * cm0 * math.exp(-zm * psi) + fixed

    lo, hi = -50.0, 50.0  # charge() decreases monotonically in psi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if charge(mid) > 0 else (lo, mid)
    psi = 0.5 * (lo + hi)
    return cp0 * math.exp(-zp * psi), cm0 * math.exp(-zm * psi)


def ambipolar(dp: float, dm: float, cp: float, cm: float, zp: int, zm: int) -> float:
    """Salt (ambipolar) diffusivity, m^2/s.

    ``(zp^2 c+ + zm^2 c-) D+ D- / (zp^2 c+ D+ + zm^2 c- D-)``.
    """
    return (zp**2 * cp + zm**2 * cm) * dp * dm / (zp**2 * cp * dp + zm**2 * cm * dm)


def _region(
    name: str, y0: float, y1: float, layer: PorousLayer, case: Case, kf: float, hf: float = 1.0
) -> Region:
    el = case.electrolyte
    zp, zm = el.cation_valence, el.anion_valence
    d_el = reference_diffusivities(el)
    dp = layer.D_cation if layer.D_cation is not None else d_el[0]
    dm = layer.D_anion if layer.D_anion is not None else d_el[1]
    k = diffusivity_factor(el)  # a layer's own D: its pore liquid follows the electrolyte's
    if k != 1.0:
        dp, dm = dp * k, dm * k
    fixed = layer.fixed_charge_value
    cp, cm = donnan_concentrations(el.concentration, fixed, zp, zm)
    e = layer.effective_factor
    mob_p, mob_m = zp**2 * dp * cp, zm**2 * dm * cm
    f = FARADAY / (GAS_CONSTANT * el.temperature)
    return Region(
        name=name,
        y_bottom=y0,
        y_top=y1,
        porosity=layer.porosity,
        tortuosity=layer.tortuosity_value,
        effective_factor=e,
        fixed_charge=fixed,
        D_cation=dp,
        D_anion=dm,
        c_cation=cp,
        c_anion=cm,
        conductivity=e * FARADAY * f * (mob_p + mob_m),
        transference_number=mob_p / (mob_p + mob_m),
        ambipolar_diffusivity=ambipolar(dp, dm, cp, cm, zp, zm),
        kinetic_factor=kf,
        hydrogen_factor=hf,
    )


def region_stack(case: Case) -> tuple[Region, ...]:
    """Electrolyte-filled regions from the anode surface up (coatings, gap, separator, bulk)."""
    y = case.anode.thickness
    out = []
    n = len(case.coatings)
    for i, coat in enumerate(case.coatings):
        out.append(
            _region(
                tags.coating_name(i, n),
                y,
                y + coat.thickness,
                coat,
                case,
                coat.kinetic_factor,
                coat.hydrogen_factor or 1.0,
            )
        )
        y += coat.thickness
    if case.gap is not None:
        out.append(_region(tags.GAP, y, y + case.gap.thickness, case.electrolyte, case, 1.0))
        y += case.gap.thickness
    if case.separator is not None:
        sep = case.separator
        out.append(_region(tags.SEPARATOR, y, y + sep.thickness, sep, case, sep.kinetic_factor))
        y += sep.thickness
    out.append(_region(tags.BULK, y, max(y, case.domain.height), case.electrolyte, case, 1.0))
    return tuple(out)


def _cation_at(mu: np.ndarray, mu_anion: float, fixed: float, zp: int, zm: int) -> np.ndarray:
    """c+ (mol/m^3) for cation electrochemical potential mu = ln c+ + zp psi, anion at rest."""
    lo, hi = np.full_like(mu, -200.0), np.full_like(mu, 200.0)
    for _ in range(120):
        mid = 0.5 * (lo + hi)
        charge = zp * np.exp(mu - zp * mid) + zm * np.exp(mu_anion - zm * mid) + fixed
        pos = charge > 0
        lo, hi = np.where(pos, mid, lo), np.where(pos, hi, mid)
    return np.exp(mu - zp * 0.5 * (lo + hi))


def limiting_current(case: Case, regions: tuple[Region, ...] | None = None) -> float:
    """Steady limiting current density, A/m^2, through the region stack.

    Steady state with the anion at rest (zero flux, so its electrochemical
    potential is uniform) and the cation flux N = -e D+ c+ d(mu+)/dy.
    Integrating from the reservoir (mu+ = ln c_bulk) down to the anode through
    every region gives N(mu+ at the anode); the limit is N as mu+ -> -inf.
    A region with negative fixed charge keeps c+ >= -X/z+, so it never limits.
    With a Zn counter electrode the cell is taken as symmetric: the
    reservoir sits at the mid-plane, which doubles the limit of a uniform cell.
    """
    regions = regions or region_stack(case)
    el = case.electrolyte
    zp, zm = el.cation_valence, el.anion_valence
    mu_a = math.log(-zp * el.concentration / zm)
    mu_top = math.log(el.concentration)
    mu = np.linspace(mu_top, mu_top - 60.0, 24001)
    anode = regions[0].y_bottom
    span = case.domain.height - anode
    cutoff = anode + (0.5 * span if case.top.kind == "counter_electrode" else span)
    resistance_weighted = []
    for r in reversed(regions):  # from the reservoir down to the anode
        length = max(0.0, min(r.y_top, cutoff) - r.y_bottom)
        if length <= 0.0:
            continue
        c = _cation_at(mu, mu_a, r.fixed_charge, zp, zm)
        # capacity of the region: integral of c+ d(mu) from the top down to -inf
        cap = np.concatenate([[0.0], np.cumsum(0.5 * (c[1:] + c[:-1]) * -np.diff(mu))])
        resistance_weighted.append((length / (r.effective_factor * r.D_cation), cap))

    # Flux N is limited when the sum over regions of the mu-drop reaches -inf.
    # Each region passes N if N * L/(e D) <= capacity drawn from its top mu; walk down.
    def feasible(n_flux: float) -> bool:
        mu_k = mu_top
        for res, cap in resistance_weighted:
            need = float(np.interp(-mu_k, -mu, cap)) + n_flux * res
            if need > cap[-1] * (1 - 1e-9):
                return False
            mu_k = float(np.interp(need, cap, mu))
        return True

    lo, hi = 0.0, 1.0
    while feasible(hi) and hi < 1e12:
        hi *= 2.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if feasible(mid) else (lo, mid)
    return zp * FARADAY * lo


def sand_time(region: Region, current_density: float, c_bulk: float, zp: int) -> float:
    """Sand's time, s, of a semi-infinite binary electrolyte under constant current.

    ``t_s = pi D (zp F c0)^2 / (4 (i t_-)^2)`` with the pore-scale current
    i/porosity and pore diffusivity D/tortuosity of the region.
    """
    t_minus = 1.0 - region.transference_number
    if t_minus <= 1e-12:
        return math.inf
    i_pore = current_density / region.porosity
    d = region.ambipolar_diffusivity / region.tortuosity
    return math.pi * d * (zp * FARADAY * c_bulk) ** 2 / (4.0 * (i_pore * t_minus) ** 2)


def phase_field_coefficients(case: Case) -> PhaseField:
    """W, kappa, L_eta from interface energy gamma (J/m^2), width (m) and i0 (A/m^2).

    With g = xi^2 (1 - xi)^2 the planar equilibrium profile is
    xi = (1 - tanh(x / (2 l))) / 2 with l = sqrt(kappa / (2 W)); its 10-90 %
    width is 2 ln(9) l and its energy gamma = sqrt(2 kappa W) / 6, so
    W = 3 gamma / l and kappa = 6 gamma l. A planar front driven by the
    -L_eta h'(xi) [BV bracket] term travels at v = 6 l L_eta |bracket|: the
    solvability condition projects the Allen-Cahn equation on the translation
    mode xi0' (the Allen-Cahn operator is orthogonal to it), giving
    v integral(xi0'^2) = L_eta |bracket| integral(h'(xi0) |xi0'|) with
    integral(xi0'^2 dx) = 1/(6 l) and integral(h' |xi0'| dx) = 1. Equating v with
    i0 |bracket| / (n F rho_m) gives L_eta = i0 / (6 l n F rho_m).
    """
    itf = case.interface
    length = itf.width / (2.0 * LN9)
    i0 = exchange_current_density(case)  # at the case temperature
    return PhaseField(
        length=length,
        barrier=3.0 * itf.energy / length,
        gradient=6.0 * itf.energy * length,
        kinetic=i0 / (6.0 * length * ZN_ELECTRONS * FARADAY * ZN_MOLAR_DENSITY),
        mobility=itf.mobility,
    )


def derive(case: Case) -> Derived:
    """Compute every derived quantity of a case."""
    el = case.electrolyte
    zp = el.cation_valence
    dp, dm = electrolyte_diffusivities(el)
    dp_ref, dm_ref = reference_diffusivities(el)
    regions = region_stack(case)
    bulk = regions[-1]
    ctl = case.control
    # open circuit: zero net current (no Sand's time, nothing plated)
    i_app = 0.0 if ctl.mode == "open_circuit" else ctl.current_density
    i_app = i_app if ctl.mode in ("galvanostatic", "open_circuit") else None
    charge = (
        ctl.capacity
        if ctl.capacity is not None
        else (i_app * ctl.run_time if i_app is not None else None)
    )
    segments = protocol_segments(case)
    run_time = segments[-1].end if segments else ctl.run_time
    if segments:  # the tallest the deposit gets: the largest net plated charge
        net, charge = 0.0, 0.0
        for seg in segments:
            net += seg.charge
            charge = max(charge, net)
    return Derived(
        f=FARADAY / (GAS_CONSTANT * el.temperature),
        D_cation=dp,
        D_anion=dm,
        ambipolar_diffusivity=bulk.ambipolar_diffusivity,
        transference_number=bulk.transference_number,
        conductivity=bulk.conductivity,
        regions=regions,
        anode_top=case.anode.thickness,
        limiting_current=limiting_current(case, regions),
        applied_current=i_app,
        sand_time=sand_time(bulk, i_app, el.concentration, zp) if i_app else None,
        run_time=run_time,
        deposit_thickness=zn_thickness_per_charge(charge) if charge is not None else None,
        phase_field=phase_field_coefficients(case),
        band_element_size=case.interface.width / case.mesh.elements_across_interface,
        protocol=segments,
        i0=exchange_current_density(case),
        i0_reference=case.kinetics.exchange_current_density,
        D_cation_reference=dp_ref,
        D_anion_reference=dm_ref,
        # sigma ~ D / T (Nernst-Einstein)
        conductivity_reference=bulk.conductivity
        * (el.temperature / el.reference_temperature)
        / diffusivity_factor(el),
        temperature=el.temperature,
        reference_temperature=el.reference_temperature,
        kinetics_reference_temperature=case.kinetics.reference_temperature,
        activation_energy=case.kinetics.activation_energy,
        diffusivity_law=diffusivity_law(el),
    )
