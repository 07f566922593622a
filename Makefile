# Thin aliases for the README's commands. Everything installs itself into .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
REPORT_ARGS ?= --pdf

.PHONY: report test lab corpora sysdeps clean-venv help

help:
	@echo "make report   fetch the corpora, then build the full report into data/reports/<run>/"
	@echo "make test     run the whole test suite"
	@echo "make lab      open the curated notebooks in JupyterLab"

$(STAMP): pyproject.toml Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,emotion]' --config-settings editable_mode=compat
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (toolkit)" >/dev/null
	@touch $(STAMP)

# Debian's headless Chromium renders PDFs and checks the HTML reports; installed when we may (root), else skipped.
sysdeps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium and poppler-utils (PDF export and report checks)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null) \
	      || echo "could not install chromium: PDF export is off"; \
	  else echo "chromium not found: install Debian's 'chromium' for PDF export"; fi; }

# Corpora come from the mirror folder in TOOLKIT_MIRROR, else from their public origins; already-installed ones are kept.
corpora: $(STAMP)
	$(BIN)/python -m toolkit corpora fetch --all || echo "some corpora could not be fetched; the report says which"

report: $(STAMP) sysdeps corpora
	$(BIN)/python -m toolkit report $(REPORT_ARGS)

test: $(STAMP) sysdeps corpora
	$(BIN)/python -m pytest

lab: $(STAMP)
	$(BIN)/python -m toolkit lab

clean-venv:
	rm -rf $(VENV)
