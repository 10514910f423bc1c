"""The ``[chemistry]`` section: side reactions of a ZnSO4 electrolyte (docs/chemistry.md).

Optional: without it the electrolyte is the binary salt of ``[electrolyte]``
and nothing changes. With it the solution also carries H+ and OH- (bulk pH),
hydrogen evolves at the Zn surface (``[chemistry.hydrogen]``) and zinc
hydroxide sulfate Zn4(OH)6SO4 (ZHS) precipitates where the solution is
supersaturated (``[chemistry.precipitate]``); Zn2+ hydrolyses to ZnOH+ at
equilibrium (``[chemistry.hydrolysis]``). Values are stored in SI; the
solver reads them as :class:`zndeposit.physics.species.ChemistryParameters`
(:func:`zndeposit.case.chemistry.chemistry_parameters`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from zndeposit.case.quantity import Diffusivity, quantity
from zndeposit.case.section import Section
from zndeposit.physics.species import ZN_HYDROLYSIS_LOG_K

Fraction = Annotated[float, Field(gt=0.0, le=1.0)]

#: defaults of ``[chemistry.precipitate]`` for kind = "zhs", SI (sources: docs/chemistry.md)
ZHS_DEFAULTS: dict[str, float] = {
    "log_k": 28.4,  # minteq.v4 / wateq4f [V]
    "rate": 1.0,  # mol/(m^3 s) [U]
    "molar_volume": 2.06e-4,  # m^3/mol, 549.8 g/mol / 2.67 g/cm^3 [D]
    "blocking_fraction": 0.1,  # - [U]
}
#: keys of ``[chemistry.precipitate]`` that describe the solid (none without one)
PRECIPITATE_KEYS = tuple(ZHS_DEFAULTS)


def HerCurrentDensity(**bounds: float):
    """Exchange current density of hydrogen evolution in A/m^2, written e.g. ``"1e-10 A/cm^2"``."""
    return quantity("A/m^2", "A/cm^2", **bounds)


class Hydrogen(Section):
    """Hydrogen evolution on Zn: proton and water reduction, cathodic Tafel kinetics."""

    enabled: bool = Field(
        True, description="false: no hydrogen evolution (both exchange current densities 0)"
    )
    exchange_current_density: HerCurrentDensity(gt=0) = Field(
        "1e-10 A/cm^2",
        description="i0 of proton reduction 2 H+ + 2 e- = H2 on Zn at the bulk pH "
        "(scales with c_H / c_H,bulk)",
    )
    water_exchange_current_density: HerCurrentDensity(ge=0) = Field(
        "1e-11 A/cm^2",
        description="i0 of water reduction 2 H2O + 2 e- = H2 + 2 OH- on Zn at water activity 1",
    )
    alpha: float = Field(
        0.5,
        gt=0.0,
        le=1.0,
        description="cathodic transfer coefficient of hydrogen evolution (0.5: 118 mV/dec at 25 "
        "degC)",
    )
    water_activity: Fraction = Field(
        1.0,
        description="water activity at the interface, (0, 1]: scales water reduction (hydrogels "
        "or additives that expel water from the inner Helmholtz plane lower it)",
    )
    proton_diffusivity: Diffusivity(gt=0) = Field(
        "9.31e-9 m^2/s", description="D of H+ in water at 25 degC (moved to the case temperature)"
    )
    hydroxide_diffusivity: Diffusivity(gt=0) = Field(
        "5.27e-9 m^2/s", description="D of OH- in water at 25 degC (moved to the case temperature)"
    )


class Precipitate(Section):
    """Precipitation of zinc hydroxide sulfate Zn4(OH)6SO4 (ZHS) from the solution."""

    kind: Literal["zhs", "none"] = Field(
        "zhs", description='"zhs": Zn4(OH)6SO4 precipitates and dissolves; "none": no solid'
    )
    log_k: float | None = Field(
        None,
        ge=0.0,
        le=100.0,
        description="log10 K of Zn4(OH)6SO4 + 6 H+ = 4 Zn2+ + 6 H2O + SO4 2- (default 28.4)",
    )
    rate: quantity("mol/(m^3*s)", "mol/(m^3*s)", gt=0) | None = Field(
        None,
        description='largest precipitation / dissolution rate per liquid volume (default "1 '
        'mol/(m^3*s)")',
    )
    molar_volume: quantity("m^3/mol", "cm^3/mol", gt=0) | None = Field(
        None, description='molar volume of the solid (default "206 cm^3/mol")'
    )
    blocking_fraction: float | None = Field(
        None,
        gt=0.0,
        le=1.0,
        description="ZHS volume fraction that blocks half of the interface (default 0.1)",
    )

    @model_validator(mode="after")
    def _defaults_of_kind(self) -> Precipitate:
        """Unset keys of kind "zhs" take :data:`ZHS_DEFAULTS` ("none" is checked in chemistry)."""
        if self.kind == "zhs":
            for key, value in ZHS_DEFAULTS.items():
                if getattr(self, key) is None:
                    setattr(self, key, value)
        return self


def ReactionEnthalpy(**bounds: float):
    """Reaction enthalpy in J/mol, written e.g. ``"56.07 kJ/mol"`` (either sign)."""
    return quantity("J/mol", "kJ/mol", **bounds)


class Hydrolysis(Section):
    """Hydrolysis of Zn2+ to ZnOH+ at equilibrium (Zn2+ + H2O = ZnOH+ + H+)."""

    enabled: bool = Field(
        True,
        description="Zn2+ hydrolysis buffers the pH above ~6 (ZnOH+ transported); false: no ZnOH+",
    )
    log_k: float = Field(
        ZN_HYDROLYSIS_LOG_K,
        gt=-20.0,
        lt=0.0,
        description="log10 K_h of Zn2+ + H2O = ZnOH+ + H+ at 25 degC, mol/L, -20 < log_k < 0 "
        "(moved to the case temperature by van 't Hoff with enthalpy)",
    )
    enthalpy: ReactionEnthalpy(ge=-200e3, le=200e3) = Field(
        "56.07 kJ/mol",
        description="reaction enthalpy of the hydrolysis (van 't Hoff), -200 ... 200 kJ/mol",
    )
    diffusivity: Diffusivity(gt=0) = Field(
        "7.15e-10 m^2/s",
        description="D of ZnOH+ in water at 25 degC (moved to the case temperature)",
    )


class Chemistry(Section):
    """Side chemistry of a ZnSO4 electrolyte: bulk pH, hydrogen evolution, ZHS, Zn2+ hydrolysis."""

    preset: str | None = Field(None, description="materials-library preset filling unset keys")
    description: str = Field("", description="free text")
    ph: float = Field(gt=0.0, lt=14.0, description="bulk pH of the electrolyte, 0 < pH < 14")
    activity_coefficient: Fraction = Field(
        1.0,
        description="mean activity coefficient of Zn2+ and SO4 2-, (0, 1] (ZHS saturation, Zn "
        "equilibrium potential; 1: ideal)",
    )
    hydrogen: Hydrogen = Field(default_factory=Hydrogen)
    precipitate: Precipitate = Field(default_factory=Precipitate)
    hydrolysis: Hydrolysis = Field(default_factory=Hydrolysis)
