"""The generated pages: the claims table (ledger), the errata, the variant table and the landing
page's overview, as MyST Markdown from the chapters' results
(:func:`samutils.ledger.claims_table`). :func:`generated` is what the book's
``{samutils-generated}`` directive puts on a page."""

from __future__ import annotations

from .. import citation, layout, ledger, variants
from ..ledger import CORRECTION_KINDS, SETTINGS, VERDICTS, anchor, verdict_counts
from . import catalog


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def _setting(row: dict) -> str:
    return "paper" if row["setting"] == "paper" else f"analogue: {_escape(row['analogue_of'])}"


def markdown_table(rows: list[dict], site_root: str = "..") -> str:
    """The claims table as MyST Markdown, each ID linking to its section, each row with its
    citation (``site_root``: the site's root relative to the page)."""
    lines = [
        "| Claim | Paper, where | Setting | Verdict | Checks passed | Summary | Chapter | Cite |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {{ref}}`{r['id']} <{anchor(r['id'])}>` | {{cite:t}}`{r['paper']}`, "
            f"{_escape(r['source'])} "
            f"| {_setting(r)} | **{r['verdict']}** | {r['passed']}/{r['checks']} | "
            f"{_escape(r['summary'])} "
            f"| {{doc}}`{r['chapter']} <chapters/{r['chapter']}>` "
            f'| <a href="{site_root}/claims/{r["id"].lower()}.bib">BibTeX</a>, '
            f'<a href="{site_root}/claims/{r["id"].lower()}.html">stable link</a> |'
        )
    return "\n".join(lines)


KIND_HEADINGS = {
    "statement": "Statements that do not hold",
    "formula": "Formulas and constants",
    "proof": "Proofs with a failing step (the statement holds)",
}


def errata_markdown(rows: list[dict]) -> str:
    """The errata: every ``corrected`` claim on the paper's own setting, grouped by kind of
    correction, with the printed form, the derived form and the evidence. Analogues never appear."""
    parts = []
    for kind in CORRECTION_KINDS:
        mine = [
            r
            for r in rows
            if r["verdict"] == "corrected"
            and r["setting"] == "paper"
            and r["correction"]["kind"] == kind
        ]
        if not mine:
            continue
        parts.append(f"## {KIND_HEADINGS[kind]}\n")
        for r in mine:
            failed = "; ".join(f"{name} ({value:g})" for name, value in r["failed"])
            parts.append(
                f"### {r['id']}: {r['source']}\n\n"
                f"{{cite:t}}`{r['paper']}`, {r['source']}; checked in "
                f"{{ref}}`{anchor(r['id'])}`.\n\n"
                f"- **Printed:** {r['correction']['printed']}\n"
                f"- **Derived:** {r['correction']['derived']}\n"
                f"- **Evidence:** {r['summary']}\n"
                f"- **Printed checks that fail:** {failed}\n"
            )
    return "\n".join(parts) if parts else "No claim on a paper's own setting needed a correction."


BEYOND = "Beyond the papers (the variants and the atlas)"


def overview_markdown(rows: list[dict]) -> str:
    """Per paper and setting: the verdict counts and every claim, linked to its section (for the
    landing page). Claims judged on an analogue are counted apart from those on the paper's
    setting; the book's own claims (``S-``) have a row of their own."""
    lines = [
        "| Paper | Setting | Claims | Reproduced | Corrected | Not reproduced | Unresolved |",
        "|---|---|---|---|---|---|---|",
    ]
    group = lambda r: BEYOND if r["id"].startswith("S-") else f"{{cite:t}}`{r['paper']}`"
    for key in dict.fromkeys(group(r) for r in rows):
        for setting in SETTINGS:
            mine = [r for r in rows if group(r) == key and r["setting"] == setting]
            if not mine:
                continue
            counts = verdict_counts(mine)
            links = ", ".join(f"{{ref}}`{r['id']} <{anchor(r['id'])}>`" for r in mine)
            lines.append(
                f"| {key} | {setting} | {links} | "
                + " | ".join(str(counts[v]) for v in VERDICTS)
                + " |"
            )
    for setting in SETTINGS:
        mine = [r for r in rows if r["setting"] == setting]
        total = verdict_counts(mine)
        lines.append(
            f"| **all** | {setting} | {len(mine)} | "
            + " | ".join(f"**{total[v]}**" for v in VERDICTS)
            + " |"
        )
    return "\n".join(lines)


def check_coverage(rows: list[dict], declared: dict[str, list[str]], scale: str = "paper") -> None:
    """Raise unless the results hold exactly the claims each chapter declares, all at ``scale``."""
    found: dict[str, set[str]] = {}
    for r in rows:
        found.setdefault(r["chapter"], set()).add(r["id"])
    problems = [
        f"{slug}: declares {sorted(ids)}, results hold {sorted(found.get(slug, set()))}"
        for slug, ids in declared.items()
        if set(ids) != found.get(slug, set())
    ]
    problems += [
        f"{slug}: results on disk but no such chapter" for slug in found if slug not in declared
    ]
    problems += sorted(
        {
            f"{r['chapter']}: results at scale {r['scale']!r}, not {scale!r}"
            for r in rows
            if r["scale"] != scale
        }
    )
    if problems:
        raise ValueError(
            "the results do not match the chapters; rerun them:\n" + "\n".join(problems)
        )


def variants_markdown(rows: list[dict]) -> str:
    """The variant table: for every claim, the rule the paper's theory and experiments use, and
    whether the claim holds for USAM and for normalized SAM, each answer linked to the claim that
    decides it (:func:`samutils.variants.answer`, from the verdicts in ``rows``)."""
    verdicts = {r["id"]: r["verdict"] for r in rows}
    missing = sorted(set(verdicts) ^ set(variants.CLAIMS))
    if missing:
        raise ValueError(
            f"claims without a row in samutils.variants.CLAIMS, or stale rows: {missing}"
        )
    lines = [
        "| Claim | Theory analyses | Experiments run | " + " | ".join(variants.RULES) + " |",
        "|---|---|---|" + "---|" * len(variants.RULES),
    ]
    for r in rows:
        theory, experiments, _ = variants.CLAIMS[r["id"]]
        cells = []
        for rule in variants.RULES:
            text, by = variants.answer(r["id"], rule, verdicts)
            link = f"{{ref}}`{by} <{anchor(by)}>`" if by else ""
            if not by:
                cells.append(text)
            elif text.endswith(":"):  # a counterpart: "— (... for this rule: <link>)"
                cells.append(f"{text} {link})")
            else:
                cells.append(f"{text}, {link}")
        lines.append(
            f"| {{ref}}`{r['id']} <{anchor(r['id'])}>` | {theory} | {experiments} | "
            + " | ".join(_escape(c) for c in cells)
            + " |"
        )
    return "\n".join(lines)


def ledger_markdown(rows: list[dict]) -> str:
    """The claims table and its verdict counts, once every chapter's claims are in ``rows``."""
    check_coverage(rows, {c.slug: c.claims for c in catalog.chapter_files()}, layout.book_scale())
    counts = ", ".join(f"{n} {v}" for v, n in verdict_counts(rows).items())
    return f"{markdown_table(rows)}\n\n{counts}."


def version_markdown() -> str:
    """The landing page's sentence on the book's version, its PDF and how to cite."""
    meta = citation.book_metadata()
    return (
        f"This is version {meta['version']} of the book ({meta['date-released']}), also as one "
        f'<a href="../{layout.BOOK_PDF}">PDF</a>. To cite it, or a single claim, see each '
        "chapter's last section and the ledger's Cite column."
    )


GENERATED = {
    "ledger": ledger_markdown,
    "errata": errata_markdown,
    "variants": variants_markdown,
    "overview": overview_markdown,
}


def generated(what: str) -> str:
    """The Markdown of ``what`` (``version`` or a key of :data:`GENERATED`), from the results of
    the book being built (:func:`samutils.layout.default_outdir`)."""
    if what == "version":
        return version_markdown()
    if what not in GENERATED:
        raise ValueError(
            f"unknown generated content {what!r}; allowed: version, {', '.join(GENERATED)}"
        )
    return GENERATED[what](ledger.claims_table(layout.default_outdir()))
