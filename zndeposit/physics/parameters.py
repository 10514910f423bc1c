"""Scalar model parameters in SI, gathered from a case (no DOLFINx)."""

from __future__ import annotations

from dataclasses import dataclass

from zndeposit.case.derived import Derived, Region, derive
from zndeposit.case.schema import Case
from zndeposit.case.temperature import exchange_current_density
from zndeposit.constants import (
    FARADAY,
    GAS_CONSTANT,
    ZN_ELECTRONS,
    ZN_MOLAR_DENSITY,
    ZN_MOLAR_VOLUME,
)

#: Electrolyte share kept in the metal so transport stays regular there (-).
METAL_SHARE = 1e-3


@dataclass(frozen=True)
class ModelParameters:
    """Everything the UFL model needs, SI units.

    Attributes:
        c_bulk: salt concentration of the reservoir / initial state, mol/m^3.
        z_plus, z_minus: ion charge numbers.
        n: electrons per Zn2+ (2).
        f: F / (R T), 1/V.
        temperature: K.
        rho_m: Zn molar density, mol/m^3.
        molar_volume: Zn molar volume, m^3/mol.
        gamma: interface energy, J/m^2.
        length: phase-field profile length l, m.
        barrier: W, J/m^3.
        gradient: kappa, J/m.
        mobility: L_sigma, m^3/(J s).
        kinetic: L_eta, 1/s.
        i0: exchange current density at the case temperature, A/m^2.
        alpha_a, alpha_c: transfer coefficients.
        c_ref: reference concentration of the BV cathodic term, mol/m^3.
        anisotropy: surface-energy anisotropy strength delta.
        kinetic_anisotropy: i0 anisotropy strength delta_k.
        fold: symmetry fold m.
        angle: crystal tilt from the surface normal theta0, rad.
        formulation: "sharp" or "chen2015".
        metal_share: regularising electrolyte share in the metal.
        regions: transport properties per region (see derive()).
        profile_flux: "full" or "normal", the profile flux of the sharp formulation
            (:func:`zndeposit.physics.interface.profile_flux_residual`).
    """

    c_bulk: float
    z_plus: int
    z_minus: int
    n: int
    f: float
    temperature: float
    rho_m: float
    molar_volume: float
    gamma: float
    length: float
    barrier: float
    gradient: float
    mobility: float
    kinetic: float
    i0: float
    alpha_a: float
    alpha_c: float
    c_ref: float
    anisotropy: float
    kinetic_anisotropy: float
    fold: int
    angle: float
    formulation: str
    metal_share: float
    regions: tuple[Region, ...]
    profile_flux: str = "full"

    @property
    def faraday(self) -> float:
        """Faraday constant, C/mol."""
        return FARADAY

    @property
    def capillary_voltage(self) -> float:
        """Gamma V_m / (n F), V m: Gibbs-Thomson shift per unit curvature (1/m)."""
        return self.gamma * self.molar_volume / (self.n * FARADAY)


def model_parameters(case: Case, derived: Derived | None = None) -> ModelParameters:
    """Collect the parameters of a validated case."""
    d = derived or derive(case)
    el, kin, itf = case.electrolyte, case.kinetics, case.interface
    pf = d.phase_field
    return ModelParameters(
        c_bulk=el.concentration,
        z_plus=el.cation_valence,
        z_minus=el.anion_valence,
        n=ZN_ELECTRONS,
        f=FARADAY / (GAS_CONSTANT * el.temperature),
        temperature=el.temperature,
        rho_m=ZN_MOLAR_DENSITY,
        molar_volume=ZN_MOLAR_VOLUME,
        gamma=itf.energy,
        length=pf.length,
        barrier=pf.barrier,
        gradient=pf.gradient,
        mobility=pf.mobility,
        kinetic=pf.kinetic,
        i0=exchange_current_density(case),  # at the case temperature
        alpha_a=kin.alpha_anodic,
        alpha_c=kin.alpha_cathodic,
        c_ref=kin.reference_concentration or el.concentration,
        anisotropy=itf.anisotropy,
        kinetic_anisotropy=itf.kinetic_anisotropy,
        fold=itf.fold,
        angle=itf.angle,
        formulation=itf.formulation,
        metal_share=METAL_SHARE,
        regions=d.regions,
        profile_flux=itf.profile_flux,
    )
