"""Physical bounds of every magnitude and the cost of a case, checked before anything is built.

Two kinds of limits, both reported as :class:`~zndeposit.errors.CaseIssue`
with the key, the bound and why it is there:

- :func:`bound_issues`: every quantity, number and list of a schema-valid case
  within what is physical for a Zn anode cross-section (a 1e30 um domain, an
  interface width of 1e-30 um or 1e30 mA/cm^2 describe no cell);
- :func:`cost_issues`: the estimated mesh cells, unknowns, outputs, time steps
  and memory of the run (:func:`estimate_cost`, closed-form from the mesh
  settings, nothing allocated) against what the machine can hold.

``zndeposit validate``/``run --no-limits`` turns both into warnings.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from zndeposit.case.quantity import spec_of
from zndeposit.case.schema import Case
from zndeposit.case.temperature import range_issues
from zndeposit.errors import CaseIssue
from zndeposit.units import format_quantity

Bound = tuple[float | None, float | None, str]

#: SI unit -> (smallest nonzero |value|, largest |value|, why)
UNIT_BOUNDS: dict[str, Bound] = {
    "m": (1e-10, 1e-2, "below 0.1 nm is smaller than an atom; above 1 cm is wider than a cell"),
    "s": (1e-12, 1e7, "below 1 ps no ion moves; above 1e7 s (116 days) outlasts any experiment"),
    "A/m^2": (
        1e-8,
        1e5,
        "below 1 nA/cm^2 nothing plates in any run time; above 10 A/cm^2 no "
        "electrolyte carries the current",
    ),
    "mol/m^3": (1e-3, 1e5, "below 1 umol/L there is no electrolyte; above 100 mol/L no solid"),
    "K": (150.0, 1000.0, "electrolytes are frozen below 150 K; they decompose above 1000 K"),
    "V": (None, 10.0, "beyond 10 V every electrolyte decomposes"),
    "S/m": (
        1e-10,
        1e3,
        "below 1e-9 mS/cm an electrolyte is an insulator; above 10 S/cm no ionic conductor exists",
    ),
    "m^2/s": (
        1e-20,
        1e-4,
        "below 1e-20 m^2/s ions do not move; diffusivities above 1 cm^2/s are those of gases",
    ),
    "J/m^2": (
        1e-3,
        10.0,
        "surface energies of metals are 0.1-3 J/m^2, not below 1 mJ/m^2; nor above 10 J/m^2",
    ),
    "m^3/(J*s)": (
        1e-15,
        1e3,
        "below 1e-15 the diffuse profile never relaxes; above 1e3 it relaxes faster than any step",
    ),
    "C/m^2": (
        1e-6,
        3.6e6,
        "below 3e-10 mAh/cm^2 not one atomic layer is plated; above 100 mAh/cm^2 "
        "no anode is plated",
    ),
    "mol/kg": (None, 10.0, "ion-exchange capacities stay below 10 mmol/g"),
    "kg/m^3": (
        10.0,
        25000.0,
        "no solid is lighter than 0.01 g/cm^3 (aerogels); none is denser than 25 g/cm^3",
    ),
    "rad": (None, 1e3, "an angle beyond 1000 rad is a typing error"),
    "J": (None, 1.6e-18, "migration barriers stay below 10 eV"),
}
#: dotted key (list indices dropped) -> bound replacing the unit's
KEY_BOUNDS: dict[str, Bound] = {
    "interface.width": (
        1e-9,
        1e-4,
        "a diffuse interface narrower than 1 nm is below the atomic scale; wider than "
        "100 um it smears every feature",
    ),
    "mesh.elements_across_interface": (
        None,
        100.0,
        "beyond 100 elements across the interface the result no longer changes, only the cost",
    ),
    "mesh.adapt_interval": (None, 1e6, "adapting less often than every 1e6 steps never adapts"),
    "mesh.adapt_band": (None, 50.0, "a band of 50 interface widths is a fixed fine mesh"),
    "output.count": (None, 10000, "10,000 outputs is more frames than any figure uses"),
    "output.checkpoint_interval": (
        1.0,
        1e7,
        "checkpoints more often than every second of wall time cost more than they save; "
        "1e7 s (116 days) outlasts any job",
    ),
    "output.checkpoint_steps": (None, 1e7, "a run of more than 1e7 steps is not checkpointed"),
    "interface.fold": (None, 12, "crystal symmetry folds are 2, 3, 4, 6 (12 at most)"),
    "electrolyte.cation_valence": (None, 4, "ions carry at most 4 charges"),
    "electrolyte.anion_valence": (None, 4, "ions carry at most 4 charges"),
    "numerics.newton_max_iterations": (None, 1000, "Newton converges in tens of iterations"),
    "numerics.target_newton_iterations": (None, 100, "Newton converges in tens of iterations"),
    "numerics.dt_growth": (None, 100.0, "dt growing 100x per step skips the physics"),
    "chemistry.hydrogen.exchange_current_density": (
        1e-13,
        1e2,
        "hydrogen exchange currents on metals span about 1e-13 (Pb, Hg) to 1e-3 A/cm^2 (Pt)",
    ),
    "chemistry.hydrogen.water_exchange_current_density": (
        1e-13,
        1e2,
        "hydrogen exchange currents on metals span about 1e-13 (Pb, Hg) to 1e-3 A/cm^2 (Pt)",
    ),
    "chemistry.precipitate.rate": (
        1e-12,
        1e6,
        "below 1e-12 mol/(m^3 s) nothing precipitates in any run; above 1e6 the rate is "
        "faster than any time step",
    ),
}
#: plain numbers without an own bound: finite and at most this
NUMBER_MAX = (None, 1e6, "no factor of this model is physical beyond 1e6")
#: list key -> most items
LIST_MAX = {"anode.nuclei": 100, "coatings": 10}
#: periods of a surface profile across the domain
MAX_PERIODS = 1000.0

#: cells per (area / h^2) of gmsh's triangles (fitted to cached meshes)
CELLS_PER_H2 = 2.3
#: memory of a process before the mesh (Python, DOLFINx, PETSc), bytes; with the next,
#: fitted to the peak RSS of docs/performance.md (23k unknowns 374 MiB, 86k 649 MiB,
#: 331k 1657 MiB) and of tests/sweep/tiny_case.toml (2.2k unknowns, 253 MB)
BASE_MEMORY = 280e6
#: memory per unknown (three P1 fields, MUMPS LU of a 2D mesh; 4.1-4.4 kB measured), bytes
MEMORY_PER_UNKNOWN = 4500.0
#: P1 unknowns per mesh node: xi, u = ln c, psi; with [chemistry] also v (proton excess)
#: and the ZHS volume fraction
UNKNOWNS_PER_NODE = 3
CHEMISTRY_UNKNOWNS_PER_NODE = 5
#: fields per node in a snapshot (xi, c, c_anion, phi, reaction_rate, current); with
#: [chemistry] also pH, c_hydroxide, zhs and her_rate, and c_zn_hydroxide with hydrolysis
#: (counted always: an upper bound)
OUTPUT_FIELDS = 6
CHEMISTRY_OUTPUT_FIELDS = 11
#: output bytes per node and output, an upper bound (a VTU snapshot of the 6 fields, float32 +
#: zlib, with its mesh: 77 B per node measured on a 1k-node mesh; VTX is no longer written)
OUTPUT_BYTES_PER_NODE = 200.0
#: hard ceilings independent of the machine
MAX_CELLS = 20_000_000
MAX_OUTPUTS = 10_000
MAX_MIN_STEPS = 1_000_000


def _walk(model: BaseModel, loc: tuple[str, ...] = ()) -> Iterator[tuple[str, Any, Any]]:
    """(dotted key, value, field info) of every leaf field; list items as ``key[i]``."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        key = ".".join((*loc, name))
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            sub = f"{key}[{i}]" if isinstance(value, list) else key
            if isinstance(item, BaseModel):
                yield from _walk(item, (sub,))
            else:
                yield sub, item, info
        if isinstance(value, list):
            yield key, value, info


def _text(value: float, unit: str, lab: str) -> str:
    try:
        return format_quantity(value, unit, lab)
    except Exception:  # an unusual unit: show the SI number
        return f"{value:.4g} {unit}"


def _leaf_issue(file: str, key: str, value: Any, info: Any) -> CaseIssue | None:
    """The bound a single number or list violates, or None."""
    plain = re.sub(r"\[\d+\]", "", key)
    if isinstance(value, list):
        most = LIST_MAX.get(key)
        if most is not None and len(value) > most:
            return CaseIssue(file, key, f"{len(value)} items: at most {most} are accepted")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value):
        return CaseIssue(file, key, "not a finite number", value)
    spec = spec_of(info)
    lo, hi, why = KEY_BOUNDS.get(
        plain, UNIT_BOUNDS.get(spec.unit, NUMBER_MAX) if spec else NUMBER_MAX
    )
    unit, lab = (spec.unit, spec.lab_unit) if spec else ("", "")
    lab = "K" if unit == "K" else lab
    mag = abs(value)
    if key.endswith("seed") or key.endswith("quadrature_degree"):
        return None
    low_why, _, high_why = why.partition("; ") if lo is not None and hi is not None else (why,) * 3
    if hi is not None and mag > hi:
        return CaseIssue(
            file,
            key,
            f"beyond the physical bound: at most {_text(hi, unit, lab)} in magnitude "
            f"({high_why or why})",
            _text(value, unit, lab) if spec else value,
        )
    if lo is not None and 0 < mag < lo:
        return CaseIssue(
            file,
            key,
            f"beyond the physical bound: at least {_text(lo, unit, lab)} in magnitude ({low_why})",
            _text(value, unit, lab) if spec else value,
        )
    return None


def bound_issues(case: Case, file: str) -> list[CaseIssue]:
    """Every value of ``case`` outside its physical bound (errors), with the reason."""
    out = [i for k, v, info in _walk(case) if (i := _leaf_issue(file, k, v, info))]
    s, width = case.anode.surface, case.domain.width
    for key, length in (("wavelength", s.wavelength), ("correlation_length", s.correlation_length)):
        if length and width / length > MAX_PERIODS:
            out.append(
                CaseIssue(
                    file,
                    f"anode.surface.{key}",
                    f"domain.width is {width / length:.3g} x {key}: at most {MAX_PERIODS:g} "
                    "periods of a profile can be meshed",
                    _text(length, "m", "um"),
                )
            )
    for i, n in enumerate(case.anode.nuclei):
        if n.x > width:
            out.append(
                CaseIssue(
                    file,
                    f"anode.nuclei[{i}].x",
                    f"the centre lies outside the domain 0 .. {_text(width, 'm', 'um')} "
                    "(it would be meshed as a flat anode)",
                    _text(n.x, "m", "um"),
                )
            )
    out += range_issues(case, file)  # aqueous electrolytes: -10 ... 90 degC
    return out


@dataclass(frozen=True)
class Cost:
    """Estimated size of a run (closed form from the case; nothing is built).

    Attributes:
        cells: triangles of the mesh.
        unknowns: degrees of freedom (3 P1 fields per node, 5 with ``[chemistry]``).
        outputs: output times.
        min_steps: run time / dt_max, the fewest time steps.
        memory: peak memory of one serial run, bytes.
        output_bytes: size of the fields and snapshots written, bytes.
    """

    cells: float
    unknowns: float
    outputs: float
    min_steps: float
    memory: float
    output_bytes: float

    def text(self) -> str:
        """One line, e.g. ``~28k cells, ~43k unknowns, 6 outputs, ~560 MB memory``."""
        return (
            f"~{_si(self.cells)} cells, ~{_si(self.unknowns)} unknowns, "
            f"{_si(self.outputs)} outputs, >= {_si(self.min_steps)} steps, "
            f"~{_si(self.memory, 'B')} memory, ~{_si(self.output_bytes, 'B')} of output"
        )


def _si(x: float, unit: str = "") -> str:
    """``43.2 G`` + unit (``"B"``), ``300`` + unit for small numbers."""
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if x >= factor:
            return f"{x / factor:.3g} {prefix}{unit}"
    return f"{x:.3g} {unit}".rstrip()


def _graded(h: float, hmax: float, g: float, room: float) -> float:
    """Cells per unit width of a zone grading from h to hmax over at most ``room`` (m)."""
    ramp = min(room, (hmax - h) / g)
    cells = (1.0 / h - 1.0 / (h + g * ramp)) / g
    return cells + max(0.0, room - ramp) / hmax**2


def unknowns_per_node(case: Case) -> int:
    """P1 unknowns per mesh node: 3 (xi, u, psi), 5 with ``[chemistry]`` (also v and the ZHS)."""
    return CHEMISTRY_UNKNOWNS_PER_NODE if case.chemistry is not None else UNKNOWNS_PER_NODE


def estimate_cost(case: Case) -> Cost:
    """Cells, unknowns, outputs, steps and memory of a case, from its mesh settings.

    With ``mesh.adapt`` this is the first mesh (a thin band over the initial
    surface), the largest of an adaptive run until a deposit outgrows it.
    """
    from zndeposit.case.checks import surface_relief
    from zndeposit.geometry.sizes import BAND_BELOW, GRADING, auto_growth_band

    m, dom, itf = case.mesh, case.domain, case.interface
    h = itf.width / m.elements_across_interface
    s = case.anode.surface
    low = case.anode.thickness - {"flat": 0.0, "sinusoidal": s.amplitude or 0.0}.get(
        s.kind, 3.0 * (s.rms or 0.0)
    )
    high = case.anode.thickness + surface_relief(case)
    if m.growth_band is not None:
        growth = m.growth_band
    elif m.adapt:  # the first mesh of an adaptive run: a thin band (geometry.sizes)
        growth = (m.adapt_band + BAND_BELOW) * itf.width
    else:
        growth = auto_growth_band(case)
    bottom = max(0.0, low - 4.0 * itf.width)
    top = min(dom.height, high + growth)
    electrolyte = dom.height - case.anode.thickness
    hmax = m.max_size if m.max_size is not None else min(dom.width / 8, electrolyte / 10)
    hmax = max(hmax, h)
    per_width = (top - bottom) / h**2
    per_width += _graded(h, hmax, GRADING, dom.height - top) + _graded(h, hmax, GRADING, bottom)
    cells = CELLS_PER_H2 * dom.width * per_width
    sep = case.separator
    if sep is not None and sep.kind == "resolved" and sep.fibre_diameter:
        d = sep.fibre_diameter
        hf = min(max(m.fibre_size or d / 6.0, h), hmax)
        fibres = min(4e5, (1 - sep.porosity) * dom.width * sep.thickness / (math.pi * d * d / 4))
        cells += fibres * 4 * math.pi * d / hf * (1 + math.log(max(hmax / hf, 1.0)) / GRADING)
    nodes = cells / 2 + dom.width / h
    per_node = unknowns_per_node(case)
    unknowns = per_node * nodes
    run_time = case.control.run_time
    out = case.output
    outputs = run_time / out.interval if out.interval else float(out.count)
    # the LU factors of a coupled P1 system grow with the square of the fields per node,
    # so the memory per unknown grows with their number (3 fields: MEMORY_PER_UNKNOWN)
    memory = BASE_MEMORY + MEMORY_PER_UNKNOWN * per_node / UNKNOWNS_PER_NODE * unknowns
    fields = CHEMISTRY_OUTPUT_FIELDS if case.chemistry is not None else OUTPUT_FIELDS
    output_bytes = OUTPUT_BYTES_PER_NODE * fields / OUTPUT_FIELDS * nodes * (outputs + 1)
    return Cost(cells, unknowns, outputs, run_time / case.numerics.dt_max, memory, output_bytes)


def machine_memory() -> float | None:
    """Physical memory of this machine (or of the cgroup it runs in), bytes."""
    total = None
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        pass
    try:
        text = open("/sys/fs/cgroup/memory.max", encoding="ascii").read().strip()
        if text.isdigit():
            total = min(total or math.inf, int(text))
    except OSError:
        pass
    return float(total) if total else None


def cost_issues(case: Case, file: str, cost: Cost | None = None) -> list[CaseIssue]:
    """What of the estimated cost this machine cannot hold or a run cannot finish (errors)."""
    cost = cost or estimate_cost(case)
    why = f"estimated {cost.text()}"
    out = []
    if cost.cells > MAX_CELLS:
        out.append(
            CaseIssue(
                file,
                "mesh",
                f"~{_si(cost.cells)} cells is above the {_si(MAX_CELLS)} cells one run can mesh "
                "(gmsh is serial); coarsen mesh.elements_across_interface or shrink the domain",
            )
        )
    if cost.outputs > MAX_OUTPUTS:
        key = "output.interval" if case.output.interval else "output.count"
        out.append(
            CaseIssue(file, key, f"{_si(cost.outputs)} outputs: at most {MAX_OUTPUTS} are written")
        )
    if cost.min_steps > MAX_MIN_STEPS:
        out.append(
            CaseIssue(
                file,
                "numerics.dt_max",
                f"run time / dt_max = {_si(cost.min_steps)} steps: at most "
                f"{_si(MAX_MIN_STEPS)} steps; raise dt_max or shorten the run",
            )
        )
    total = machine_memory()
    if total is not None and cost.memory > total:
        out.append(
            CaseIssue(
                file,
                "mesh",
                f"needs ~{_si(cost.memory, 'B')} of memory, this machine has "
                f"{_si(total, 'B')} ({why})",
            )
        )
    return out
