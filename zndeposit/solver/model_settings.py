"""What a :class:`~zndeposit.solver.model.DepositionModel` needs besides its mesh (SI units)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from zndeposit.case.temperature import counter_exchange_current_density
from zndeposit.physics.parameters import ModelParameters

if TYPE_CHECKING:
    from zndeposit.case.derived import Derived
    from zndeposit.case.schema import Case
    from zndeposit.physics.species import ChemistryParameters


@dataclass(frozen=True)
class NoiseSettings:
    """Seeded heterogeneity of i0 (:mod:`zndeposit.solver.noise`).

    Attributes:
        strength: standard deviation of ln(k_noise), -.
        length: correlation length, m.
        seed: generator seed.
        interval: redraw interval, s (None: frozen).
    """

    strength: float
    length: float
    seed: int = 0
    interval: float | None = None


@dataclass(frozen=True)
class ModelSettings:
    """Everything a :class:`DepositionModel` needs besides the mesh (SI units).

    Attributes:
        params: physical parameters (:func:`zndeposit.physics.parameters.model_parameters`).
        width: domain width, m (the electrode length per unit depth).
        galvanostatic: True: E is an unknown held to ``current_density``; False: E fixed.
        current_density: applied current density, A/m^2 (galvanostatic; > 0 plates, < 0
            strips, 0 rests). The model keeps it in the Constant
            :attr:`DepositionModel.applied_current`, which a protocol changes between steps.
        potential: electrode potential vs the reservoir / counter electrode, V
            (potentiostatic; ignored when galvanostatic).
        counter_i0: exchange current density of a Zn counter electrode on top, A/m^2
            (None: a reservoir, c = c_bulk and phi = 0 there).
        periodic: periodic sides (x = 0 and x = width paired).
        element_size: finest element size, m (matching tolerance of periodic nodes).
        noise: kinetic noise, or None.
        linear_solver, line_search: ``numerics`` choices of the case.
        factorization_reuse: Newton iterations one LU factorisation serves (1: every
            iteration; :class:`zndeposit.solver.options.NewtonOptions`).
        newton_rtol, newton_atol, newton_max_iterations: Newton tolerances.
        quadrature_degree: degree of the consistent volume integrals.
        chemistry: side chemistry (hydrogen evolution, pH, ZHS), or None (binary salt).
    """

    params: ModelParameters
    width: float
    galvanostatic: bool = True
    current_density: float = 0.0
    potential: float = 0.0
    counter_i0: float | None = None
    periodic: bool = True
    element_size: float = 1e-7
    noise: NoiseSettings | None = None
    linear_solver: str = "direct"
    line_search: str = "bt"
    factorization_reuse: int = 1
    newton_rtol: float = 1e-8
    newton_atol: float = 1e-10
    newton_max_iterations: int = 25
    quadrature_degree: int = 4
    chemistry: ChemistryParameters | None = None

    @classmethod
    def from_case(cls, case: Case, derived: Derived | None = None) -> ModelSettings:
        """The settings of a validated case."""
        from zndeposit.case.chemistry import chemistry_parameters
        from zndeposit.case.derived import derive
        from zndeposit.physics.parameters import model_parameters

        d = derived or derive(case)
        p = model_parameters(case, d)
        kin, num, ctl = case.kinetics, case.numerics, case.control
        counter = case.top.kind == "counter_electrode"
        noise = None
        if kin.noise > 0:
            noise = NoiseSettings(
                kin.noise, kin.noise_length or case.interface.width, kin.noise_seed,
                kin.noise_interval,
            )  # fmt: skip
        galv = ctl.mode in ("galvanostatic", "protocol", "open_circuit")
        if ctl.mode == "protocol":  # the first step's; the stepper sets the others
            current = float(d.protocol[0].current_density)
        else:
            current = float(ctl.held_current_density or 0.0) if galv else 0.0
        return cls(
            params=p, width=case.domain.width, galvanostatic=galv,
            current_density=current,
            potential=0.0 if galv else float(ctl.potential),
            counter_i0=counter_exchange_current_density(case) if counter else None,
            periodic=case.domain.sides == "periodic", element_size=d.band_element_size,
            noise=noise, linear_solver=num.linear_solver, line_search=num.line_search,
            factorization_reuse=num.factorization_reuse,
            newton_rtol=num.newton_rtol, newton_atol=num.newton_atol,
            newton_max_iterations=num.newton_max_iterations,
            quadrature_degree=num.quadrature_degree,
            chemistry=chemistry_parameters(case, d),
        )  # fmt: skip
