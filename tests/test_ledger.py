import math

import pytest
import sympy as sp

from samutils import checks, ledger
from samutils.build import pages

ok = checks.close("a", 1.0, 1.0, 0.0)
bad = checks.close("b", 1.0, 2.0, 0.5)
unsure = checks.Check("c", 1.0, 1.0, 0.1, None)


def test_close_below_and_symbolic_checks():
    assert ok.passed and not bad.passed
    assert checks.below("e", 1e-13, 1e-12).passed
    assert not checks.below("e", 2e-12, 1e-12).passed
    assert not checks.below("e", -1.0, 1e-12).passed
    assert (
        checks.below("at the bound", 1e-12, 1e-12).passed and checks.below("zero", 0.0, 0.0).passed
    )
    assert checks.close("at the tolerance", 1.5, 1.0, 0.5).passed
    assert checks.above("a", 2.0, 1.0).passed and not checks.above("a", 1.0, 1.0).passed
    assert checks.above("a", 2.0, 1.0).relation == "above"
    x = sp.Symbol("x")
    assert checks.same("s", (x + 1) ** 2, x**2 + 2 * x + 1).passed
    wrong = checks.same("s", sp.Matrix([x, 2 * x]), sp.Matrix([x, x]))
    assert not wrong.passed and wrong.value == 1.0
    n = sp.Symbol("n", integer=True, positive=True)
    A, B = sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("B", n, n)
    assert checks.same("m", A * (A + B), A * A + A * B).passed
    assert not checks.same("m", A * B, B * A).passed
    assert checks.same("s", sp.Interval(0, 2), sp.Interval.Lopen(0, 2) | {0}).passed
    assert not checks.same("s", sp.Interval.open(0, 2), sp.Interval(0, 2)).passed


def test_checks_refuse_non_finite_numbers():
    with pytest.raises(ValueError, match="'n'"):
        checks.close("n", math.nan, 0.0, 1.0)


@pytest.mark.parametrize(
    "printed, derived, expected",
    [
        ([ok], [], "reproduced"),
        ([ok, bad], [ok], "corrected"),
        ([bad], [], "not-reproduced"),
        ([bad], [bad], "not-reproduced"),
        ([ok], [unsure], "unresolved"),
        ([bad, unsure], [], "not-reproduced"),
        ([bad], [ok, unsure], "unresolved"),
        ([bad], [bad, unsure], "not-reproduced"),
    ],
)
def test_verdict_is_computed_from_checks(printed, derived, expected):
    assert checks.verdict(printed, derived) == expected


def test_verdict_needs_printed_checks():
    with pytest.raises(ValueError):
        checks.verdict([], [ok])


def results(verdict="reproduced", value=1.0, chapter="01_x", scale="paper"):
    return {
        "chapter": chapter,
        "scale": scale,
        "seed": 0,
        "claims": {
            "K-X1": {
                "verdict": verdict,
                "summary": "s | t",
                "setting": "paper",
                "checks": [ok.as_dict()],
            }
        },
        "values": {"K-X1": {"v": [value]}},
    }


def test_write_and_read_results(tmp_path):
    ledger.write_results(tmp_path / "01_x.json", results())
    (tmp_path / "notes.json").write_text("{}")  # not a chapter's results: ignored
    (tmp_path / ".staging-02_y").mkdir()  # an unfinished run's folder: ignored
    ledger.write_results(tmp_path / ".staging-02_y" / "02_y.json", results(chapter="02_y"))
    rows = ledger.claims_table(tmp_path)
    assert rows == [
        {
            "id": "K-X1",
            "paper": "kim2023stability",
            "source": "",
            "setting": "paper",
            "analogue_of": None,
            "chapter": "01_x",
            "scale": "paper",
            "verdict": "reproduced",
            "summary": "s | t",
            "passed": 1,
            "checks": 1,
            "correction": None,
            "failed": [],
        }
    ]
    assert ledger.verdict_counts(rows)["reproduced"] == 1
    table = pages.markdown_table(rows)
    assert "{ref}`K-X1 <claim-k-x1>`" in table and "s \\| t" in table
    assert '<a href="../claims/k-x1.bib">BibTeX</a>' in table


@pytest.mark.parametrize(
    "bad_results, message",
    [(results(value=math.inf), "non-finite"), (results(verdict="ok"), "verdict")],
)
def test_write_rejects_bad_results(tmp_path, bad_results, message):
    with pytest.raises(ValueError, match=message):
        ledger.write_results(tmp_path / "r.json", bad_results)
    assert not (tmp_path / "r.json").exists()


def test_check_coverage(tmp_path):
    ledger.write_results(tmp_path / "01_x.json", results())
    rows = ledger.claims_table(tmp_path)
    pages.check_coverage(rows, {"01_x": ["K-X1"]})
    with pytest.raises(ValueError, match="K-X2"):
        pages.check_coverage(rows, {"01_x": ["K-X1", "K-X2"]})
    with pytest.raises(ValueError, match="no such chapter"):
        pages.check_coverage(rows, {})
    with pytest.raises(ValueError, match="scale 'paper'"):
        pages.check_coverage(rows, {"01_x": ["K-X1"]}, scale="ci")


def test_anchor():
    assert ledger.anchor("K-T1d") == "claim-k-t1d"


def test_corrected_claims_need_their_correction_and_reach_the_errata(tmp_path):
    with pytest.raises(ValueError, match="correction"):
        ledger.claim_record("B-P8", "s", [bad], [ok], setting="paper")
    fix = {"kind": "formula", "printed": "$1/\\beta$", "derived": "$\\lambda^2/\\beta$"}
    rec = ledger.claim_record(
        "B-P8", "the evidence", [bad], [ok], source="Remark 9", setting="paper", correction=fix
    )
    assert (
        rec["verdict"] == "corrected" and rec["correction"] == fix and rec["source"] == "Remark 9"
    )
    assert (
        ledger.claim_record("B-P8", "s", [ok], setting="paper", correction=fix)["correction"]
        is None
    )  # only kept when corrected
    proof = {"kind": "proof", "printed": "step (a)", "derived": "step (a')"}
    analogue = ledger.claim_record(
        "K-F9",
        "on digits",
        [bad],
        [ok],
        setting="analogue",
        analogue_of="an MLP on digits for ResNet-18 on CIFAR-10",
        correction=fix,
    )
    claims = {
        "B-P8": rec,
        "B-L5": ledger.claim_record("B-L5", "fine", [ok], setting="paper"),
        "B-T3-proof": ledger.claim_record(
            "B-T3-proof", "a step", [bad], [ok], setting="paper", correction=proof
        ),
        "K-F9": analogue,
    }
    ledger.write_results(
        tmp_path / "04_b.json",
        {"chapter": "04_b", "scale": "paper", "seed": 0, "claims": claims, "values": {}},
    )
    rows = ledger.claims_table(tmp_path)
    errata = pages.errata_markdown(rows)
    assert (
        "### B-P8: Remark 9" in errata
        and fix["derived"] in errata
        and "b (1)" in errata
        and "B-L5" not in errata
    )
    assert (
        errata.index("## Formulas")
        < errata.index("B-P8")
        < errata.index("## Proofs")
        < errata.index("B-T3-proof")
    )
    assert (
        "K-F9" not in errata and "## Statements" not in errata
    )  # analogues never reach the errata
    assert "analogue: an MLP on digits" in pages.markdown_table(rows)
    overview = pages.overview_markdown(rows)
    assert "{cite:t}`bartlett2023dynamics`" in overview and "{ref}`B-L5 <claim-b-l5>`" in overview
    own = [
        dict(rows[0], id="S-X", paper="foret2021sam"),
        dict(rows[0], id="SAM-DEF", paper="foret2021sam"),
    ]
    assert [line.split(" | ")[0] for line in pages.overview_markdown(own).splitlines()[2:4]] == [
        f"| {pages.BEYOND}",
        "| {cite:t}`foret2021sam`",
    ]  # the book's own claims apart from the paper their rule comes from
    assert overview.splitlines()[-2:] == [
        "| **all** | paper | 3 | **1** | **2** | **0** | **0** |",
        "| **all** | analogue | 1 | **0** | **1** | **0** | **0** |",
    ]


@pytest.mark.parametrize(
    "claim_id, kwargs, message",
    [
        ("K-F9", {"setting": "analogue"}, "analogue_of"),
        ("K-F9", {"setting": "analogue", "analogue_of": " "}, "analogue_of"),
        ("K-F9", {"setting": "paper", "analogue_of": "digits"}, "analogue_of"),
        ("K-F9", {"setting": "toy"}, "setting"),
        ("K-F9", {"setting": "paper", "correction": {"printed": "a", "derived": "b"}}, "kind"),
        (
            "K-F9",
            {"setting": "paper", "correction": {"kind": "typo", "printed": "a", "derived": "b"}},
            "kind",
        ),
        (
            "K-F9",
            {"setting": "paper", "correction": {"kind": "proof", "printed": "a", "derived": "b"}},
            "-proof",
        ),
        (
            "K-F9-proof",
            {"setting": "paper", "correction": {"kind": "formula", "printed": "a", "derived": "b"}},
            "-proof",
        ),
    ],
)
def test_claims_refuse_bad_settings_and_corrections(claim_id, kwargs, message):
    with pytest.raises(ValueError, match=message):
        ledger.claim_record(claim_id, "s", [ok], **kwargs)


def test_paper_of_claim_ids():
    assert (
        ledger.paper_of("Z-F4b") == "zhou2025sam" and ledger.paper_of("SAM-DEF") == "foret2021sam"
    )
    with pytest.raises(ValueError, match="prefix"):
        ledger.paper_of("Q-1")


def test_positive_is_a_z_test_on_paired_differences():
    clear = checks.positive("clear", [1.0, 1.1, 0.9])
    assert clear.passed is True and clear.name == "clear" and clear.expected == 0.0
    assert math.isclose(clear.value, 1.0)  # the mean difference is what the evidence shows
    assert checks.positive("clearly negative", [-1.0, -1.1, -0.9]).passed is False
    unsure = checks.positive("noise", [1.0, -1.0, 0.5, -0.4])
    assert unsure.passed is None and unsure.relation == "positive"
    assert math.isclose(
        unsure.tolerance, 2 * math.sqrt(((0.975**2 + 1.025**2 + 0.475**2 + 0.425**2) / 3) / 4)
    )
    assert checks.positive("identical", [0.0, 0.0]).passed is None
    with pytest.raises(ValueError, match="two"):
        checks.positive("one", [1.0])


def test_evidence_shows_every_check_and_the_setting():
    rec = ledger.claim_record(
        "K-F9",
        "s",
        [ok, bad],
        [unsure],
        source="Figure 9",
        setting="analogue",
        analogue_of="digits for CIFAR",
    )
    md = ledger.evidence_markdown("K-F9", rec)
    assert md.startswith(
        "**K-F9**, Figure 9: **unresolved**; setting: analogue (digits for CIFAR)."
    )
    assert md.splitlines()[2] == "s"
    rows = md.splitlines()[6:]
    assert (
        len(rows) == 3
        and "| b | printed | 1 | 2 | 0.5 |" in rows[1]
        and rows[1].endswith("| **fail** |")
    )
    assert rows[2].endswith("| undecided |") and "| derived |" in rows[2]
