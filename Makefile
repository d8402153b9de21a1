# Passerelle development tasks. `make help` lists them.
PYTHON ?= python3
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help setup serve demo test test-embedded test-real lint fmt migration db-regen upgrade i18n bench

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-15s %s\n", $$1, $$2}'

setup: ## Install the service and its test and lint tools (editable)
	$(PYTHON) -m pip install -q -e '.[test,lint]'

serve: setup ## Run the service on its embedded defaults (http://127.0.0.1:8000)
	$(PYTHON) -m idp serve

demo: setup ## Install, then serve on http://localhost:8000 with three sample portals and people
	$(PYTHON) -m idp demo

test: setup ## Install, then run the whole suite on both backends (embedded, PostgreSQL + Redis)
	$(PYTHON) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

test-embedded: setup ## Run the suite on SQLite + in-process store only
	$(PYTHON) -m pytest -n 2 --dist loadfile --backend embedded $(PYTEST_ARGS)

test-real: setup ## Run the suite on PostgreSQL + Redis only
	$(PYTHON) -m pytest -n 2 --dist loadfile --backend real $(PYTEST_ARGS)

lint: ## ruff, format check, mypy, import contracts
	ruff check .
	ruff format --check .
	mypy
	lint-imports

fmt: ## Format the code
	ruff format .
	ruff check --fix .

migration: ## Draft a new migration: make migration NAME="add delegations"
	$(PYTHON) -m idp.migrations.draft "$(NAME)"

db-regen: ## Regenerate the initial migration from the models (only before the first release)
	$(PYTHON) -m idp.migrations.draft --regenerate-initial

upgrade: ## Apply migrations to the configured database
	$(PYTHON) -m idp db upgrade

i18n: ## Extract messages and update the English and French catalogues
	pybabel extract -F babel.cfg -o idp/locale/messages.pot --no-location --omit-header --sort-output --ignore-dirs ".* __pycache__" .
	pybabel update -i idp/locale/messages.pot -d idp/locale -D messages --no-fuzzy-matching --omit-header

bench: export PYTHONPATH := $(CURDIR)
bench: ## Print figures: hot paths, sign-ins vs argon2id, refresh, 1M delegations, 1M legacy rows (docs/performance.md)
	$(PYTHON) bench/token_endpoint.py
	$(PYTHON) bench/decisions.py
	$(PYTHON) bench/signin.py
	$(PYTHON) bench/signin_steps.py
	$(PYTHON) bench/lean_signin.py
	$(PYTHON) bench/stack_costs.py
	$(PYTHON) bench/refresh.py
	$(PYTHON) bench/client_assertions.py
	$(PYTHON) bench/delegated.py
	$(PYTHON) bench/micro_costs.py
	$(PYTHON) bench/legacy_import.py
	@if command -v wrk >/dev/null; then \
		$(PYTHON) bench/http_floor.py && $(PYTHON) bench/lean_shapes.py && \
		$(PYTHON) bench/lean_shapes.py 5 3 postgres && $(PYTHON) bench/replicas.py; \
	else echo "http_floor, lean_shapes, replicas: skipped (no wrk; apt-get install wrk)"; fi
	@if command -v wrk >/dev/null && command -v py-spy >/dev/null; then \
		$(PYTHON) bench/profile_endpoints.py; \
	else echo "profile_endpoints: skipped (needs wrk and py-spy)"; fi
