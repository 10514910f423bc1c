"""Nothing a user types crashes zndeposit: malformed files, absurd values, output folders.

Each row runs the command line in-process (``zndeposit.cli.main``) and checks
the exit code, that no traceback was printed and the key words of the message.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zndeposit.cli import main
from zndeposit.errors import OutputDirError
from zndeposit.io.ownership import MARKER
from zndeposit.io.rundir import RunDirectory

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "sweep" / "tiny_case.toml"


def _cli(capsys, *argv: str) -> tuple[int, str]:
    rc = main([str(a) for a in argv])
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text
    return rc, text


# --- unreadable files ------------------------------------------------------------------------
FILES = [
    ("garbage.toml", bytes(range(256)) * 4, "a binary file"),
    ("bytes.toml", bytes(range(128, 256)), "not UTF-8"),
    ("latin1.toml", 'title = "caf\xe9"\n'.encode("latin-1"), "byte 0xe9 at line 1"),
    ("utf16.toml", 'title = "x"\n'.encode("utf-16"), "UTF-16"),
    ("nul.toml", b"title = \x00\x00\x00", "binary"),
    ("nested.toml", ("a = " + "[" * 50_000 + "]" * 50_000).encode(), "nested deeper"),
    ("tables.toml", ("a = " + "{x = " * 40 + "1" + "}" * 40).encode(), "nested deeper"),
    ("huge.toml", b"# " + b"x" * 2_000_000, "larger than"),
    ("syntax.toml", b"title = [", "not valid TOML"),
    ("empty.toml", b"", "required key is missing"),
]


@pytest.mark.parametrize(("name", "content", "words"), FILES, ids=[f[0] for f in FILES])
def test_unreadable_case_file(tmp_path, capsys, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    rc, text = _cli(capsys, "validate", path)
    assert rc == 1
    assert str(path) in text and words in text


def test_directory_and_missing_file(tmp_path, capsys):
    rc, text = _cli(capsys, "validate", tmp_path)
    assert rc == 1 and "is a directory" in text and str(tmp_path) in text
    rc, text = _cli(capsys, "show", tmp_path / "nope.toml")
    assert rc == 1 and "file not found" in text


# --- absurd values (each a physical bound or the cost estimate, with the key) ---------------
ABSURD = [
    ("domain.width='1e30 um'", "domain.width", "at most 1e+04 um"),
    ("mesh.elements_across_interface=1e9", "elements_across_interface", "at most 100"),
    ("mesh.elements_across_interface=inf", "elements_across_interface", "not a finite"),
    ("output.count=1000000000", "output.count", "at most 1e+04"),
    ("output.interval='1e-15 s'", "output.interval", "at least 1e-12 s"),
    ("output.interval='1e-6 s'", "output.interval", "at most 10000 are written"),
    ("interface.width='1e-30 um'", "interface.width", "atomic scale"),
    ("control.current_density='1e30 mA/cm^2'", "current_density", "10 A/cm^2"),
    ("numerics.dt_min='1e-300 s'", "numerics.dt_min", "at least 1e-12 s"),
    ("electrolyte.concentration='1e6 mol/L'", "concentration", "100 mol/L"),
    ("electrolyte.temperature='-272 degC'", "temperature", "150 K"),
    ("domain.width='9000 um'", "mesh", "memory"),
    ("anode.nuclei.0.x='90 um'", "anode.nuclei[0].x", "flat anode"),
    ("domain.width='" + "1 " + "um*" * 40_000 + "um'", "domain.width", "at most 80"),
    ("domain.width='9**9**9 um'", "domain.width", "no arithmetic"),
    ("coatings.3.thickness='1 um'", "coatings.3", "cannot set"),
    ("domain.width.x=1", "domain.width", "not a table"),
]


@pytest.mark.parametrize(("setting", "key", "words"), ABSURD, ids=[a[0][:40] for a in ABSURD])
def test_absurd_value_refused_by_validate(write_case, capsys, setting, key, words):
    path = write_case('[[anode.nuclei]]\nx = "20 um"\nradius = "2 um"\n')
    rc, text = _cli(capsys, "validate", path, "--set", setting)
    assert rc == 1, text
    assert key in text and words in text, text


def test_no_limits_turns_bounds_into_warnings(write_case, capsys):
    path = write_case()
    rc, text = _cli(capsys, "validate", path, "--set", "electrolyte.concentration='40 mol/L'")
    assert rc == 0 and "100 mol/L" not in text  # 40 M is in bounds
    setting = "electrolyte.temperature='1200 K'"
    rc, text = _cli(capsys, "validate", path, "--set", setting)
    assert rc == 1 and "1000 K" in text
    rc, text = _cli(capsys, "validate", path, "--set", setting, "--no-limits")
    assert rc == 0 and "overridden by --no-limits" in text


def test_validate_prints_the_cost(capsys):
    rc, text = _cli(capsys, "validate", TINY)
    assert rc == 0 and "cost: ~" in text and "unknowns" in text and "memory" in text


def test_cost_estimate_close_to_the_mesh():
    """Cells of tests/sweep/tiny_case.toml: gmsh made 1366 (cached mesh.json in a run)."""
    from zndeposit.case.load import load_case

    cost = load_case(TINY).cost
    assert cost is not None and 1366 * 0.8 < cost.cells < 1366 * 1.2
    assert cost.outputs == 2


def test_validate_memory_on_absurd_cases(tmp_path):
    """validate on every absurd case above stays under 200 MB (peak RSS of the process).

    The peak is VmHWM, the high-water mark of the process image: ru_maxrss keeps
    the parent's peak across fork + exec on Linux, so after the FEM tests it read
    the 1.1 GB of the pytest process itself.
    """
    case = tmp_path / "case.toml"
    case.write_text(TINY.read_text())
    calls = [["validate", str(case), "--set", s] for s, _, _ in ABSURD]
    script = (
        "import json, sys\n"
        "from zndeposit.cli import main\n"
        "codes = [main(a) for a in json.loads(sys.argv[1])]\n"
        "peak = [ln for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0]\n"
        "print(json.dumps([codes, int(peak.split()[1])]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, json.dumps(calls)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    codes, rss_kb = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(codes) == {1}
    assert rss_kb < 200_000, f"validate peaked at {rss_kb / 1000:.0f} MB"
    assert "Traceback" not in out.stderr


# --- output folders (no solver is started: every case is refused first) ---------------------
def _unwritable(tmp_path: Path) -> Path:
    if os.geteuid() == 0:  # root writes anywhere but /proc
        return Path("/proc/zndeposit-test/run")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    return ro / "run"


def test_output_folder_battery(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    user = tmp_path / "user"
    (user / "fields").mkdir(parents=True)
    (user / "fields" / "mine.dat").write_text("precious")
    (user / "run.log").write_text("my log")
    rows = [
        (["-o", afile], "is a file, not a folder"),
        (["-o", afile / "sub"], "afile is a file"),
        (["-o", _unwritable(tmp_path)], "cannot"),
        (["-o", user], "holds no zndeposit run"),
        (["-o", user, "--overwrite"], "holds no zndeposit run"),
        (["-o", tmp_path / "r", "--cache", afile / "c"], "mesh cache"),
        (["-o", tmp_path / "r", "--max-wall", "9**9 s"], "no arithmetic"),
    ]
    for extra, words in rows:
        rc, text = _cli(capsys, "run", TINY, "--no-progress", *extra)
        assert rc == 1, (extra, text)
        assert words in text, (extra, text)
        assert "FileExistsError" not in text
    assert (user / "fields" / "mine.dat").read_text() == "precious"
    assert (user / "run.log").read_text() == "my log"
    assert not (tmp_path / "r").exists()  # the cache was refused before the run folder


def _fake_run(path: Path, status: str = "finished") -> None:
    with RunDirectory(path, log=False) as rd:
        rd.manifest.start(case_hash="h")
        (rd.fields_dir / "snapshots").mkdir()
        (rd.fields_dir / "snapshots" / "s0.vtu").write_text("vtu")
        rd.metrics_path.write_text("t\n0\n")
        rd.manifest.finish(status)  # type: ignore[arg-type]


def test_overwrite_deletes_only_what_zndeposit_wrote(tmp_path):
    run = tmp_path / "run"
    _fake_run(run)
    marker = json.loads((run / MARKER).read_text())
    assert "fields/snapshots/s0.vtu" in marker["files"] and "metrics.csv" in marker["files"]
    mine = [run / "notes.txt", run / "fields" / "my.dat", run / "fields" / "snapshots" / "x.txt"]
    for p in mine:
        p.write_text("mine")
    with pytest.raises(OutputDirError, match="already holds a run"):
        RunDirectory(run, log=False)
    RunDirectory(run, overwrite=True, log=False).close()
    assert all(p.read_text() == "mine" for p in mine)
    assert not (run / "metrics.csv").exists()
    assert not (run / "fields" / "snapshots" / "s0.vtu").exists()


def test_marker_cannot_delete_outside_the_folder(tmp_path):
    run, outside = tmp_path / "run", tmp_path / "outside.txt"
    outside.write_text("keep")
    _fake_run(run)
    (run / MARKER).write_text(json.dumps({"written_by": "zndeposit", "files": ["../outside.txt"]}))
    RunDirectory(run, overwrite=True, log=False).close()
    assert outside.read_text() == "keep"


def test_live_run_is_refused_and_dead_run_is_told(tmp_path):
    from zndeposit.io.manifest import liveness

    run = tmp_path / "run"
    _fake_run(run, "running")
    data = json.loads((run / "manifest.json").read_text())
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        data["heartbeat"]["pid"] = child.pid
        (run / "manifest.json").write_text(json.dumps(data))
        assert liveness(data)[0] == "live"
        with pytest.raises(OutputDirError, match="still running"):
            RunDirectory(run, overwrite=True, log=False)
    finally:
        child.kill()
        child.wait()
    state, why = liveness(data)
    assert state == "dead" and str(child.pid) in why
    with pytest.raises(OutputDirError, match="dead"):
        RunDirectory(run, log=False)
    RunDirectory(run, overwrite=True, log=False).close()


def test_sweep_name_cannot_leave_the_sweep_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("../escape", "/tmp/abs", ".hidden", "a/b"):
        sweep = tmp_path / "s.toml"
        sweep.write_text(
            f'name = "{name}"\nbase = "{TINY}"\n[[axis]]\nkey = "control.current_density"\n'
            'values = ["5 mA/cm^2", "10 mA/cm^2"]\n'
        )
        rc, text = _cli(capsys, "sweep", sweep, "--dry-run")
        assert rc == 1 and "plain folder name" in text, text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]
