# The README's commands. Each sets up .venv itself (pinned by constraints.txt) on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready

.PHONY: book test bench clean

book: $(READY)
	$(BIN)/python -m samutils run --all --changed --jobs 2 --scale paper
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	@echo "The book: file://$(CURDIR)/_build/html/index.html"

test: $(READY)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: $(READY)
	$(BIN)/python -m samutils bench --book

$(READY): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[book,test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3" >/dev/null
	touch $@

clean:
	rm -rf _build
