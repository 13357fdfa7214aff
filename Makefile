# Trendscope: `make run` installs everything into .venv and starts the app; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
TS := $(VENV)/bin/trendscope
SNAPSHOT ?=
PORT ?= 8501
# where the CPU build of torch comes from: pip's own settings by default (a local wheel here); elsewhere give
# PyTorch's CPU index, as PyPI's Linux wheel is the CUDA build (gigabytes): TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_INDEX ?=

.PHONY: install run test test-fast lint docs browser clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first: the CPU build (any other pulls gigabytes of CUDA wheels)
	$(PY) -m pip install -q torch==2.13.0 $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

# Import SNAPSHOT if given, else fetch the last days of arXiv when reachable; index; then serve the app.
run: install
	@if [ -n "$(SNAPSHOT)" ]; then $(TS) ingest --snapshot "$(SNAPSHOT)" || [ $$? -eq 3 ]; \
	else $(TS) ingest --since 3d || [ $$? -eq 3 ] || echo "arXiv is not reachable from here: the app starts with the papers already stored (import more with: make run SNAPSHOT=path/to/file.jsonl.gz)"; fi
	$(TS) index
	$(TS) serve --port $(PORT)

# Headless Chromium + chromedriver for the browser tests (Debian packages), installed when missing.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) || \
	    echo "could not install chromium: browser tests will fail"; }

# Every test: the real MiniLM model, headless Chromium, SIGKILL and dev-set quality guards.
test: install browser
	$(VENV)/bin/pytest -q -ra

# The fast tier: a deterministic hashing embedder instead of the model; no browser, no slow tests (about 2 minutes on 2 cores).
# Bytecode is cached even where PYTHONDONTWRITEBYTECODE is set (pytest's rewritten test modules: ~5 s a run).
test-fast: install
	env -u PYTHONDONTWRITEBYTECODE TRENDSCOPE_MODEL=hash-384 $(VENV)/bin/pytest -q -ra -m "not slow and not browser" -n 2 --dist worksteal

lint: install
	$(VENV)/bin/ruff check .

# Regenerate the CLI reference (docs/cli.md) from --help; CI checks it is current (tests/test_docs.py).
docs: install
	$(VENV)/bin/cog -r docs/cli.md

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
