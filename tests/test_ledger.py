import math

import pytest
import sympy as sp

from samutils import ledger

ok = ledger.close("a", 1.0, 1.0, 0.0)
bad = ledger.close("b", 1.0, 2.0, 0.5)
unsure = ledger.Check("c", 1.0, 1.0, 0.1, None)


def test_close_below_and_symbolic_checks():
    assert ok.passed and not bad.passed
    assert ledger.below("e", 1e-13, 1e-12).passed
    assert not ledger.below("e", 2e-12, 1e-12).passed
    assert not ledger.below("e", -1.0, 1e-12).passed
    assert ledger.above("a", 2.0, 1.0).passed and not ledger.above("a", 1.0, 1.0).passed
    assert ledger.above("a", 2.0, 1.0).relation == "above"
    x = sp.Symbol("x")
    assert ledger.symbolic("s", (x + 1) ** 2, x**2 + 2 * x + 1).passed
    wrong = ledger.symbolic("s", sp.Matrix([x, 2 * x]), sp.Matrix([x, x]))
    assert not wrong.passed and wrong.value == 1.0
    n = sp.Symbol("n", integer=True, positive=True)
    A, B = sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("B", n, n)
    assert ledger.symbolic("m", A * (A + B), A * A + A * B).passed
    assert not ledger.symbolic("m", A * B, B * A).passed
    assert ledger.symbolic("s", sp.Interval(0, 2), sp.Interval.Lopen(0, 2) | {0}).passed
    assert not ledger.symbolic("s", sp.Interval.open(0, 2), sp.Interval(0, 2)).passed


def test_checks_refuse_non_finite_numbers():
    with pytest.raises(ValueError, match="'n'"):
        ledger.close("n", math.nan, 0.0, 1.0)


@pytest.mark.parametrize(
    "printed, derived, expected",
    [
        ([ok], [], "reproduced"),
        ([ok, bad], [ok], "corrected"),
        ([bad], [], "not-reproduced"),
        ([bad], [bad], "not-reproduced"),
        ([ok], [unsure], "unresolved"),
    ],
)
def test_verdict_is_computed_from_checks(printed, derived, expected):
    assert ledger.verdict(printed, derived) == expected


def test_verdict_needs_printed_checks():
    with pytest.raises(ValueError):
        ledger.verdict([], [ok])


def results(verdict="reproduced", value=1.0, chapter="01_x", scale="paper"):
    return {"chapter": chapter, "scale": scale, "seed": 0,
            "claims": {"X-1": {"verdict": verdict, "summary": "s | t", "checks": [ok.as_dict()]}},
            "values": {"X-1": {"v": [value]}}}


def test_write_and_read_results(tmp_path):
    ledger.write_results(tmp_path / "01_x.json", results())
    (tmp_path / "notes.json").write_text("{}")  # not a chapter's results: ignored
    rows = ledger.claims_table(tmp_path)
    assert rows == [{"id": "X-1", "chapter": "01_x", "scale": "paper", "verdict": "reproduced",
                     "summary": "s | t", "passed": 1, "checks": 1}]
    assert ledger.verdict_counts(rows)["reproduced"] == 1
    table = ledger.markdown_table(rows)
    assert "{ref}`X-1 <claim-x-1>`" in table and "s \\| t" in table


@pytest.mark.parametrize("bad_results, message", [(results(value=math.inf), "non-finite"), (results(verdict="ok"), "verdict")])
def test_write_rejects_bad_results(tmp_path, bad_results, message):
    with pytest.raises(ValueError, match=message):
        ledger.write_results(tmp_path / "r.json", bad_results)
    assert not (tmp_path / "r.json").exists()


def test_check_coverage(tmp_path):
    ledger.write_results(tmp_path / "01_x.json", results())
    rows = ledger.claims_table(tmp_path)
    ledger.check_coverage(rows, {"01_x": ["X-1"]})
    with pytest.raises(ValueError, match="X-2"):
        ledger.check_coverage(rows, {"01_x": ["X-1", "X-2"]})
    with pytest.raises(ValueError, match="no such chapter"):
        ledger.check_coverage(rows, {})
    with pytest.raises(ValueError, match="scale 'paper'"):
        ledger.check_coverage(rows, {"01_x": ["X-1"]}, scale="ci")


def test_anchor():
    assert ledger.anchor("K-T1d") == "claim-k-t1d"
