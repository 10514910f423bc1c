"""The coupled deposition model: residual forms of (xi, u, psi) and the galvanostatic constraint.

Scaled unknowns: xi (phase field), u = ln(c / c_bulk) with c the bulk-equivalent
salt concentration (so c = c_bulk exp(u) > 0 by construction), psi = F phi/(R T);
the electrode potential enters as psi_E = F E / (R T) (a global unknown
under galvanostatic control). Time discretisation: backward Euler.

Equations (each multiplied by dt, divided by c_bulk or F c_bulk, and by l^2
so residual entries are O(1); s = 1 - h(xi), s_d = s + metal_share, c+ the
pore-liquid Zn2+ of c = c_bulk exp(u); sharp formulation, the default):

    R = -i0/(n F rho_m) k w(xi) BV(eta_eff, c)      (Faradaic rate of xi, 1/s; w: reaction_weight)
    porosity (xi - xi_n) - dt div(porosity L_sigma kappa F) - dt porosity R = 0,
        F = grad xi + xi (1 - xi)/l n (profile flux "full"; "normal": along n inside
        the interface, interface.profile_flux, see profile_flux_residual)
    porosity s_d (c+ - c+_n) + dt div(s_d N+) + porosity (rho_m dt R - 2 c+ s (xi - xi_n)) = 0
    dt div(s_d i) + n porosity rho_m dt R = 0                      (charge, i/(F c_bulk))

The reaction R draws Zn2+ and charge exactly where it deposits metal, and its
cathodic part is proportional to c, so the sink vanishes with the salt: at
depletion c -> 0 stays positive and the equations stay solvable. The profile
flux conserves integral(porosity xi) and deposits nothing, so deposited Zn =
rho_m * integral(porosity xi) and Faraday's law holds exactly with the
constraint n F rho_m d/dt integral(porosity xi) = I_applied * width. The
-2 c+ s dxi term returns the salt of the pore liquid that the metal displaces.

``chen2015`` (literature reproduction) keeps the published Allen-Cahn
equation (xi - xi_n) + dt L_sigma [W g' - div(kappa(n) grad xi ...)]
+ dt L_eta k h' BV = 0, in which every change of xi is deposit: its sink is
2 porosity rho_m s (xi - xi_n) = porosity rho_m dq(xi), its Faraday measure
integral(porosity q(xi)) (:func:`~zndeposit.physics.interface.deposit_measure`).
It does not keep c positive at depletion (Allen-Cahn motion draws salt
whatever c is).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ufl

from zndeposit.physics import chemistry as chm
from zndeposit.physics import interface as itf
from zndeposit.physics.kinetics import bv_bracket
from zndeposit.physics.parameters import ModelParameters
from zndeposit.physics.species import ZHS_HYDROXIDE, ZHS_ZINC, ChemistryParameters
from zndeposit.physics.transport import (
    RegionCoefficients,
    anion_concentration,
    cation_concentration,
    fluxes,
    ionic_current,
    log_cation,
    salt,
)


@dataclass
class ModelState:
    """UFL handles of the unknowns and lagged quantities.

    Attributes:
        w: current mixed unknown (xi, u = ln(c/c_bulk), psi).
        w_n: previous step.
        psi_e: electrode potential F E/(R T), DG0 Function (global value).
        curvature: lagged curvature K = div(n), 1/m (from a projected normal).
        dt: time step, s (Constant).
        normal: lagged unit growth normal projected onto P1 (sharp formulation).
        kinetic_noise: seeded heterogeneity factor of i0 (P1 Function, mean 1), or None.
    """

    w: object
    w_n: object
    psi_e: object
    curvature: object
    dt: object
    normal: object = None
    kinetic_noise: object = None


@dataclass
class Measures:
    """Integration measures: consistent, lumped (vertex rule), exact-for-q, top boundary.

    ``dx`` carries the case's quadrature degree; ``dx_deposit`` integrates the
    degree-6 polynomial q(xi) of a P1 xi exactly (Faraday's law and the
    galvanostatic constraint read the same deposit).
    """

    dx: ufl.Measure
    dx_lumped: ufl.Measure
    ds_top: ufl.Measure | None
    dx_deposit: ufl.Measure


@dataclass
class ModelForms:
    """Residual F (rank 1), galvanostatic constraint G (rank 0 or None), output expressions."""

    residual: ufl.Form
    constraint: ufl.Form | None  # = constraint_offset(dt, I, width) when satisfied
    current: ufl.core.expr.Expr  # i, A/m^2 (vector)
    interfacial_current: ufl.core.expr.Expr  # BV current density, A/m^2 (>0 anodic)
    cation: ufl.core.expr.Expr  # c+, mol/m^3
    anion: ufl.core.expr.Expr  # c-, mol/m^3
    deposit: ufl.core.expr.Expr  # Zn per volume / rho_m: porosity xi (chen2015: porosity q)
    salt: ufl.core.expr.Expr  # c / c_bulk = exp(u), bulk-equivalent salt (scaled)
    n_f_eta: ufl.core.expr.Expr  # n F eta_eff / (R T)
    chemistry: ChemistryOutputs | None = None  # side chemistry only


def interfacial_bv(
    p: ModelParameters,
    st: ModelState,
    co: RegionCoefficients,
    chem: ChemistryParameters | None = None,
) -> tuple[ufl.core.expr.Expr, ufl.core.expr.Expr, ufl.core.expr.Expr]:
    """(kinetic factor k(n), BV bracket, n f eta_eff) at every point.

    With side chemistry k includes the share of the interface free of ZHS.
    """
    xi, u, psi = unknowns(st.w)
    normal = itf.growth_normal(xi, p.length)
    n_f_eta = p.n * (st.psi_e - psi)
    if p.formulation == "sharp":
        stiff = itf.stiffness_factor(normal, p.anisotropy, p.fold, p.angle)
        # eta_eff = eta + (gamma + gamma'') V_m K / (n F), times n f
        n_f_eta = n_f_eta + p.n * p.f * p.capillary_voltage * stiff * st.curvature
    log_r = log_cation(u, co, p.z_plus) - u if co.symmetric else 0.0
    bracket = bv_bracket(n_f_eta, u + math.log(p.c_bulk / p.c_ref), p.alpha_a, p.alpha_c, log_r)
    k = co.kinetic * itf.kinetic_factor(normal, p.kinetic_anisotropy, p.fold, p.angle)
    if st.kinetic_noise is not None:
        k = k * st.kinetic_noise
    if chem is not None:
        k = k * chm.free_area(chem, _species(p, st.w, chem), p.c_bulk)
    return k, bracket, n_f_eta


def unknowns(w: object) -> tuple[object, object, object]:
    """(xi, u, psi) of the mixed unknown (the side chemistry's q and n_p follow them)."""
    parts = ufl.split(w)
    return parts[0], parts[1], parts[2]


def _species(p: ModelParameters, w: object, chem: ChemistryParameters) -> chm.Species:
    """The four ions of a state with side chemistry (scaled by c_bulk)."""
    parts = ufl.split(w)
    return chm.species(chem, parts[1], parts[3], parts[4], p.c_bulk)


def build_forms(
    p: ModelParameters,
    st: ModelState,
    co: RegionCoefficients,
    ms: Measures,
    *,
    galvanostatic: bool = False,
    counter_i0: float | None = None,
    chem: ChemistryParameters | None = None,
) -> ModelForms:
    """Residual of the coupled model and, under galvanostatic control, its constraint.

    Args:
        p: model parameters.
        st: unknowns and lagged fields.
        co: region coefficients (DG0).
        ms: measures.
        galvanostatic: also return the constraint on the electrode current (E unknown).
        counter_i0: exchange current density of a Zn counter electrode on the top
            boundary, A/m^2; None for a reservoir (Dirichlet conditions).
        chem: side chemistry (four ions, hydrogen evolution, ZHS), or None for the
            binary salt; the mixed unknown then has five components (xi, u, psi, q, n_p).
    """
    xi, u, psi = unknowns(st.w)
    xi_n, u_n, _ = unknowns(st.w_n)
    tests = ufl.TestFunctions(st.w.function_space)
    v_xi, v_c, v_psi = tests[0], tests[1], tests[2]
    dt, eps = st.dt, co.porosity
    zp, zm = p.z_plus, p.z_minus
    scale = 1.0 / p.length**2
    rho = p.rho_m / p.c_bulk
    s = 1 - itf.h(xi)
    s_d = s + p.metal_share
    dxi = xi - xi_n

    k, bracket, n_f_eta = interfacial_bv(p, st, co, chem)
    sharp = p.formulation == "sharp"
    dep, deposit = _deposition(p, st, co, k, bracket)

    chem_out = None
    if chem is None:
        cp, cp_n = cation_concentration(u, co, zp), cation_concentration(u_n, co, zp)
        cur = ionic_current(u, psi, co, zp, zm)
        n_plus, _ = fluxes(u, psi, co, zp, zm)
        anion = anion_concentration(u, co, zp)
        # cation conservation (the -c+ part: the pore liquid the metal displaces)
        res_c = eps * s_d * (cp - cp_n) * v_c * ms.dx_lumped
        res_c += -dt * s_d * ufl.dot(n_plus, ufl.grad(v_c)) * ms.dx
        res_c += eps * (rho * dep - 2 * cp * s * dxi) * v_c * ms.dx_lumped
        res_psi = _charge_residual(p, st, co, dep, v_psi, ms.dx, ms.dx_lumped)
    else:
        sp = _species(p, st.w, chem)
        ions = _ion_fluxes(p, st.w, co, chem)
        cp, cur, anion = sp.zn, ions.current, sp.sulfate
        v_q, v_p = tests[3], tests[4]
        res_zn, res_q = species_residuals(p, st, co, chem, dep, v_c, v_q, ms.dx, ms.dx_lumped)
        res_psi = _charge_residual(p, st, co, dep, v_psi, ms.dx, ms.dx_lumped, chem)
        # ZHS per total volume: a rate law at every node
        zhs = chm.zhs_rate(chem, sp, u, p.c_bulk)  # per liquid volume
        res_p = ((sp.zhs - unknown(st.w_n, 4)) - dt * eps * s_d * zhs) * v_p * ms.dx_lumped
        res_c = res_zn + (p.c_bulk / chem.c_proton_bulk) * res_q + res_p
        chem_out = ChemistryOutputs(
            her_current=co.hydrogen
            * chm.her_current(chem, sp, st.psi_e - psi, chm.free_area(chem, sp, p.c_bulk)),
            her_volume=(p.faraday * p.c_bulk) * eps * _her_source(p, st, co, chem),
            ph=-(sp.log_proton + math.log(chem.c_proton_bulk / 1000.0)) / math.log(10.0),
            hydroxide=p.c_bulk * sp.hydroxide,
            zn_hydroxide=p.c_bulk * sp.zn_hydroxide,
            zhs_fraction=chm.zhs_volume_fraction(chem, sp, p.c_bulk),
            zhs_content=p.c_bulk * sp.zhs,
            free_area=chm.free_area(chem, sp, p.c_bulk),
            zhs_log_saturation=chm.zhs_log_saturation(chem, sp, u, p.c_bulk),
        )
    # phase field
    if sharp:  # weighted by porosity: conserves integral(porosity xi) across regions too
        res_xi = eps * (dxi - dep) * v_xi * ms.dx_lumped
        res_xi += (
            dt
            * p.mobility
            * itf.profile_flux_residual(
                xi, v_xi, st.normal, p.gradient, p.length, ms.dx, eps, p.profile_flux
            )
        )
    else:  # chen2015: exact variational derivative of the (anisotropic) free energy
        energy = (
            itf.free_energy_density(
                xi, p.barrier, p.gradient, p.length, p.anisotropy, p.fold, p.angle
            )
            * ms.dx
        )
        res_xi = dxi * v_xi * ms.dx_lumped
        res_xi += dt * p.mobility * ufl.derivative(energy, st.w, _component(st.w, v_xi))
        # L_eta h'(xi) BV, L_eta from the Allen-Cahn solvability (6 l)
        res_xi += dt * p.kinetic * k * itf.dh(xi) * bracket * v_xi * ms.dx_lumped

    if counter_i0 is not None and ms.ds_top is not None:
        # Zn counter electrode at E = 0 on the top: anodic current i_ce enters the cell
        n_f_eta_ce = -p.n * psi
        i_ce = (counter_i0 / (p.faraday * p.c_bulk)) * bv_bracket(
            n_f_eta_ce, u + math.log(p.c_bulk / p.c_ref), p.alpha_a, p.alpha_c
        )
        res_c += -dt * (i_ce / zp) * v_c * ms.ds_top
        res_psi += -dt * i_ce * v_psi * ms.ds_top

    residual = scale * (res_xi + res_c + res_psi)
    constraint = None
    if galvanostatic:
        change = dxi if sharp else itf.deposit_measure(xi) - itf.deposit_measure(xi_n)
        constraint = scale * p.n * rho * eps * change * ms.dx_deposit
        if chem is not None:  # the electrode current includes hydrogen evolution
            constraint += -scale * dt * eps * _her_source(p, st, co, chem) * ms.dx_lumped
    return ModelForms(
        residual=residual,
        constraint=constraint,
        current=(p.faraday * p.c_bulk) * s_d * cur,
        interfacial_current=p.i0 * k * bracket,
        cation=p.c_bulk * cp,
        anion=p.c_bulk * anion,
        salt=salt(u),
        deposit=deposit,
        n_f_eta=n_f_eta,
        chemistry=chem_out,
    )


@dataclass
class ChemistryOutputs:
    """Output expressions of the side chemistry (UFL)."""

    her_current: ufl.core.expr.Expr  # i_H per interface area, A/m^2 (< 0)
    her_volume: ufl.core.expr.Expr  # porosity w(xi) i_H, A/m^3 (integral / width: A/m^2)
    ph: ufl.core.expr.Expr  # -log10(c_H / 1 M)
    hydroxide: ufl.core.expr.Expr  # c_OH, mol/m^3
    zn_hydroxide: ufl.core.expr.Expr  # c_ZnOH, mol/m^3 (0 without hydrolysis)
    zhs_fraction: ufl.core.expr.Expr  # ZHS volume fraction, -
    zhs_content: ufl.core.expr.Expr  # ZHS per total volume, mol/m^3
    free_area: ufl.core.expr.Expr  # 1 - theta, -
    zhs_log_saturation: ufl.core.expr.Expr  # ln(IAP/K), -


def species_residuals(
    p: ModelParameters,
    st: ModelState,
    co: RegionCoefficients,
    chem: ChemistryParameters,
    dep: ufl.core.expr.Expr,
    v_zn: object,
    v_q: object,
    dx: ufl.Measure,
    dx_lumped: ufl.Measure,
) -> tuple[ufl.Form, ufl.Form]:
    """Dissolved-Zn and proton-excess balances tested with v_zn, v_q (scaled; no boundary terms).

    Storage is conservative, porosity (s_d c - s_d,n c_n): the pore liquid the
    metal displaces leaves with its ions, so the totals are exact. Dissolved Zn
    is Zn2+ + ZnOH+ (hydrolysis moves Zn between them and keeps q). Hydrogen
    evolution takes one proton excess per electron; ZHS takes 4 Zn and gives
    6 to the proton excess (it binds 6 OH-).
    """
    xi, u, _ = unknowns(st.w)
    xi_n, _, _ = unknowns(st.w_n)
    dt, eps = st.dt, co.porosity
    s_d = 1 - itf.h(xi) + p.metal_share
    s_d_n = 1 - itf.h(xi_n) + p.metal_share
    sp, sp_n = _species(p, st.w, chem), _species(p, st.w_n, chem)
    ions = _ion_fluxes(p, st.w, co, chem)
    zhs = chm.zhs_rate(chem, sp, u, p.c_bulk)  # per liquid volume
    rho = p.rho_m / p.c_bulk
    res_zn = eps * (s_d * sp.zinc - s_d_n * sp_n.zinc) * v_zn * dx_lumped
    res_zn += -dt * s_d * ufl.dot(ions.zn, ufl.grad(v_zn)) * dx
    res_zn += eps * (rho * dep + ZHS_ZINC * dt * s_d * zhs) * v_zn * dx_lumped
    res_q = eps * (s_d * sp.excess - s_d_n * sp_n.excess) * v_q * dx_lumped
    res_q += -dt * s_d * ufl.dot(ions.excess, ufl.grad(v_q)) * dx
    her = _her_source(p, st, co, chem)
    res_q += -dt * eps * (her + ZHS_HYDROXIDE * s_d * zhs) * v_q * dx_lumped
    return res_zn, res_q


def unknown(w: object, i: int) -> object:
    """Component i of the mixed unknown (3: q / c_H,bulk, the proton excess; 4: n_p)."""
    return ufl.split(w)[i]


def _ion_fluxes(
    p: ModelParameters, w: object, co: RegionCoefficients, chem: ChemistryParameters
) -> chm.IonFluxes:
    """Nernst-Planck fluxes of the four ions, with the pores narrowed by ZHS."""
    _, _, psi = unknowns(w)
    sp = _species(p, w, chem)
    effective = co.effective * chm.pore_factor(chem, sp, p.c_bulk)
    return chm.ion_fluxes(sp, ufl.grad(psi), effective, co.d_plus, co.d_minus, chem)


def _her_source(
    p: ModelParameters, st: ModelState, co: RegionCoefficients, chem: ChemistryParameters
) -> object:
    """w(xi) i_H / (F c_bulk): hydrogen evolution per volume of porosity, scaled, 1/s (< 0)."""
    xi, _, psi = unknowns(st.w)
    sp = _species(p, st.w, chem)
    i_h = chm.her_current(chem, sp, st.psi_e - psi, chm.free_area(chem, sp, p.c_bulk))
    return itf.reaction_weight(xi, p.length) * co.hydrogen * i_h / (p.faraday * p.c_bulk)


def _deposition(
    p: ModelParameters,
    st: ModelState,
    co: RegionCoefficients,
    k: ufl.core.expr.Expr,
    bracket: ufl.core.expr.Expr,
) -> tuple[ufl.core.expr.Expr, ufl.core.expr.Expr]:
    """(metal deposited in the step / rho_m per unit volume of porosity, deposit measure).

    Sharp: dt times the Faradaic rate of xi, 1/s (> 0 plating). The reaction
    weight integrates to one across the profile, so the front moves at exactly
    i_BV / (n F rho_m); the reaction draws Zn2+ and charge where it happens,
    and its cathodic part is proportional to c, so the sink vanishes with the
    salt (c > 0 at depletion). Deposit measure: porosity xi (the profile flux
    conserves its integral and deposits nothing). chen2015: xi moves by
    Allen-Cahn too and every change of xi is deposit, with the q'(xi) weight.
    """
    xi, _, _ = unknowns(st.w)
    xi_n, _, _ = unknowns(st.w_n)
    if p.formulation == "sharp":
        speed = p.i0 / (p.n * p.faraday * p.rho_m)  # m/s per unit BV bracket
        rate = -speed * k * itf.reaction_weight(xi, p.length) * bracket
        return st.dt * rate, co.porosity * xi
    s = 1 - itf.h(xi)
    return 2 * s * (xi - xi_n), co.porosity * itf.deposit_measure(xi)


def supply_current_form(
    p: ModelParameters,
    st: ModelState,
    co: RegionCoefficients,
    chi: object,
    dx: ufl.Measure,
    dx_lumped: ufl.Measure,
    chem: ChemistryParameters | None = None,
) -> ufl.Form:
    """Ionic current entering through the boundary where ``chi`` = 1, A/m (per unit depth).

    The consistent ("reaction") flux: the charge equation's volume terms tested
    with ``chi``, a P1 function equal to 1 on the boundary's nodes and 0 at
    every other node. At a converged state every interior row of the charge
    equation vanishes, so this is the current the boundary condition feeds in
    (Dirichlet reservoir or counter-electrode Butler-Volmer alike), exact to
    the Newton tolerance, unlike -i.n integrated from the P1 gradients (13.6 %
    off at a converged limiting current on a coarse mesh). Compared with the
    deposition current from the change of the deposit it checks charge
    conservation and convergence in every run, potentiostatic ones included.
    """
    k, bracket, _ = interfacial_bv(p, st, co, chem)
    dep, _ = _deposition(p, st, co, k, bracket)
    residual = _charge_residual(p, st, co, dep, chi, dx, dx_lumped, chem)
    return (p.faraday * p.c_bulk / st.dt) * residual


def _charge_residual(
    p: ModelParameters,
    st: ModelState,
    co: RegionCoefficients,
    dep: ufl.core.expr.Expr,
    v: object,
    dx: ufl.Measure,
    dx_lumped: ufl.Measure,
    chem: ChemistryParameters | None = None,
) -> ufl.Form:
    """Charge conservation tested with v: -dt s_d i.grad(v) + n porosity rho_m dep v (scaled).

    ``dep``: metal deposited in the step / rho_m (:func:`_deposition`); i / (F c_bulk).
    With side chemistry the four ions carry i and hydrogen evolution draws charge too.
    """
    xi, u, psi = unknowns(st.w)
    s_d = 1 - itf.h(xi) + p.metal_share
    if chem is None:
        cur = ionic_current(u, psi, co, p.z_plus, p.z_minus)
    else:
        cur = _ion_fluxes(p, st.w, co, chem).current
    rho = p.rho_m / p.c_bulk
    flux = -st.dt * s_d * ufl.dot(cur, ufl.grad(v)) * dx
    source = p.n * co.porosity * rho * dep * v * dx_lumped
    if chem is not None:
        source += -st.dt * co.porosity * _her_source(p, st, co, chem) * v * dx_lumped
    return flux + source


def constraint_offset(p: ModelParameters, dt: float, current: float, width: float) -> float:
    """Value the assembled galvanostatic constraint must take: scaled charge of one step.

    ``n rho_m/c_b * integral(porosity dq) / l^2 = dt * I * width / (F c_b l^2)``.
    """
    return dt * current * width / (p.faraday * p.c_bulk * p.length**2)


def _component(w: object, v_xi: object) -> object:
    """Direction for ufl.derivative: v_xi in the xi slot of the mixed space, 0 elsewhere."""
    zero = ufl.as_ufl(0.0)
    return ufl.as_vector([v_xi] + [zero] * (w.ufl_shape[0] - 1))
