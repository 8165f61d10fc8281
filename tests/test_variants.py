"""The variant table: every claim of the book has a row, and its cells follow the verdicts."""

import pytest

from samutils import variants
from samutils.build import catalog, pages


def test_every_claim_has_exactly_one_row():
    declared = {cid for ch in catalog.chapter_files() for cid in ch.claims}
    assert set(variants.CLAIMS) == declared


def test_rows_name_existing_claims_and_a_known_statement():
    for cid, (_, _, answers) in variants.CLAIMS.items():
        assert set(answers) == set(variants.RULES), cid
        for how in answers.values():
            if isinstance(how, tuple):
                other, statement = how
                assert other in variants.CLAIMS and other != cid, (cid, other)
                assert statement in (None, variants.HOLDS, variants.FAILS, variants.COUNTERPART)
            else:
                assert isinstance(how, str) and how, cid


def _verdicts(**changes):
    base = {cid: "reproduced" for cid in variants.CLAIMS}
    return base | {k.replace("_", "-"): v for k, v in changes.items()}


@pytest.mark.parametrize(
    "claim, rule, verdicts, expected",
    [
        ("K-T1", "USAM", _verdicts(), ("holds", "K-T1")),
        ("K-T2", "USAM", _verdicts(K_T2="corrected"), ("holds (in its derived form)", "K-T2")),
        ("K-T1", "normalized SAM", _verdicts(), ("holds", "S-SADDLE")),
        (
            "K-T1",
            "normalized SAM",
            _verdicts(S_SADDLE="unresolved"),
            ("undecided (unresolved)", "S-SADDLE"),
        ),
        ("B-F4", "USAM", _verdicts(), ("does not hold", "S-DRIFT")),
        ("K-F1", "USAM", _verdicts(K_F1u="not-reproduced"), ("does not hold", "K-F1u")),
        ("K-F8", "USAM", _verdicts(), (f"— ({variants._NETWORKS})", None)),
        ("S-USAM", "normalized SAM", _verdicts(), ("— (its counterpart for this rule:", "S-NSAM")),
    ],
)
def test_answers_follow_the_deciding_verdict(claim, rule, verdicts, expected):
    assert variants.answer(claim, rule, verdicts) == expected


def _row(cid, verdict="reproduced"):
    return {"id": cid, "verdict": verdict}


def test_variant_page_has_a_row_per_claim_and_refuses_gaps():
    rows = [_row(cid) for cid in variants.CLAIMS]
    table = pages.variants_markdown(rows)
    assert len(table.splitlines()) == 2 + len(rows)
    assert "{ref}`S-DRIFT <claim-s-drift>`" in table
    assert "— (its counterpart for this rule: {ref}`S-NSAM <claim-s-nsam>`) |" in table
    with pytest.raises(ValueError, match="S-DRIFT"):
        pages.variants_markdown([r for r in rows if r["id"] != "S-DRIFT"])
