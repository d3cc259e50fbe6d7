# Two commands on a fresh clone: `make demo` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint venv clean

venv: $(STAMP)

# The same script builds the Docker image's venv (see Dockerfile).
$(STAMP): pyproject.toml
	PYTHON=$(PYTHON) scripts/install.sh $(VENV) --dev
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tradethehype demo

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) build *.egg-info
