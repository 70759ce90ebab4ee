# Jili — `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SHARED ?= ../shared
DEMO   ?= jili-demo
PG_URL ?= postgresql://postgres@127.0.0.1:5432/jili

.DEFAULT_GOAL := help
.PHONY: help demo test test-sqlite test-postgres lint typecheck check bench clean docs mutate

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/jili: pyproject.toml scripts/vendor-assets.sh
	bash scripts/vendor-assets.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	@touch $@

.stamp-test: pyproject.toml $(BIN)/jili
	bash scripts/vendor-assets.sh
	$(BIN)/pip install -q -e '.[test,spark]'
	@touch $@

demo: $(BIN)/jili ## Install, build the demo workspace and serve it on http://127.0.0.1:8000 (JILI_NO_SERVE=1 skips serving)
	$(BIN)/jili demo run --workspace $(DEMO) --bank $(SHARED)/data/anonymous-bank/calls-1999-02.tsv
	@if [ -z "$$JILI_NO_SERVE" ]; then $(BIN)/jili serve --workspace $(DEMO) --host 127.0.0.1 --port 8000; fi

test: .stamp-test ## Install everything the tests need and run every test (SQLite, then PostgreSQL)
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-browser.sh
	bash scripts/ensure-java.sh
	bash scripts/vendor-assets.sh
	$(BIN)/lint-imports
	$(BIN)/pytest -q
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -m postgres

test-sqlite: .stamp-test ## Run the tests on SQLite only
	bash scripts/ensure-browser.sh
	bash scripts/ensure-java.sh
	bash scripts/vendor-assets.sh
	$(BIN)/pytest -q

lint: .stamp-test ## ruff and the import-linter layer contract
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports

typecheck: .stamp-test ## mypy
	$(BIN)/mypy

check: lint typecheck test ## Everything CI should see

# mutmut runs the tests against its own copy of the code under mutants/: jili must not be installed in the
# environment it uses, or the tests would import the unmutated package.
.venv-mutate/bin/mutmut: pyproject.toml
	$(PYTHON) -m venv .venv-mutate
	.venv-mutate/bin/pip install -q --upgrade pip
	.venv-mutate/bin/pip install -q '.[test]' 'mutmut==3.8.1'
	.venv-mutate/bin/pip uninstall -q -y jili
	@touch $@

mutate: .venv-mutate/bin/mutmut ## Mutation testing of the modules that decide money and quality (minutes; not part of make test)
	rm -rf mutants
	JILI_SHARED=$(abspath $(SHARED)) .venv-mutate/bin/mutmut run --max-children 2 > /dev/null
	.venv-mutate/bin/python scripts/mutation-score.py

docs: $(BIN)/jili ## Regenerate docs/data-formats.md from the code
	$(BIN)/jili formats --markdown > docs/data-formats.md

bench: .stamp-test ## Run the benchmarks (print figures; they do not pass or fail)
	$(BIN)/pip install -q -e '.[test,bench]'
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_close.py
	$(BIN)/python benchmarks/bench_export.py
	$(BIN)/python benchmarks/bench_autoqa.py
	$(BIN)/python benchmarks/bench_spark.py

clean: ## Remove the virtual environment and generated folders
	rm -rf $(VENV) .venv-mutate mutants .stamp-test $(DEMO) demo-data benchmarks/out
