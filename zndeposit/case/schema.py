"""The case-file schema: pydantic models of every section, values in SI.

Quantities are written with units in the TOML file (``"5 um"``) and stored
here as SI floats (see :mod:`zndeposit.case.quantity`). Section order follows
the cell from the current collector up: domain, anode, coatings, gap,
separator, (bulk electrolyte fills the rest), top boundary.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, model_validator

from zndeposit.case.chemistry_schema import Chemistry
from zndeposit.case.control_schema import MAX_PROTOCOL_STEPS, Control, ProtocolStep
from zndeposit.case.quantity import (
    Concentration,
    CurrentDensity,
    Diffusivity,
    Length,
    Time,
    quantity,
)
from zndeposit.case.run_settings import MeshSettings, Numerics, Output
from zndeposit.case.section import Section

__all__ = [
    "MAX_PROTOCOL_STEPS",
    "ActivationEnergy",
    "Anode",
    "Case",
    "Coating",
    "Control",
    "Domain",
    "Electrolyte",
    "Fraction",
    "Gap",
    "Interface",
    "Kinetics",
    "Nucleus",
    "PorousLayer",
    "ProtocolStep",
    "Separator",
    "Surface",
    "Top",
    "Transference",
]

Fraction = Annotated[float, Field(gt=0.0, le=1.0)]
#: an activation energy, J/mol, written e.g. "35 kJ/mol" (0-150 kJ/mol)
ActivationEnergy = quantity("J/mol", "kJ/mol", ge=0.0, le=150e3)
Transference = Annotated[float, Field(gt=0.0, lt=1.0)]


class Domain(Section):
    """The 2D cross-section: x along the electrode, y from the current collector up."""

    width: Length(gt=0) = Field(description='domain width along the electrode, e.g. "50 um"')
    height: Length(gt=0) = Field(
        description="height from the current collector (bottom of the anode) to the top boundary"
    )
    sides: Literal["periodic", "no-flux"] = Field(
        "periodic", description="left/right boundaries: periodic or no-flux (symmetry)"
    )


class Surface(Section):
    """Initial anode surface profile y = anode.thickness + s(x)."""

    kind: Literal["flat", "sinusoidal", "random"] = Field("flat", description="surface profile")
    amplitude: Length(ge=0) | None = Field(None, description="sinusoidal: half peak-to-peak")
    wavelength: Length(gt=0) | None = Field(None, description="sinusoidal: period along x")
    rms: Length(ge=0) | None = Field(None, description="random: RMS roughness")
    correlation_length: Length(gt=0) | None = Field(
        None, description="random: Gaussian correlation length"
    )
    seed: int = Field(0, ge=0, description="random: seed of the roughness generator")

    @model_validator(mode="after")
    def _keys_match_kind(self) -> Surface:
        needs = {"sinusoidal": ("amplitude", "wavelength"), "random": ("rms", "correlation_length")}
        own = needs.get(self.kind, ())
        missing = [k for k in own if getattr(self, k) is None]
        foreign = [
            k for ks in needs.values() for k in ks if k not in own and getattr(self, k) is not None
        ]
        problems = []
        if missing:
            problems.append(f"kind = {self.kind!r} needs {', '.join(missing)}")
        if foreign:
            problems.append(f"{', '.join(foreign)} do(es) not apply to kind = {self.kind!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Nucleus(Section):
    """An explicit Zn nucleus (protrusion) sitting on the initial surface."""

    x: Length(ge=0) = Field(description="centre position along the electrode from the left side")
    radius: Length(gt=0) = Field(description="half width at the base (radius of a semicircle)")
    height: Length(gt=0) | None = Field(
        None, description="height above the surface (default radius)"
    )
    shape: Literal["semicircle", "ellipse", "rectangle", "triangle"] = Field(
        "semicircle", description="cross-section of the nucleus"
    )

    @property
    def top(self) -> float:
        """Height of the nucleus above the local surface, m."""
        return self.height if self.height is not None else self.radius

    @model_validator(mode="after")
    def _semicircle_height(self) -> Nucleus:
        if self.shape == "semicircle" and self.height is not None:
            if not math.isclose(self.height, self.radius, rel_tol=1e-9):
                raise ValueError(
                    "a semicircle has height = radius; use shape = 'ellipse' for another height"
                )
        return self


class Anode(Section):
    """The Zn metal anode on the current collector."""

    thickness: Length(gt=0) = Field(description="mean Zn thickness above the current collector")
    surface: Surface = Field(default_factory=Surface)
    nuclei: list[Nucleus] = Field(default_factory=list)


class PorousLayer(Section):
    """Properties shared by every porous region (coating, separator, electrolyte host).

    Effective transport factor ``e = porosity / tortuosity``; fixed charge X in
    mol/m^3 of elementary charges (negative: cation selective).
    """

    porosity: Fraction = Field(1.0, description="volume fraction of pore liquid, (0, 1]")
    tortuosity: float | None = Field(None, ge=1.0, description="tortuosity factor >= 1")
    bruggeman: float | None = Field(
        None, ge=0.0, description="Bruggeman exponent b: tortuosity = porosity^-b"
    )
    fixed_charge: Concentration() | None = Field(
        None, description='fixed charge of the host per pore volume, e.g. "-0.5 mol/L"'
    )
    ion_exchange_capacity: quantity("mol/kg", "mmol/g", ge=0) | None = Field(
        None, description='ion-exchange capacity of the host, e.g. "0.9 mmol/g" (with host_density)'
    )
    host_density: quantity("kg/m^3", "g/cm^3", gt=0) | None = Field(
        None, description='dry density of the host solid, e.g. "2.0 g/cm^3"'
    )
    D_cation: Diffusivity(gt=0) | None = Field(None, description="Zn2+ diffusivity override")
    D_anion: Diffusivity(gt=0) | None = Field(None, description="anion diffusivity override")

    @model_validator(mode="after")
    def _exclusive_choices(self) -> PorousLayer:
        problems = []
        if self.tortuosity is not None and self.bruggeman is not None:
            problems.append("give either tortuosity or bruggeman, not both")
        if self.fixed_charge is not None and self.ion_exchange_capacity is not None:
            problems.append("give either fixed_charge or ion_exchange_capacity, not both")
        if (self.ion_exchange_capacity is None) != (self.host_density is None):
            problems.append("ion_exchange_capacity and host_density go together")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def tortuosity_value(self) -> float:
        """Tortuosity, - (Bruggeman with b = 0.5 when neither key is given)."""
        if self.tortuosity is not None:
            return self.tortuosity
        b = self.bruggeman if self.bruggeman is not None else 0.5
        return self.porosity ** (-b)

    @property
    def effective_factor(self) -> float:
        """Effective transport factor porosity / tortuosity, -."""
        return self.porosity / self.tortuosity_value

    @property
    def fixed_charge_value(self) -> float:
        """Fixed charge per pore volume, mol/m^3 of elementary charges.

        From an ion-exchange capacity (monovalent fixed groups):
        ``X = -IEC * rho_host * (1 - porosity) / porosity``.
        """
        if self.fixed_charge is not None:
            return self.fixed_charge
        if self.ion_exchange_capacity is not None and self.host_density is not None:
            if self.porosity >= 1.0:
                return 0.0
            solid_per_pore = self.host_density * (1.0 - self.porosity) / self.porosity
            return -self.ion_exchange_capacity * solid_per_pore
        return 0.0


class Coating(PorousLayer):
    """Artificial interface layer / SEI directly on the anode."""

    name: str = Field("coating", description="label used in reports")
    preset: str | None = Field(None, description="materials-library preset filling unset keys")
    description: str = Field("", description="free text")
    thickness: Length(gt=0) = Field(description='coating thickness, e.g. "1 um"')
    kinetic_factor: float = Field(
        1.0, gt=0, description="multiplier on i0 where Zn grows into this layer"
    )
    hydrogen_factor: float | None = Field(
        None,
        gt=0,
        description="[chemistry]: multiplier on the hydrogen-evolution exchange currents where "
        "the interface lies in this layer (a coating that catalyses or suppresses HER; "
        "unset: 1)",
    )


class Gap(Section):
    """Free electrolyte between coating and separator."""

    thickness: Length(gt=0) = Field(description='gap thickness, e.g. "5 um"')


class Separator(PorousLayer):
    """Separator: homogenised porous layer, or resolved fibres cut out of the mesh."""

    preset: str | None = Field(None, description="materials-library preset filling unset keys")
    description: str = Field("", description="free text")
    kind: Literal["homogenised", "resolved"] = Field(
        "homogenised", description="porous continuum, or fibres cut out of the mesh"
    )
    thickness: Length(gt=0) = Field(description='separator thickness, e.g. "260 um"')
    kinetic_factor: float = Field(1.0, gt=0, description="multiplier on i0 inside the separator")
    fibre_diameter: Length(gt=0) | None = Field(None, description="resolved: mean fibre diameter")
    fibre_diameter_spread: Length(ge=0) = Field(
        "0 um", description="resolved: standard deviation of the fibre diameter"
    )
    seed: int = Field(0, ge=0, description="resolved: seed of the fibre placement")

    @model_validator(mode="after")
    def _resolved_keys(self) -> Separator:
        if self.kind == "resolved":
            problems = []
            if self.fibre_diameter is None:
                problems.append("kind = 'resolved' needs fibre_diameter")
            if self.tortuosity is not None or self.bruggeman is not None:
                problems.append("resolved fibres give the tortuosity: remove tortuosity/bruggeman")
            if self.porosity >= 1.0:
                problems.append("kind = 'resolved' needs a target porosity < 1")
            if problems:
                raise ValueError("; ".join(problems))
        return self


class Top(Section):
    """Top boundary: a bulk reservoir or a Zn counter electrode."""

    kind: Literal["reservoir", "counter_electrode"] = Field(
        "reservoir", description="bulk reservoir (c = c_bulk, phi = 0) or Zn counter electrode"
    )
    exchange_current_density: CurrentDensity(gt=0) | None = Field(
        None, description="counter electrode i0 (default: the anode's)"
    )


class Electrolyte(PorousLayer):
    """The electrolyte filling the pores (liquid, hydrogel or solid).

    Transport by ion diffusivities (D_cation, D_anion) or by conductivity
    and Zn2+ transference number; the two are converted with dilute
    Nernst-Planck theory (see :mod:`zndeposit.case.derived`).
    """

    preset: str | None = Field(None, description="materials-library preset filling unset keys")
    description: str = Field("", description="free text")
    kind: Literal["liquid", "hydrogel", "solid"] = Field("liquid", description="electrolyte class")
    salt: str = Field("", description="salt formula, informative")
    cation_valence: int = Field(2, ge=1, description="charge number of the cation (Zn2+: 2)")
    anion_valence: int = Field(-2, le=-1, description="charge number of the anion (SO4 2-: -2)")
    concentration: Concentration(gt=0) = Field(description='salt concentration, e.g. "2 mol/L"')
    temperature: quantity("K", "degC", gt=0) = Field(
        "25 degC",
        description='temperature of the case, e.g. "25 degC"; i0 and the diffusivities follow '
        "it from their reference temperatures (aqueous: -10 to 90 degC)",
    )
    reference_temperature: quantity("K", "degC", gt=0) = Field(
        "25 degC",
        description="temperature at which conductivity or D_cation/D_anion were measured",
    )
    diffusion_activation_energy: ActivationEnergy | None = Field(
        None,
        description='E_D: D(T) = D_ref exp(-(E_D/R)(1/T - 1/T_ref)), e.g. "19 kJ/mol" '
        "(default: Stokes-Einstein with the viscosity of water for a liquid or hydrogel; "
        "needed for a solid away from its reference temperature)",
    )
    conductivity: quantity("S/m", "mS/cm", gt=0) | None = Field(
        None, description='ionic conductivity, e.g. "46.4 mS/cm" (with transference_number)'
    )
    transference_number: Transference | None = Field(None, description="Zn2+ transference number")
    stability_window: quantity("V", "V", gt=0) | None = Field(None, description="informative")
    migration_barrier: quantity("J", "eV", gt=0) | None = Field(None, description="informative")

    @model_validator(mode="after")
    def _one_transport_pair(self) -> Electrolyte:
        by_d = (self.D_cation is not None, self.D_anion is not None)
        by_sigma = (self.conductivity is not None, self.transference_number is not None)
        if any(by_d) and any(by_sigma):
            raise ValueError(
                "give either (D_cation, D_anion) or (conductivity, transference_number), not both"
            )
        if not all(by_d) and not all(by_sigma):
            raise ValueError(
                "give transport as (D_cation and D_anion) or (conductivity and transference_number)"
            )
        if (
            self.kind == "solid"
            and self.diffusion_activation_energy is None
            and self.temperature != self.reference_temperature
        ):
            raise ValueError(
                "a solid electrolyte away from its reference_temperature needs "
                'diffusion_activation_energy (e.g. "29 kJ/mol" = 0.3 eV): the water-viscosity '
                "law of liquids does not apply"
            )
        return self


class Kinetics(Section):
    """Butler-Volmer kinetics of Zn2+ + 2e- = Zn at the anode."""

    preset: str | None = Field(None, description="materials-library preset filling unset keys")
    description: str = Field("", description="free text")
    exchange_current_density: CurrentDensity(gt=0) = Field(
        description='i0 at reference_temperature, e.g. "1 mA/cm^2"'
    )
    activation_energy: ActivationEnergy | None = Field(
        None,
        description="E_a of Zn2+ deposition (desolvation): i0(T) = i0 exp(-(E_a/R)(1/T - "
        '1/T_ref)) at electrolyte.temperature, e.g. "35 kJ/mol" (none: i0 does not change)',
    )
    reference_temperature: quantity("K", "degC", gt=0) = Field(
        "25 degC", description="temperature at which exchange_current_density holds"
    )
    alpha_anodic: float = Field(0.75, gt=0, le=1, description="anodic transfer coefficient")
    alpha_cathodic: float = Field(0.25, gt=0, le=1, description="cathodic transfer coefficient")
    reference_concentration: Concentration(gt=0) | None = Field(
        None, description="c_ref of the BV cathodic term (default: electrolyte concentration)"
    )
    noise: float = Field(
        0.0,
        ge=0,
        le=2,
        description="seeded heterogeneity of i0 over the surface: standard deviation of "
        "ln(i0 / i0_mean), e.g. 0.1 (0: off); breaks the symmetry of a flat electrode",
    )
    noise_length: Length(gt=0) | None = Field(
        None, description="correlation length of the i0 heterogeneity (default: interface width)"
    )
    noise_interval: Time(gt=0) | None = Field(
        None, description="redraw the i0 heterogeneity every interval (default: frozen in space)"
    )
    noise_seed: int = Field(
        0, ge=0, description="seed of the i0 heterogeneity (same seed: same run)"
    )


class Interface(Section):
    """Diffuse Zn/electrolyte interface: energy, numerical width, anisotropy."""

    preset: str | None = Field(None, description="materials-library preset filling unset keys")
    description: str = Field("", description="free text")
    energy: quantity("J/m^2", "J/m^2", gt=0) = Field(description='e.g. "0.5 J/m^2"')
    width: Length(gt=0) = Field(description="10-90 % width of the diffuse interface")
    anisotropy: float = Field(0.0, ge=0, lt=1, description="surface-energy anisotropy strength")
    kinetic_anisotropy: float = Field(0.0, ge=0, lt=1, description="anisotropy of i0")
    fold: int = Field(6, ge=1, description="symmetry fold (6 for hcp Zn)")
    angle: quantity("rad", "deg") = Field("0 deg", description="crystal orientation theta0")
    formulation: Literal["sharp", "chen2015"] = Field(
        "sharp", description="sharp-interface consistent (default) or Chen et al. 2015"
    )
    mobility: quantity("m^3/(J*s)", "m^3/(J*s)", gt=0) = Field(
        "1e-6 m^3/(J*s)", description="Allen-Cahn mobility L_sigma (keeps the profile)"
    )
    profile_flux: Literal["full", "normal"] = Field(
        "full",
        description="profile-restoring flux of the sharp formulation: full (default, robust "
        "at 8 elements per width, but its lagged tangential part smooths um modes far "
        "more than Gibbs-Thomson does) or normal (along n inside the interface: the "
        "capillary decay of um modes is right from 16 elements per width on; pins to "
        "the grid below 12; docs/solver.md)",
    )


class Case(Section):
    """A complete zndeposit case (the root of the TOML file)."""

    title: str = Field(description="one line saying what the case shows")
    description: str = Field("", description="free text")
    domain: Domain
    anode: Anode
    coatings: list[Coating] = Field(default_factory=list)
    gap: Gap | None = None
    separator: Separator | None = None
    top: Top = Field(default_factory=Top)
    electrolyte: Electrolyte
    kinetics: Kinetics
    interface: Interface
    chemistry: Chemistry | None = None
    control: Control
    mesh: MeshSettings = Field(default_factory=MeshSettings)
    numerics: Numerics = Field(default_factory=Numerics)
    output: Output = Field(default_factory=Output)
