"""Command line of ``zndeposit``.

Subcommands: validate | show | mesh | run | render | report | sweep | schema | info.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tomllib
from pathlib import Path
from typing import Any

from zndeposit import __version__
from zndeposit.errors import CaseError, RunInterrupted, ZnDepositError


def parse_overrides(items: list[str] | None) -> dict[str, Any]:
    """``["a.b=1", 'c.d=2 mol/L']`` -> ``{"a.b": 1, "c.d": "2 mol/L"}`` (TOML values or strings)."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise SystemExit(
                f"--set expects KEY=VALUE (e.g. electrolyte.concentration='1 mol/L'), got {item!r}"
            )
        try:
            value = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            value = text.strip()
        out[key.strip()] = value
    return out


def _load(args: argparse.Namespace) -> Any:
    """The case of a one-case command, with its --set overrides and --no-limits."""
    from zndeposit.case.load import load_case

    return load_case(args.case, parse_overrides(args.set), limits=not args.no_limits)


def _cmd_validate(args: argparse.Namespace) -> int:
    from zndeposit.case.load import load_case

    status = 0
    for path in args.cases:
        try:
            loaded = load_case(path, parse_overrides(args.set), limits=not args.no_limits)
        except CaseError as exc:
            status = 1
            print(f"INVALID {path}", file=sys.stderr)
            for issue in exc.issues:
                print(f"  {issue}", file=sys.stderr)
            continue
        print(
            f"ok      {path}" + (f" ({len(loaded.warnings)} warning(s))" if loaded.warnings else "")
        )
        if loaded.cost is not None:
            print(f"  cost: {loaded.cost.text()}")
        for w in loaded.warnings:
            print(f"  {w}")
    return status


def _cmd_show(args: argparse.Namespace) -> int:
    from zndeposit.case.show import show_text
    from zndeposit.errors import UnitError
    from zndeposit.units import parse_quantity

    height = None
    if args.dendrite_height is not None:
        try:
            height = parse_quantity(args.dendrite_height, "m", "um")
        except UnitError as exc:
            raise SystemExit(f"--dendrite-height: {exc} (e.g. --dendrite-height '20 um')") from None
        if height < 0:
            raise SystemExit(
                f"--dendrite-height: expected a height >= 0 (e.g. '20 um'), got "
                f"{args.dendrite_height!r}"
            )
    print(show_text(_load(args), height), end="")
    return 0


def _mesh_summary(info: Any) -> str:
    st = info.stats
    regions = ", ".join(f"{k} {v['cells']}" for k, v in st.get("regions", {}).items())
    source = "cache" if info.from_cache else f"gmsh, {info.seconds:.1f} s"
    return (
        f"mesh {info.key} ({source}): {st.get('cells')} cells, {st.get('nodes')} nodes"
        f" ({regions}); element size {st.get('h_min_um', 0):.3g}-{st.get('h_max_um', 0):.3g} um"
    )


def _cmd_mesh(args: argparse.Namespace) -> int:
    from zndeposit.fem import MPI, dolfinx
    from zndeposit.geometry.mesh import build_mesh_on_rank0, load_mesh
    from zndeposit.log import setup_logging

    comm = MPI.COMM_WORLD
    log = setup_logging(comm.rank, comm.size)
    loaded = _load(args)
    out = Path(args.output)
    info = build_mesh_on_rank0(loaded, comm, Path(args.cache), args.verbose)
    if comm.rank == 0:
        out.mkdir(parents=True, exist_ok=True)
        shutil.copy2(info.msh_path, out / "mesh.msh")
        shutil.copy2(info.json_path, out / "mesh.json")
    log.info(_mesh_summary(info))
    data = load_mesh(info.msh_path, comm)
    cells = data.mesh.topology.index_map(2).size_local
    total = comm.allreduce(cells)
    one = dolfinx.fem.form(dolfinx.fem.Constant(data.mesh, 1.0) * __import__("ufl").dx)
    area = comm.allreduce(dolfinx.fem.assemble_scalar(one))
    log.info(
        f"loaded into DOLFINx on {comm.size} rank(s): {total} cells, area {area * 1e12:.6g} um^2"
        + (f", {comm.allgather(cells)} cells per rank" if comm.size > 1 else "")
    )
    log.info(f"mesh written to {out / 'mesh.msh'} (coordinates in um)")
    if not args.no_preview and comm.rank == 0:
        from zndeposit.viz.mesh_preview import preview_mesh

        png = preview_mesh(out / "mesh.msh", out / "mesh_preview.png", title=loaded.case.title)
        log.info(f"preview written to {png}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from zndeposit.fem import MPI
    from zndeposit.log import setup_logging
    from zndeposit.solver.driver import restart_run, run_case
    from zndeposit.units import parse_quantity

    comm = MPI.COMM_WORLD
    log = setup_logging(comm.rank, comm.size, verbose=args.verbose)
    max_wall = parse_quantity(args.max_wall, "s") if args.max_wall else None
    if args.max_rejections < 1:
        raise SystemExit("--max-rejections expects a positive number")
    options = {
        "progress": not args.no_progress,
        "max_wall": max_wall,
        "max_rejections": args.max_rejections,
    }
    if args.restart is not None:
        flags = {"a case file": args.case, "--set": args.set, "--overwrite": args.overwrite}
        given = [name for name, on in {**flags, "-o": args.output}.items() if on]
        if given:
            raise SystemExit(
                f"run --restart RUN_DIR continues the run with its own case.resolved.toml and "
                f"folder: drop {', '.join(given)}"
            )
        out = Path(args.restart)
        metrics = restart_run(out, **options)
    else:
        if args.case is None:
            raise SystemExit("run needs a case file (or --restart RUN_DIR to continue a run)")
        loaded = _load(args)
        if loaded.cost is not None:
            log.info(f"{args.case}: {loaded.cost.text()}")
        for w in loaded.warnings:  # the warnings validate gives, before hours of solving
            log.warning(str(w))
        out = Path(args.output) if args.output else Path("runs") / Path(args.case).stem
        metrics = run_case(
            loaded, out, cache_dir=Path(args.cache), overwrite=args.overwrite, **options
        )
    if comm.rank == 0:
        from zndeposit.io.summary import run_summary

        print(run_summary(metrics))
        print(f"run finished: {out} (metrics: {metrics})")
    return 0


def _reading_run(command: Any, args: argparse.Namespace) -> int:
    """Run a command that reads run directories; a missing or bad file is a one-line error."""
    try:
        return int(command(args))
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _cmd_render(args: argparse.Namespace) -> int:
    from zndeposit.viz.render import render_command

    return _reading_run(render_command, args)


def _cmd_report(args: argparse.Namespace) -> int:
    from zndeposit.report.build import report_command

    return _reading_run(report_command, args)


def _cmd_schema(args: argparse.Namespace) -> int:
    if args.markdown:
        from zndeposit.case.reference import reference_markdown

        print(reference_markdown(), end="")
    else:
        import json

        from zndeposit.case.schema import Case

        print(json.dumps(Case.model_json_schema(), indent=2))
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    import platform

    print(f"zndeposit {__version__}, Python {platform.python_version()}")
    try:
        from zndeposit.fem import MPI, PETSc, dolfinx

        print(f"DOLFINx {dolfinx.__version__}, PETSc {'.'.join(map(str, PETSc.Sys.getVersion()))}")
        print(f"MPI: {MPI.Get_library_version().splitlines()[0]}")
        pkgs = ["mumps", "superlu_dist", "hypre"]
        print(
            "PETSc packages: " + ", ".join(f"{p}={PETSc.Sys.hasExternalPackage(p)}" for p in pkgs)
        )
    except ImportError as exc:
        print(f"DOLFINx not importable: {exc}")
    for mod in ("gmsh", "pyvista", "pint", "pydantic"):
        try:
            print(f"{mod} {__import__(mod).__version__}")
        except ImportError:
            print(f"{mod} not installed")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``zndeposit`` command."""
    p = argparse.ArgumentParser(
        prog="zndeposit",
        description="Phase-field simulation of Zn deposition on battery anodes.",
    )
    p.add_argument("--version", action="version", version=f"zndeposit {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def no_limits(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--no-limits",
            action="store_true",
            help="accept values beyond their physical bounds and a case estimated not to fit "
            "this machine (reported as warnings; see docs/safety.md)",
        )

    def with_set(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--set",
            action="append",
            metavar="KEY=VALUE",
            help="override a case value, e.g. --set control.current_density='5 mA/cm^2'",
        )

    v = sub.add_parser("validate", help="check case files; report every problem")
    v.add_argument("cases", nargs="+", help="case TOML files")
    with_set(v)
    no_limits(v)
    v.set_defaults(func=_cmd_validate)

    s = sub.add_parser(
        "show", help="print the resolved case, derived quantities and expected unknowns"
    )
    s.add_argument("case")
    s.add_argument(
        "--dendrite-height",
        metavar="LENGTH",
        help="also estimate the adaptive mesh with a dendrite this tall, e.g. '20 um' "
        "([mesh] adapt = true)",
    )
    with_set(s)
    no_limits(s)
    s.set_defaults(func=_cmd_show)

    m = sub.add_parser("mesh", help="build (or reuse) the gmsh mesh of a case, with a preview")
    m.add_argument("case")
    m.add_argument("-o", "--output", default="out", help="output directory (default: out)")
    m.add_argument("--cache", default="meshes/cache", help="mesh cache (default: meshes/cache)")
    m.add_argument("--no-preview", action="store_true", help="skip the PNG preview")
    m.add_argument("-v", "--verbose", action="store_true", help="show gmsh output")
    with_set(m)
    no_limits(m)
    m.set_defaults(func=_cmd_mesh)

    r = sub.add_parser("run", help="evolve the deposit of a case into a run directory")
    r.add_argument("case", nargs="?", help="the case file (not with --restart)")
    r.add_argument(
        "--restart",
        metavar="RUN_DIR",
        help="continue the run in RUN_DIR from its last checkpoint (docs/restart.md)",
    )
    r.add_argument("-o", "--output", help="run directory (default: runs/<case name>)")
    r.add_argument("--cache", default="meshes/cache", help="mesh cache (default: meshes/cache)")
    r.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the zndeposit run in the output folder (deletes only the files it wrote)",
    )
    r.add_argument(
        "--max-wall",
        metavar="TIME",
        help="wall-clock budget, e.g. '2 h': stop (status failed, outputs kept) when used up",
    )
    r.add_argument(
        "--max-rejections",
        type=int,
        default=25,
        metavar="N",
        help="give up after N rejected time steps in a row (default 25)",
    )
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.add_argument("-v", "--verbose", action="store_true", help="log every step")
    with_set(r)
    no_limits(r)
    r.set_defaults(func=_cmd_run)

    from zndeposit.report.build import add_report_arguments
    from zndeposit.viz.render import add_render_arguments

    rd = sub.add_parser("render", help="figures (PNG 300 dpi + PDF/SVG) and animations of a run")
    add_render_arguments(rd)
    rd.set_defaults(func=_cmd_render)

    rp = sub.add_parser("report", help="one self-contained HTML report of one or several runs")
    add_report_arguments(rp)
    rp.set_defaults(func=_cmd_report)

    from zndeposit.sweep.cli import add_sweep_parser

    add_sweep_parser(sub, with_set)

    sc = sub.add_parser("schema", help="print the case-file JSON schema (or a Markdown reference)")
    sc.add_argument("--markdown", action="store_true", help="Markdown tables of every key")
    sc.set_defaults(func=_cmd_schema)

    i = sub.add_parser("info", help="versions of zndeposit and its FEM stack")
    i.set_defaults(func=_cmd_info)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``zndeposit`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CaseError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except RunInterrupted as exc:
        print(f"interrupted: {exc}", file=sys.stderr)
        return exc.exit_code
    except ZnDepositError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except RecursionError:
        print("error: input nested too deeply", file=sys.stderr)
        return 1
    except MemoryError:
        print("error: out of memory (see docs/safety.md for the limits)", file=sys.stderr)
        return 1
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error:{where}: {exc.strerror or exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
