#!/usr/bin/env bash
# Create .venv with a Python >= 3.12 and install zndeposit with the FEM stack
# and test tools. Idempotent: re-runs only when pyproject.toml changed.
# Usage: scripts/bootstrap.sh        (called by `make demo` / `make test`)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
STAMP="$VENV/.zndeposit-installed"

find_python() {
    local cand v
    # 1. an explicit choice
    if [ -n "${ZNDEPOSIT_PYTHON:-}" ]; then echo "$ZNDEPOSIT_PYTHON"; return; fi
    # 2. versioned interpreters on PATH, then pyenv installs, then plain python3
    local roots=()
    command -v pyenv >/dev/null 2>&1 && roots+=("$(pyenv root)/versions")
    [ -d "$HOME/.pyenv/versions" ] && roots+=("$HOME/.pyenv/versions")
    # 3.12 first: it is the version the DOLFINx image and wheel were checked with.
    for cand in python3.12 \
        $(for r in "${roots[@]}"; do ls -d "$r"/3.12*/bin/python3 2>/dev/null | sort -Vr; done) \
        python3.13 \
        $(for r in "${roots[@]}"; do ls -d "$r"/3.1[3-9]*/bin/python3 2>/dev/null | sort -Vr; done) \
        python3; do
        if command -v "$cand" >/dev/null 2>&1 || [ -x "$cand" ]; then
            v=$("$cand" -c 'import sys; print(int(sys.version_info >= (3, 12)))' 2>/dev/null || echo 0)
            if [ "$v" = 1 ]; then command -v "$cand" || echo "$cand"; return; fi
        fi
    done
    return 1
}

if [ -f "$STAMP" ] && [ "$STAMP" -nt pyproject.toml ] && [ -x "$VENV/bin/zndeposit" ]; then
    exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
    PY=$(find_python) || {
        echo "zndeposit set-up: no Python >= 3.12 found (tried python3.13, python3.12," \
             "pyenv versions, python3). Install one or set ZNDEPOSIT_PYTHON=/path/to/python3.12." >&2
        exit 1
    }
    echo "zndeposit set-up: creating $VENV with $PY ($("$PY" --version))"
    "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
echo "zndeposit set-up: installing zndeposit[fem,test] (DOLFINx wheel, gmsh, PyVista ...)"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[fem,test]"
touch "$STAMP"
echo "zndeposit set-up: done ($("$VENV/bin/python" --version))"
