"""Bordered Newton system with periodic dof elimination (zndeposit.solver).

Run directly (``python test_system.py --worker``, also under mpiexec) it prints
the results of the reference problems as JSON; the MPI test compares those
with the serial ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.fem

fem = pytest.importorskip("zndeposit.fem")
dolfinx, MPI, PETSc = fem.dolfinx, fem.MPI, fem.PETSc
import basix.ufl  # noqa: E402
import ufl  # noqa: E402

from zndeposit.errors import SolverError  # noqa: E402
from zndeposit.solver.periodic import PeriodicMap  # noqa: E402
from zndeposit.solver.system import BorderedNonlinearSystem, GlobalEquation  # noqa: E402

LX, LY = 2.0, 1.0


def _integral(expr) -> float:
    """Integral of a UFL expression over its mesh (all ranks)."""
    form = dolfinx.fem.form(expr * ufl.dx(domain=ufl.domain.extract_unique_domain(expr)))
    return float(MPI.COMM_WORLD.allreduce(dolfinx.fem.assemble_scalar(form)))


def _dg0(msh, value: float = 0.0):
    g = dolfinx.fem.Function(dolfinx.fem.functionspace(msh, ("DG", 0)))
    g.x.array[:] = value
    return g


def _side_mismatch(u) -> float:
    """Largest |u(0, y) - u(LX, y)| over the dofs on the periodic sides."""
    left, right = _side_values(u, 0.0), _side_values(u, LX)
    assert left.shape == right.shape and np.allclose(left[:, 0], right[:, 0], atol=1e-12)
    return float(np.abs(left[:, 1] - right[:, 1]).max())


def _side_values(u, x0: float):
    """(y, value) of all dofs of a scalar P1 Function on x = x0, gathered and sorted by y."""
    V = u.function_space
    n = V.dofmap.index_map.size_local
    X = V.tabulate_dof_coordinates()[:n]
    on = np.isclose(X[:, 0], x0)
    parts = V.mesh.comm.allgather(np.column_stack([X[on, 1], u.x.array[:n][on]]))
    data = np.concatenate(parts)
    return data[np.argsort(data[:, 0])]


def _rectangle(comm, n: int, lx: float = LX, ly: float = LY):
    return dolfinx.mesh.create_rectangle(
        comm, [[0.0, 0.0], [lx, ly]], [int(n * lx / ly), n],
        ghost_mode=dolfinx.mesh.GhostMode.shared_facet,
    )  # fmt: skip


def _boundary_dofs(V, msh, where):
    facets = dolfinx.mesh.locate_entities_boundary(msh, 1, where)
    return dolfinx.fem.locate_dofs_topological(V, 1, facets)


# ------------------------------------------------------------------ problems
def periodic_poisson(comm, n: int, solver: str = "direct", **kw) -> dict:
    """-lap u = f, periodic in x, u = y at y = 0 and y = LY; manufactured solution."""
    msh = _rectangle(comm, n)
    V = dolfinx.fem.functionspace(msh, ("Lagrange", 1))
    x = ufl.SpatialCoordinate(msh)
    ue = ufl.sin(2 * np.pi * x[0] / LX) * x[1] * (LY - x[1]) + x[1]
    u, v = dolfinx.fem.Function(V), ufl.TestFunction(V)
    F = (ufl.inner(ufl.grad(u), ufl.grad(v)) + ufl.div(ufl.grad(ue)) * v) * ufl.dx
    ubc = dolfinx.fem.Function(V)
    ubc.interpolate(lambda X: X[1])
    dofs = _boundary_dofs(V, msh, lambda X: np.isclose(X[1], 0.0) | np.isclose(X[1], LY))
    pmap = PeriodicMap(V, (0.0, LX), tol=1e-8)
    system = BorderedNonlinearSystem(
        F, u, bcs=[dolfinx.fem.dirichletbc(ubc, dofs)], periodic=pmap, linear_solver=solver, **kw
    )
    res = system.solve()
    return {
        "converged": res.converged,
        "error": np.sqrt(_integral((u - ue) ** 2)),
        "norm": np.sqrt(_integral(u**2)),
        "side_mismatch": _side_mismatch(u),
        "remote_pairs": pmap.num_remote_pairs,
        "slaves": pmap.num_slaves,
    }


def _constraint_problem(comm, n: int, nonlinear: bool, target: float, **kw):
    msh = dolfinx.mesh.create_unit_square(comm, n, n)
    V = dolfinx.fem.functionspace(msh, ("Lagrange", 1))
    u, v = dolfinx.fem.Function(V), ufl.TestFunction(V)
    lam = _dg0(msh)
    k = 1 + u**2 if nonlinear else 1.0
    F = (k * ufl.inner(ufl.grad(u), ufl.grad(v)) - lam * v) * ufl.dx
    bc = dolfinx.fem.dirichletbc(
        0.0, _boundary_dofs(V, msh, lambda X: np.full(X.shape[1], True)), V
    )
    geq = GlobalEquation(lam, u * ufl.dx, offset=target, name="lambda")
    return BorderedNonlinearSystem(F, u, [geq], [bc], **kw), u, lam


def global_unknown(comm, n: int, solver: str = "direct") -> dict:
    """-lap u = lambda, u = 0 on the boundary, integral(u) = target; lambda by linear scaling."""
    target = 0.02
    system, u, _lam = _constraint_problem(comm, n, False, target, linear_solver=solver)
    res = system.solve()
    # Reference: lambda = 1, then scale (independent linear solve with DOLFINx LinearProblem).
    V = u.function_space
    w, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    bc = dolfinx.fem.dirichletbc(
        0.0, _boundary_dofs(V, V.mesh, lambda X: np.full(X.shape[1], True)), V
    )
    opts = {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps"}
    problem = dolfinx.fem.petsc.LinearProblem(
        ufl.inner(ufl.grad(w), ufl.grad(v)) * ufl.dx, v * ufl.dx, bcs=[bc],
        petsc_options=opts, petsc_options_prefix="test_ref_",
    )  # fmt: skip
    u1 = problem.solve()
    lam_ref = target / _integral(u1)
    return {
        "converged": res.converged,
        "newton": res.newton_iterations,
        "lambda": system.global_values[0],
        "lambda_ref": lam_ref,
        "constraint": _integral(u) - target,
        "norm": np.sqrt(_integral(u**2)),
    }


def nonlinear_global(comm, n: int, line_search: str = "bt") -> dict:
    """-div((1 + u^2) grad u) = lambda, integral(u) = target."""
    target = 0.05
    system, u, _lam = _constraint_problem(comm, n, True, target, line_search=line_search)
    res = system.solve()
    return {
        "converged": res.converged,
        "newton": res.newton_iterations,
        "lambda": system.global_values[0],
        "constraint": _integral(u) - target,
        "timings": system.timings,
    }


def mixed_periodic(comm, n: int, solver: str = "direct") -> dict:
    """Coupled (u, v), periodic in x, with a global source lambda fixed by integral(v).

    -lap u + u - v = f1,  -lap v + v - u = f2 + lambda,  manufactured (ue, ve, lam_e).
    u = ue at y = 0 and y = LY, v = ve at y = 0 only (natural condition at the top).
    """
    msh = _rectangle(comm, n)
    e = basix.ufl.element("Lagrange", msh.basix_cell(), 1)
    W = dolfinx.fem.functionspace(msh, basix.ufl.mixed_element([e, e]))
    x = ufl.SpatialCoordinate(msh)
    s = ufl.sin(2 * np.pi * x[0] / LX)
    ue = s * x[1] * (LY - x[1]) + 1.0
    ve = ufl.cos(2 * np.pi * x[0] / LX) * x[1] ** 2 + x[1]
    lam_e = 0.7
    f1 = -ufl.div(ufl.grad(ue)) + ue - ve
    f2 = -ufl.div(ufl.grad(ve)) + ve - ue - lam_e
    w = dolfinx.fem.Function(W)
    u, v = ufl.split(w)
    p, q = ufl.TestFunctions(W)
    lam = _dg0(msh)
    nrm = ufl.FacetNormal(msh)
    F = (
        ufl.inner(ufl.grad(u), ufl.grad(p)) + (u - v - f1) * p
        + ufl.inner(ufl.grad(v), ufl.grad(q)) + (v - u - f2 - lam) * q
    ) * ufl.dx - ufl.inner(ufl.grad(ve), nrm) * q * ufl.ds  # fmt: skip
    bcs = []
    for i, (exact, where) in enumerate(
        [(ue, lambda X: np.isclose(X[1], 0.0) | np.isclose(X[1], LY)),
         (ve, lambda X: np.isclose(X[1], 0.0))]
    ):  # fmt: skip
        Vi, _ = W.sub(i).collapse()
        gi = dolfinx.fem.Function(Vi)
        gi.interpolate(dolfinx.fem.Expression(exact, Vi.element.interpolation_points))
        facets = dolfinx.mesh.locate_entities_boundary(msh, 1, where)
        dofs = dolfinx.fem.locate_dofs_topological((W.sub(i), Vi), 1, facets)
        bcs.append(dolfinx.fem.dirichletbc(gi, dofs, W.sub(i)))
    geq = GlobalEquation(lam, v * ufl.dx, offset=_integral(ve), name="lambda")
    pmap = PeriodicMap(W, (0.0, LX))
    system = BorderedNonlinearSystem(F, w, [geq], bcs, pmap, linear_solver=solver)
    res = system.solve()
    uh, vh = w.sub(0).collapse(), w.sub(1).collapse()
    mismatch = max(_side_mismatch(uh), _side_mismatch(vh))
    return {
        "converged": res.converged,
        "newton": res.newton_iterations,
        "lambda_error": abs(system.global_values[0] - lam_e),
        "constraint": _integral(v - ve),
        "error": np.sqrt(_integral((u - ue) ** 2 + (v - ve) ** 2)),
        "side_mismatch": mismatch,
        "slaves": pmap.num_slaves,
        "remote_pairs": pmap.num_remote_pairs,
    }


def worker_results(comm) -> dict:
    return {
        "poisson": periodic_poisson(comm, 16),
        "global": global_unknown(comm, 16),
        "mixed": mixed_periodic(comm, 8),
    }


# --------------------------------------------------------------------- tests
def test_periodic_poisson_converges_at_second_order():
    results = [periodic_poisson(MPI.COMM_WORLD, n) for n in (8, 16, 32)]
    errors = np.array([r["error"] for r in results])
    rates = np.log2(errors[:-1] / errors[1:])
    assert all(r["converged"] for r in results)
    assert rates.min() > 1.8, rates
    assert results[-1]["slaves"] == 33  # one right-side dof per node row
    assert all(r["side_mismatch"] == 0.0 for r in results)  # identical values on x = 0, LX


@pytest.mark.parametrize("pc", ["asm", "gamg"])
def test_periodic_poisson_iterative_matches_direct(pc):
    direct = periodic_poisson(MPI.COMM_WORLD, 16)
    gmres = periodic_poisson(MPI.COMM_WORLD, 16, solver="iterative", iterative_pc=pc)
    assert gmres["converged"]
    assert gmres["norm"] == pytest.approx(direct["norm"], rel=1e-8)


def test_dirichlet_values_exact_with_damping_and_changing_values():
    """Damped Newton keeps boundary values exact; new values are picked up at the next solve."""
    msh = _rectangle(MPI.COMM_WORLD, 8)
    V = dolfinx.fem.functionspace(msh, ("Lagrange", 1))
    u, v = dolfinx.fem.Function(V), ufl.TestFunction(V)
    F = ((1 + u**2) * ufl.inner(ufl.grad(u), ufl.grad(v)) - v) * ufl.dx
    top = _boundary_dofs(V, msh, lambda X: np.isclose(X[1], LY))
    value = dolfinx.fem.Constant(msh, 2.0)
    bcs = [dolfinx.fem.dirichletbc(value, top, V)]
    system = BorderedNonlinearSystem(
        F,
        u,
        [],
        bcs,
        PeriodicMap(V, (0.0, LX)),
        line_search="basic",
        damping=0.5,
        max_iterations=60,
    )
    for target in (2.0, -1.0):
        value.value = target
        res = system.solve()
        assert res.converged and res.newton_iterations > 10  # damped: linear convergence
        assert np.all(u.x.array[top] == target)  # exact, corners (BC and periodic) included
        assert system.timings["total"] > 0.0


def test_global_unknown_matches_scaled_linear_solve():
    r = global_unknown(MPI.COMM_WORLD, 16)
    assert r["converged"] and r["newton"] <= 2
    assert r["lambda"] == pytest.approx(r["lambda_ref"], rel=1e-10)
    assert abs(r["constraint"]) < 1e-12
    it = global_unknown(MPI.COMM_WORLD, 16, solver="iterative")
    assert it["converged"]
    assert it["lambda"] == pytest.approx(r["lambda_ref"], rel=1e-7)


@pytest.mark.parametrize("line_search", ["bt", "basic", "l2", "cp"])
def test_nonlinear_global_unknown(line_search):
    r = nonlinear_global(MPI.COMM_WORLD, 16, line_search)
    assert r["converged"], r
    assert r["newton"] <= 8, r
    assert abs(r["constraint"]) < 1e-10
    lin = global_unknown(MPI.COMM_WORLD, 16)
    # (1 + u^2) > 1 stiffens the operator, so the same integral needs a larger source.
    assert r["lambda"] > 0.05 / 0.02 * lin["lambda"]
    assert set(r["timings"]) >= {"assembly", "linear_solve", "other", "total"}


@pytest.mark.parametrize("solver", ["direct", "iterative"])
def test_mixed_periodic_with_global(solver):
    coarse, fine = (
        mixed_periodic(MPI.COMM_WORLD, 8, solver),
        mixed_periodic(MPI.COMM_WORLD, 16, solver),
    )
    assert coarse["converged"] and fine["converged"]
    assert fine["newton"] <= 2  # linear problem: exact Jacobian, one step (+1 for GMRES)
    assert fine["slaves"] == 2 * 17  # both fields paired
    assert fine["side_mismatch"] == 0.0  # P copies master values onto slaves
    assert fine["error"] < coarse["error"] / 3.5  # ~ second order
    assert fine["lambda_error"] < 1e-2 and coarse["lambda_error"] < 1e-2  # lam_e = 0.7
    assert abs(fine["constraint"]) < 1e-10


def test_impossible_equation_returns_not_converged_and_state_restores():
    msh = dolfinx.mesh.create_unit_square(MPI.COMM_WORLD, 4, 4)
    V = dolfinx.fem.functionspace(msh, ("Lagrange", 1))
    u, v = dolfinx.fem.Function(V), ufl.TestFunction(V)
    u.x.array[:] = 0.3
    F = (u**2 + 1.0) * v * ufl.dx  # u^2 + 1 = 0 has no real solution
    system = BorderedNonlinearSystem(F, u, max_iterations=10)
    saved = system.save_state()
    res = system.solve()
    assert not res.converged and res.reason.startswith("DIVERGED")
    system.restore_state(saved)
    assert np.all(u.x.array == 0.3)


def test_singular_bordered_block_returns_not_converged():
    msh = dolfinx.mesh.create_unit_square(MPI.COMM_WORLD, 4, 4)
    V = dolfinx.fem.functionspace(msh, ("Lagrange", 1))
    u, v = dolfinx.fem.Function(V), ufl.TestFunction(V)
    g = _dg0(msh)
    F = (ufl.inner(ufl.grad(u), ufl.grad(v)) + u * v) * ufl.dx
    geq = GlobalEquation(g, (u - u) * ufl.dx, offset=1.0)  # g appears nowhere: zero row
    res = BorderedNonlinearSystem(F, u, [geq]).solve()
    assert not res.converged


def test_callback_error_becomes_solver_error_and_solver_recovers():
    msh = dolfinx.mesh.create_unit_square(MPI.COMM_WORLD, 4, 4)
    V = dolfinx.fem.functionspace(msh, ("Lagrange", 1))
    u, v = dolfinx.fem.Function(V), ufl.TestFunction(V)
    g = _dg0(msh)
    F = (ufl.inner(ufl.grad(u), ufl.grad(v)) + u * v - g * v) * ufl.dx
    geq = GlobalEquation(g, u * ufl.dx, offset="not a number")
    system = BorderedNonlinearSystem(F, u, [geq])
    with pytest.raises(SolverError, match="ValueError"):
        system.solve()
    geq.offset = dolfinx.fem.Constant(msh, 0.3)  # -lap u + u = g, du/dn = 0: u = g = 0.3
    res = system.solve()
    assert res.converged
    assert system.global_values[0] == pytest.approx(0.3, rel=1e-12)


def test_non_matching_mesh_names_the_coordinate():
    msh = _rectangle(MPI.COMM_WORLD, 4)
    X = msh.geometry.x
    move = np.isclose(X[:, 0], LX) & np.isclose(X[:, 1], 0.5)
    X[move, 1] += 0.01
    V = dolfinx.fem.functionspace(msh, ("Lagrange", 1))
    with pytest.raises(SolverError, match=r"y = 0\.51"):
        PeriodicMap(V, (0.0, LX))


def test_bad_options_raise_solver_error():
    msh = dolfinx.mesh.create_unit_square(MPI.COMM_WORLD, 2, 2)
    V = dolfinx.fem.functionspace(msh, ("Lagrange", 1))
    u, v = dolfinx.fem.Function(V), ufl.TestFunction(V)
    with pytest.raises(SolverError, match="line_search"):
        BorderedNonlinearSystem(u * v * ufl.dx, u, line_search="newton")


@pytest.mark.mpi
def test_two_ranks_match_serial():
    mpiexec = Path(sys.executable).parent / "mpiexec"
    if not mpiexec.exists():
        pytest.skip("no mpiexec next to the Python interpreter")
    t0 = time.perf_counter()
    env = dict(os.environ, OMP_NUM_THREADS="1")
    out = subprocess.run(
        [str(mpiexec), "-n", "2", sys.executable, __file__, "--worker"],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    parallel = json.loads(out.stdout.strip().splitlines()[-1])
    serial = worker_results(MPI.COMM_WORLD)
    assert parallel["poisson"]["remote_pairs"] > 0  # masters and slaves on different ranks
    assert parallel["mixed"]["remote_pairs"] > 0
    for name, keys in {
        "poisson": ["error", "norm"],
        "global": ["lambda", "norm"],
        "mixed": ["error", "lambda_error"],
    }.items():
        assert parallel[name]["converged"]
        assert parallel[name]["side_mismatch" if name != "global" else "converged"] in (0.0, True)
        for key in keys:
            assert parallel[name][key] == pytest.approx(serial[name][key], rel=1e-10), (name, key)
    assert time.perf_counter() - t0 < 120


if __name__ == "__main__" and "--worker" in sys.argv:
    comm = MPI.COMM_WORLD
    results = worker_results(comm)
    if comm.rank == 0:
        print(json.dumps(results, default=float))
