# Set-up is part of every target: a fresh clone needs only python3 (>= 3.10) and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_ROOT ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/curvelens/demo

.PHONY: install demo test lint typecheck pytest bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools
	$(BIN)/python -m pip install -q -e '.[dev,png]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/curvelens demo --root "$(DEMO_ROOT)"

test: $(STAMP) tmux lint typecheck pytest

# The end-to-end test drives the real command in tmux; install it when missing.
.PHONY: tmux
tmux:
	@command -v tmux >/dev/null 2>&1 || { \
	  echo "installing tmux (Debian package) for the end-to-end test"; \
	  apt-get update -qq && apt-get install -y -qq tmux >/dev/null; }

lint: $(STAMP) pkgtree
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	PYTHONPATH=.mypy_src $(BIN)/lint-imports

# mypy and lint-imports cannot follow the editable install's import hook, so give them a
# tree that looks like the installed package (links only, ignored by git).
.PHONY: pkgtree
pkgtree:
	rm -rf .mypy_src && mkdir -p .mypy_src/curvelens
	ln -s ../../core .mypy_src/curvelens/core
	ln -s ../../tui .mypy_src/curvelens/tui
	ln -s ../../launcher/__init__.py .mypy_src/curvelens/__init__.py
	ln -s ../../launcher/__main__.py .mypy_src/curvelens/__main__.py
	ln -s ../../launcher/cli.py .mypy_src/curvelens/cli.py

typecheck: $(STAMP) pkgtree
	MYPYPATH=.mypy_src $(BIN)/mypy -p curvelens

pytest: $(STAMP)
	$(BIN)/pytest

# The anchors (pandas, tbparse, TensorBoard) go into the bench extra, never the runtime deps.
bench: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,png,bench]'
	$(BIN)/python bench/run.py
	$(BIN)/python bench/tui_redraw.py
	$(BIN)/python bench/hostile.py
	$(BIN)/python bench/live_poll.py
	$(BIN)/python bench/live_redraw.py
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python bench/tfevents_speed.py

clean:
	rm -rf $(VENV) .mypy_src .mypy_cache .pytest_cache .ruff_cache build *.egg-info
