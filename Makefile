# zndeposit: the two commands a newcomer needs are `make demo` and `make test`.
# Both create .venv (Python >= 3.12, found automatically) and install on first use.

VENV   := .venv
BIN    := $(VENV)/bin
CASE   ?= cases/quickstart_nucleus.toml
OUT    ?= out/$(basename $(notdir $(CASE)))

.PHONY: setup demo test verify lint format clean

setup:
	@scripts/bootstrap.sh

## validate every example case, show the default one and solve it (about a minute)
demo: setup
	$(BIN)/zndeposit validate cases/*.toml
	$(BIN)/zndeposit show $(CASE)
	$(BIN)/zndeposit run $(CASE) -o $(OUT) --overwrite

## the default test run (what CI runs): lint + all tests not marked slow
test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -m "not slow"

## the verification suite alone, verbose, including runs marked slow (docs/verification.md)
verify: setup
	$(BIN)/python -m pytest tests/verification -v -m "slow or not slow"

lint: setup
	$(BIN)/ruff check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) meshes/cache out .pytest_cache .ruff_cache
