# darkroom: `make serve` runs the server on the embedded default; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test lint typecheck pytest bench bench-gallery clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/darkroom serve

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check darkroom tests bench
	$(BIN)/ruff format --check darkroom tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# Two workers, one test file per worker at a time (a file's fixtures and the cluster test's
# processes stay together); each worker starts its own throwaway PostgreSQL and S3 emulator.
# The files that take minutes go first (tests/conftest.py), so they do not finish alone.
pytest: $(STAMP)
	scripts/ensure-postgres
	scripts/ensure-nginx
	scripts/ensure-chromium
	$(BIN)/pytest -q -n 2 --dist loadfile

bench: $(STAMP)
	$(BIN)/python bench/render.py

# Time to first thumbnail and to a loaded grid of 200 images, in Chromium (docs/benchmarks.md).
bench-gallery: $(STAMP)
	scripts/ensure-chromium
	$(BIN)/python bench/gallery.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache .hypothesis
