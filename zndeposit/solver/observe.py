"""What a run reports: output fields (physical units) and the metrics of docs/metrics.md."""

from __future__ import annotations

from typing import Any

import numpy as np
import ufl

from zndeposit.fem import MPI, dolfinx
from zndeposit.geometry import tags
from zndeposit.metrics.band import BandMean, BandPeakRatio, BandSample
from zndeposit.metrics.growth import ColumnGrowth
from zndeposit.metrics.morphology import band_minimum, focusing_factor, morphology
from zndeposit.metrics.pieces import MetalPieces
from zndeposit.metrics.registry import ELECTROLYTE_BAND, INTERFACE_BAND, lookup
from zndeposit.physics import interface as itf
from zndeposit.physics.model import unknowns
from zndeposit.physics.species import h2_volume_stp
from zndeposit.physics.transport import ion_ratios
from zndeposit.solver.model import node_positions, p1_node_index
from zndeposit.solver.simulation import Simulation

#: width of a column of the growth focusing, in band elements (one cell's centroid
#: decides its column, so a column must span a few cells)
GROWTH_BIN_ELEMENTS = 2.0


class Observer:
    """Interpolates output fields and evaluates metrics of a :class:`Simulation`.

    Fields (SI): xi (-), c (Zn2+ in the pore liquid, mol/m^3), c_anion
    (mol/m^3), phi (V), current (ionic current density, A/m^2, DG0 vector),
    reaction_rate (local plating current density -i_BV, A/m^2, > 0 plating).
    """

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        mesh, p, f = sim.mesh, sim.params, sim.forms
        p1 = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
        vec = dolfinx.fem.functionspace(mesh, ("DG", 0, (mesh.geometry.dim,)))
        xi, u, psi = unknowns(sim.w)  # u = ln(c/c_bulk)
        exprs = {
            "xi": (p1, xi),
            "c": (p1, f.cation),
            "c_anion": (p1, f.anion),
            "phi": (p1, psi / p.f),
            "reaction_rate": (p1, -f.interfacial_current),
            "current": (vec, f.current),
        }
        if f.chemistry is not None:  # side chemistry
            exprs["pH"] = (p1, f.chemistry.ph)
            exprs["c_hydroxide"] = (p1, f.chemistry.hydroxide)
            if sim.model.chemistry is not None and sim.model.chemistry.hydrolysis:
                exprs["c_zn_hydroxide"] = (p1, f.chemistry.zn_hydroxide)
            exprs["zhs"] = (p1, f.chemistry.zhs_fraction)
            exprs["her_rate"] = (p1, -f.chemistry.her_current)
        self.fields: dict[str, dolfinx.fem.Function] = {}
        self._expr = {}
        for name, (space, e) in exprs.items():
            fn = dolfinx.fem.Function(space, name=name)
            self.fields[name] = fn
            self._expr[name] = dolfinx.fem.Expression(e, space.element.interpolation_points)
        self.update()
        self.initial_height = morphology(self.fields["xi"], 0.0, sim.width).h
        self._setup_interface_metrics()
        # effective transference number per region: the Zn2+ share of the migration
        # (conductivity) current, weighted by where the field drives current
        dx = ufl.Measure("dx", domain=mesh, subdomain_data=sim.cell_tags)
        co = sim.coefficients
        r_plus, r_minus = ion_ratios(u, co, p.z_plus)
        lam_plus = p.z_plus**2 * co.d_plus * r_plus * f.salt
        lam_minus = p.z_minus**2 * co.d_minus * r_minus * f.salt
        drive = (1 - itf.h(xi)) * ufl.dot(ufl.grad(psi), ufl.grad(psi))
        self._tplus = {}
        for r in p.regions:
            tag = tags.region_tag(r.name)
            num = dolfinx.fem.form(lam_plus * drive * dx(tag))
            den = dolfinx.fem.form((lam_plus + lam_minus) * drive * dx(tag))
            self._tplus[r.name] = (num, den)
        eta = (sim.psi_e - psi) / p.f
        self._eta = (
            dolfinx.fem.form(itf.dh(xi) * eta * ufl.dx),
            dolfinx.fem.form(itf.dh(xi) * ufl.dx),
        )

    @property
    def regions(self) -> list[str]:
        """Region names with a transference-number column."""
        return list(self._tplus)

    @property
    def region_names(self) -> dict[int, str]:
        """Cell tag -> region name of every region of the mesh (the anode included)."""
        names = [tags.ANODE, *self.regions]
        return {tags.region_tag(n): n for n in names}

    def write_snapshot(self, writer: Any, row: dict[str, float]) -> None:
        """Write the current fields as the next snapshot (collective).

        Args:
            writer: a :class:`zndeposit.io.snapshots.SnapshotWriter`.
            row: the metrics row of this output (SI, from :meth:`metrics`).
        """
        writer.write_fields(
            self.fields,
            self.sim.cell_tags,
            self.sim.t,
            capacity=lookup("charge").from_si(row["charge"]),  # mAh/cm^2
            potential=row["E"],
        )

    def update(self) -> None:
        """Interpolate every output field from the current state."""
        for name, fn in self.fields.items():
            fn.interpolate(self._expr[name])

    def _sum(self, form: Any) -> float:
        return float(self.sim.comm.allreduce(dolfinx.fem.assemble_scalar(form), op=MPI.SUM))

    def _setup_interface_metrics(self) -> None:
        """Compile the interface-band metrics once (see docs/metrics.md).

        ``c_interface_*``: the pore-liquid Zn2+ concentration c (the expression of
        the output field c, sampled at quadrature points inside the cells, so each
        value has its own region's Donnan factor) on the electrolyte half of the
        interface, ELECTROLYTE_BAND = 0.02 < xi < 0.5. xi < 0.5 leaves out the
        metal-side tail, where c is only the continuation of the electrolyte
        equation inside the metal; the reaction acts only where xi >= 0.02
        (:func:`~zndeposit.physics.interface.reaction_weight`), so the band holds
        the whole electrolyte half of it and still spans 3.9 l, several elements,
        on any mesh.
        ``current_focusing``: plating current per interface area, porosity times
        the local Butler-Volmer plating rate -i_BV (A/m^2; a flat front in any
        region carries the applied current), its max over the quadrature points
        of INTERFACE_BAND divided by its |grad xi|-weighted mean over the band.
        """
        xi, co, cation = self.fields["xi"], self.sim.coefficients, self.sim.forms.cation
        self._c_interface = BandSample(cation, xi, ELECTROLYTE_BAND)
        self._c_interface_mean = BandMean(cation, xi, ELECTROLYTE_BAND)
        plating = co.porosity * -self.sim.forms.interfacial_current
        self._current_focusing = BandPeakRatio(plating, xi, INTERFACE_BAND)
        sim = self.sim
        self._growth = ColumnGrowth(
            xi, co.porosity, sim.width,
            bin_width=GROWTH_BIN_ELEMENTS * sim.derived.band_element_size,
        )  # fmt: skip
        # connected pieces of metal (cell mean of xi >= 1/2), periodic sides joined
        periodic = sim.model.settings.periodic
        self._pieces = MetalPieces(
            xi, co.porosity, period=(0.0, sim.width) if periodic else None,
            tol=1e-3 * sim.model.settings.element_size,
        )  # fmt: skip

    def checkpoint_state(self) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
        """(JSON values, input node index, xi at the last output): what metrics() remembers.

        The initial height (of t = 0) and the growth focusing's previous output
        (time and xi, nodal on the output P1 space) are all that carry over
        between rows; the rest is read from the state.
        """
        g = self._growth
        meta = {"initial_height": self.initial_height, "growth_t_prev": g._t_prev}
        return meta, p1_node_index(g._prev.function_space), g._prev.x.array.copy()

    def restore_checkpoint_state(
        self, meta: dict[str, Any], node: np.ndarray, prev_xi: np.ndarray
    ) -> None:
        """Put back a :meth:`checkpoint_state` (``node``/``prev_xi`` may cover more nodes)."""
        from zndeposit.errors import SolverError

        g = self._growth
        h = meta["initial_height"]
        self.initial_height = np.asarray(h, dtype=float) if isinstance(h, list) else h
        t_prev = meta.get("growth_t_prev")
        g._t_prev = None if t_prev is None else float(t_prev)
        take = node_positions(node, p1_node_index(g._prev.function_space))
        if not self.sim.comm.allreduce(int(take is not None), op=MPI.MIN):
            raise SolverError("the checkpoint does not cover every node of this mesh")
        assert take is not None
        g._prev.x.array[:] = np.asarray(prev_xi, dtype=float)[take]

    def carry_over(self, old: Observer) -> None:
        """Keep the memory of ``old``, an observer of the model this one's replaced (collective).

        The initial height and the growth focusing's previous output (its xi
        interpolated from the old mesh onto this one) carry over a mesh change.
        """
        self.initial_height = old.initial_height
        g, og = self._growth, old._growth
        g._t_prev = og._t_prev
        if og._t_prev is None:
            return
        mesh = g._prev.function_space.mesh
        cmap = mesh.topology.index_map(mesh.topology.dim)
        cells = np.arange(cmap.size_local + cmap.num_ghosts, dtype=np.int32)
        data = dolfinx.fem.create_interpolation_data(
            g._prev.function_space, og._prev.function_space, cells, padding=1e-8
        )
        g._prev.interpolate_nonmatching(og._prev, cells, data)
        g._prev.x.scatter_forward()

    def metrics(self) -> dict[str, float]:
        """The metrics row at the current time (SI values).

        Every key is a metric of :mod:`zndeposit.metrics.registry` (which gives its
        CSV unit, label and description); a new metric needs an entry there too.
        """
        sim, p = self.sim, self.sim.params
        self.update()
        xi, rate = self.fields["xi"], self.fields["reaction_rate"]
        last = sim.stats.history[-1] if sim.stats.history else None
        n_f = p.n * p.faraday / sim.width  # mol/m -> C/m^2
        m = morphology(xi, 0.0, sim.width, initial_height=self.initial_height)
        pieces, isolated = self._pieces()
        top = last.supply if last else 0.0
        current = last.current if last else 0.0
        row = {
            "t": sim.t,
            "dt": last.dt if last else 0.0,
            "E": sim.potential,
            "eta": self._sum(self._eta[0]) / max(self._sum(self._eta[1]), 1e-300),
            "i": current,
            "charge": sim.passed * n_f,
            "step": last.step if last else 1,
            "step_charge": (last.step_passed if last else 0.0) * n_f,
            "zn_deposited": (last.deposited if last else 0.0) * n_f,
            "faraday_error": (last.faraday_mismatch if last else 0.0),
            "charge_balance_error": abs(top - current) / abs(current) if current else 0.0,
            "thickness_mean": (last.deposited if last else 0.0) / (p.rho_m * sim.width),
            "height_max": m.height_max,
            "height_min": m.height_min,
            "dendrite_height": m.dendrite_height,
            "tip_rise": m.tip_rise,
            "front_advance": m.front_advance,
            "tip_lead": m.tip_lead,
            "roughness_rms": m.roughness_rms,
            "length_ratio": m.length_ratio,
            "metal_pieces": pieces.pieces,
            "isolated_metal": p.rho_m * isolated * n_f,  # m^2 of metal -> C/m^2
            "c_min_interface": band_minimum(self.fields["c"], xi),
            "c_interface_min": self._c_interface.min(),
            "c_interface_mean": self._c_interface_mean(),
            "focusing_factor": focusing_factor(rate, xi) if current else float("nan"),
            "current_focusing": self._current_focusing() if current else float("nan"),
            "growth_focusing": self._growth.focusing(sim.t),
            "newton_its": last.newton if last else 0,
            "linear_its": last.linear if last else 0,
            "steps_accepted": sim.stats.accepted,
            "steps_rejected": sim.stats.rejected,
        }
        for name, (num, den) in self._tplus.items():
            d = self._sum(den)
            row[f"t_plus_{name}"] = self._sum(num) / d if d > 0 else float("nan")
        if sim.stepper.ledger is not None:
            row.update(self._chemistry_metrics(row, current))
        return row

    def _chemistry_metrics(self, row: dict[str, float], current: float) -> dict[str, float]:
        """The side-chemistry columns (SI) of the metrics row."""
        sim = self.sim
        ledger, cm = sim.stepper.ledger, sim.model.chemistry_measures
        assert ledger is not None and cm is not None
        her = -ledger.her_current  # > 0 cathodic
        h2_charge = ledger.hydrogen * sim.params.faraday / sim.width  # C/m^2
        lo, hi, mean = cm.interface_ph()
        metal_change = sim.model.deposited() - sim.stepper.deposit0
        charge = row["charge"]
        return {
            "her_current": her,
            "h2_charge": h2_charge,
            "h2_volume": h2_volume_stp(h2_charge),  # m^3 per m^2
            "coulombic_efficiency": row["zn_deposited"] / charge if charge else float("nan"),
            "corrosion_current": her if current == 0.0 else float("nan"),
            "ph_interface_min": lo,
            "ph_interface_max": hi,
            "ph_interface_mean": mean,
            "zhs_thickness": cm.zhs_thickness(),
            "zhs_coverage": cm.coverage(),
            **ledger.balances(cm, metal_change),
        }
