# The README's commands. Each sets up .venv itself (pinned by constraints.txt) on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready

.PHONY: book test bench pdf mutants clean

book: $(READY)
	$(BIN)/python -m samutils run --all --changed --jobs 2 --scale paper
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	@echo "The book: file://$(CURDIR)/_build/html/index.html"

# The book as one PDF (XeLaTeX; Debian: see the README), also put beside the HTML book.
pdf: $(READY)
	@command -v xelatex >/dev/null && command -v latexmk >/dev/null || { echo "make pdf needs XeLaTeX and latexmk:" \
	  "apt-get install texlive-xetex texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended" \
	  "latexmk fonts-freefont-otf fonts-dejavu-core lmodern" >&2; exit 2; }
	$(BIN)/python -m samutils run --all --changed --jobs 2 --scale paper
	$(BIN)/jupyter-book build . --builder pdflatex
	mkdir -p _build/html && cp _build/latex/book.pdf _build/html/sam-dynamics.pdf
	@echo "The PDF: $(CURDIR)/_build/latex/book.pdf"

test: $(READY)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# Mutation testing (minutes; not part of `make test`): the share of planted bugs the unit tests catch.
mutants: $(READY)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[mutants]'
	rm -rf mutants && mkdir -p _build
	$(BIN)/mutmut run --max-children 2 > _build/mutants.log 2>&1
	$(BIN)/mutmut export-cicd-stats >/dev/null 2>&1
	$(BIN)/python -c "import json; s = json.load(open('mutants/mutmut-cicd-stats.json')); \
	print(f\"mutants caught: {s['killed']} of {s['total']} ({s['killed'] / s['total']:.0%}); \
	survivors: {s['survived']} (mutmut results lists them)\")"

bench: $(READY)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[bench]'
	$(BIN)/python -m samutils bench --book

$(READY): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[book,test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3" >/dev/null
	touch $@

clean:
	rm -rf _build
