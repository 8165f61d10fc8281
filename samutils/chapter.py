"""What a chapter notebook uses to set itself up and record its results.

A chapter starts with::

    ch = Chapter("01_sam_update_rules", scale=scale, seed=seed, outdir=outdir)
    steps = ch.pick(steps, ci=50, paper=400)

which checks the parameters, fixes the seed and float64, flushes subnormal numbers to zero
(below 2.2e-308 they carry no information here, and converging trajectories that reach them
make CPU arithmetic tens of times slower), runs torch on one thread (the batches are small, and
chapters run side by side in the tests), applies the plot style, and then
collects claims (verdicts computed from checks), values and figures, written by ``ch.write()``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from . import ledger, plotting
from .layout import SCALES, default_outdir


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _plain(x):
    """Tensors and arrays to nested lists of Python numbers, for JSON."""
    if isinstance(x, (torch.Tensor, np.ndarray)):
        return x.tolist()
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


class ParameterError(ValueError):
    """A chapter parameter with a value the chapter does not accept (the CLI exits 2 on it)."""


class Chapter:
    """A running chapter: validated parameters, seed, results, figures."""

    def __init__(self, slug: str, *, scale: str, seed: int, outdir=None, scales=SCALES):
        if scale not in scales:
            raise ParameterError(
                f"parameter 'scale' is {scale!r}; allowed values: {', '.join(scales)}"
            )
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ParameterError(f"parameter 'seed' is {seed!r}; allowed values: integers >= 0")
        self.slug, self.scale, self.seed = slug, scale, seed
        self.outdir = Path(outdir) if outdir else default_outdir()
        torch.set_default_dtype(torch.float64)
        torch.set_flush_denormal(True)
        torch.set_num_threads(1)
        torch.manual_seed(seed)
        plotting.use_style()
        self.results = {"chapter": slug, "scale": scale, "seed": seed, "claims": {}, "values": {}}

    def pick(self, name: str, value, **by_scale):
        """Parameter ``name``: ``value`` if given (not None), else its setting for this scale.

        A given value must have the type of the settings (an int is accepted for a float), a list
        must not be empty, and a number (or each number of a list) keeps the sign the settings
        share: positive where every setting is positive (counts, steps, step sizes), non-negative
        where every setting is. Anything else raises :class:`ParameterError` naming the parameter.
        """
        if self.scale not in by_scale:
            raise ValueError(f"parameter {name!r} has no setting for scale {self.scale!r}")
        default = by_scale[self.scale]
        if value is None:
            return default
        settings = ", ".join(f"{k}: {v!r}" for k, v in by_scale.items())
        refuse = lambda allowed: ParameterError(
            f"parameter {name!r} is {value!r}; allowed values: {allowed} (settings {settings})"
        )
        listed = isinstance(default, (list, tuple))
        kind = (
            (int, float)
            if isinstance(default, float)
            else (list, tuple)
            if listed
            else type(default)
        )
        if isinstance(value, bool) != isinstance(default, bool) or not isinstance(value, kind):
            raise ParameterError(
                f"parameter {name!r} is {value!r}; expected {type(default).__name__} "
                f"(settings {settings})"
            )
        if listed:
            if not value:
                raise refuse("a non-empty list")
            numbers = [x for v in by_scale.values() for x in v if _number(x)]
            if numbers and not all(_number(x) for x in value):
                raise refuse("a list of numbers")
        else:
            numbers = [v for v in by_scale.values() if _number(v)]
        given = value if listed else [value]
        if numbers and all(x > 0 for x in numbers) and not all(x > 0 for x in given):
            raise refuse("numbers > 0")
        if numbers and all(x >= 0 for x in numbers) and not all(x >= 0 for x in given):
            raise refuse("numbers >= 0")
        return value

    def generator(self, stream: int = 0) -> torch.Generator:
        """A torch generator seeded from the chapter's seed (``stream`` separates experiments)."""
        return torch.Generator().manual_seed(self.seed * 1_000_003 + stream)

    def claim(
        self,
        claim_id: str,
        summary: str,
        printed,
        derived=(),
        *,
        source: str,
        setting: str,
        analogue_of: str | None = None,
        correction: dict | None = None,
    ) -> dict:
        """Record a claim; its verdict is computed from the checks. Glues ``<ID>_verdict``
        (markdown).

        ``source``: where the paper states it ("Theorem 1"); ``setting``: ``"paper"`` or
        ``"analogue"`` (then ``analogue_of`` says what stands in for what, and why);
        ``correction``: ``{"kind", "printed", "derived"}`` (Markdown), required when the verdict is
        ``corrected``; ``kind`` is ``statement``, ``formula`` or ``proof`` (see
        :mod:`samutils.ledger`).
        """
        ledger.paper_of(claim_id)
        record = ledger.claim_record(
            claim_id,
            summary,
            list(printed),
            list(derived),
            source=source,
            setting=setting,
            analogue_of=analogue_of,
            correction=correction,
        )
        self.results["claims"][claim_id] = record
        _glue(f"{claim_id}_verdict", f"**{record['verdict']}**")
        _glue(f"{claim_id}_summary", summary)
        _show(
            ledger.evidence_markdown(claim_id, record) + "\n\n" + _cite_dropdown(claim_id, source)
        )
        return record

    def glue(self, **values) -> None:
        """Glue each value under its name for the page's ``{glue:text}`` / ``{glue:md}`` roles,
        without displaying it. A string serves both roles (text and Markdown); a number keeps its
        type, so ``{glue:text}`name:.2f``` can format it."""
        from myst_nb import glue

        for name, value in values.items():
            glue(name, _Text(value) if isinstance(value, str) else value, display=False)

    def value(self, key: str, data) -> None:
        """Record regenerated numbers (a table, a figure's headline numbers) under
        ``values[key]``."""
        self.results["values"][key] = _plain(data)

    def savefig(self, fig, name: str) -> None:
        """Save a figure to ``<outdir>/figures/<slug>/<name>.png|svg``, glue it as ``fig-<name>``
        (for a numbered ``{glue:figure}`` with a caption) and close it."""
        import matplotlib.pyplot as plt
        from myst_nb import glue

        plotting.savefig(fig, name, self.outdir, self.slug)
        glue(f"fig-{name}", fig, display=False)
        plt.close(fig)

    @staticmethod
    def table(rows: list[dict], formats: dict | None = None):
        """A list of dicts as a Markdown table for display (``formats``: column -> format spec)."""
        from IPython.display import Markdown

        formats = formats or {}
        cols = list(rows[0])
        escape = lambda text: str(text).replace("|", "\\|")
        cell = lambda c, v: (
            format(v, formats[c]) if c in formats and isinstance(v, (int, float)) else escape(v)
        )
        lines = ["| " + " | ".join(map(escape, cols)) + " |", "|" + "---|" * len(cols)]
        lines += ["| " + " | ".join(cell(c, r[c]) for c in cols) + " |" for r in rows]
        return Markdown("\n".join(lines))

    def write(self) -> Path:
        """Write ``<outdir>/<slug>.json``."""
        return ledger.write_results(self.outdir / f"{self.slug}.json", self.results)


def _cite_dropdown(claim_id: str, source: str) -> str:
    """A folded "Cite this claim" box: BibTeX and a plain reference with the claim's stable
    address."""
    from . import citation

    paper = citation.short_name(ledger.paper_of(claim_id))
    return (
        f"````{{dropdown}} Cite claim "
        f"{claim_id}\n```bibtex\n{citation.claim_bibtex(claim_id, paper, source)}\n```\n\n"
        f"{citation.claim_reference(claim_id, paper, source)}\n````"
    )


class _Text:
    """A string glued as both plain text and Markdown."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return self.text


def _show(markdown: str) -> None:
    from IPython.display import Markdown, display

    display(Markdown(markdown))


def _glue(key: str, markdown: str) -> None:
    from IPython.display import Markdown
    from myst_nb import glue

    glue(key, Markdown(markdown), display=False)
