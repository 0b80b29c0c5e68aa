# Two commands from a fresh clone: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres soak bench lint format clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "prefcenter needs Python 3.11 or newer; set PYTHON=python3.x")'
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV): on Debian/Ubuntu, apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/prefcenter run

test: test-sqlite test-postgres

test-sqlite: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

# The same suite on a throw-away PostgreSQL cluster, when PostgreSQL is installed (always in CI).
test-postgres: $(STAMP)
	scripts/with-postgres $(BIN)/pytest

# The reliability tests at full length (2,000 messages through SIGKILLs, and so on), on SQLite
# and on PostgreSQL. Minutes, not seconds: not part of `make test`, which runs short versions.
soak: $(STAMP)
	PREFCENTER_SOAK=1 $(BIN)/pytest tests/reliability
	PREFCENTER_SOAK=1 scripts/with-postgres $(BIN)/pytest tests/reliability

# Benchmarks, not tests: they print figures next to baselines and write bench/RESULTS.md and
# bench/throughput.png. They need wrk and PostgreSQL from the OS packages (see bench/README.md).
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-output
