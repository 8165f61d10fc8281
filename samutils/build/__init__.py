"""The machinery that runs and builds the book, on top of the science floor (``samutils``):

- ``cli``: the command line (``python -m samutils list | run | ledger | bench``);
- ``catalog``: the chapters, their declared claims and parameters, checking a run request;
- ``runner``: executing chapters with papermill into staging, moving outputs into place on success;
- ``fingerprint``: what a chapter's results depend on, for rebuilding only what changed;
- ``cache``: filing papermill runs in Jupyter Book's execution cache;
- ``pages``: the ledger, errata and overview pages generated from the results;
- ``sphinxext``: the book's Sphinx extension (re-reading pages, offline MathJax);
- ``bench``, ``benchnets``, ``timing``: the benchmarks and ``make bench``.
"""
