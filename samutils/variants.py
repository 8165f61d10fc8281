"""Which update rule each claim is about: the variant the paper's theory analyses, the one its
experiments run, and, for USAM and normalized SAM, what decides whether the claim holds for it.

The papers call both rules SAM. For every claim, :data:`CLAIMS` gives ``(theory, experiments,
answers)``; ``answers`` maps each of :data:`RULES` to either

- ``SELF``: the claim's own checks ran this rule, so its verdict answers;
- ``(claim ID, statement)``: another claim (usually one of the book's ``S-`` claims) decides it,
  and ``statement`` (``HOLDS`` or ``FAILS``) is what that claim shows when it is reproduced;
  ``None``: that claim's own verdict answers; ``COUNTERPART``: no answer, but that claim is the
  corresponding statement for this rule;
- a reason why the question has no answer here (a statement about one map only, no run).

:func:`answer` turns these into a cell of the variant table from the claims' verdicts.
"""

from __future__ import annotations

RULES = ("USAM", "normalized SAM")
SELF, HOLDS, FAILS, COUNTERPART = "self", "holds", "does not hold", "counterpart"
VERDICT_MEANS = {
    "reproduced": HOLDS,
    "corrected": HOLDS + " (in its derived form)",
    "not-reproduced": FAILS,
    "unresolved": "undecided",
}

# Reasons shared by many rows.
_NSAM_MAP = "a statement about the normalized map; USAM on a quadratic is linear (S-USAM)"
_USAM_THEORY = "the derivation linearizes USAM; normalized SAM has no linearization there (S-NSAM)"
_NETWORKS = "the network runs use normalized SAM only"
_OBJECTIVE = "about the SAM objective, not an update rule"
_BESIDE = "reported beside the verdict, which rests on the other rule"
_STUCK = "the stuck run is normalized SAM's; USAM's Figure 1 is K-F1u"
_NOISE = "about the gradient noise, not a rule"
_GD = "about gradient descent"

_SADDLE_NSAM = ("S-SADDLE", HOLDS)
_DRIFT_USAM = ("S-DRIFT", FAILS)
_NO_CYCLE_USAM = ("S-USAM", FAILS)

CLAIMS: dict[str, tuple[str, str, dict[str, object]]] = {
    "SAM-DEF": ("both", "—", {"USAM": SELF, "normalized SAM": SELF}),
    # Kim et al.: the theory is about USAM (update (5)), the released code runs normalized SAM.
    "K-T1": ("USAM", "—", {"USAM": SELF, "normalized SAM": _SADDLE_NSAM}),
    "K-T1d": ("USAM", "—", {"USAM": SELF, "normalized SAM": _SADDLE_NSAM}),
    "K-F5": ("USAM", "normalized SAM", {"USAM": SELF, "normalized SAM": _SADDLE_NSAM}),
    "K-F6": ("USAM", "—", {"USAM": SELF, "normalized SAM": ("S-SADDLE", COUNTERPART)}),
    "K-F1": ("USAM", "normalized SAM", {"USAM": ("K-F1u", None), "normalized SAM": SELF}),
    "K-F1u": ("USAM", "normalized SAM", {"USAM": SELF, "normalized SAM": ("K-F1", None)}),
    "K-F3": ("USAM", "normalized SAM", {"USAM": _STUCK, "normalized SAM": SELF}),
    "K-F4": ("USAM", "normalized SAM", {"USAM": _STUCK, "normalized SAM": SELF}),
    "K-TAB2-rhoc": ("objective", "—", {"USAM": _OBJECTIVE, "normalized SAM": _OBJECTIVE}),
    "K-TAB2-trap": ("USAM", "normalized SAM", {"USAM": _BESIDE, "normalized SAM": SELF}),
    "K-TAB2-global": ("USAM", "normalized SAM", {"USAM": _BESIDE, "normalized SAM": SELF}),
    "K-TAB2-drop": ("USAM", "normalized SAM", {"USAM": SELF, "normalized SAM": SELF}),
    "K-SIM": ("USAM", "USAM", {"USAM": SELF, "normalized SAM": _USAM_THEORY}),
    "K-T2": ("USAM", "—", {"USAM": SELF, "normalized SAM": _USAM_THEORY}),
    "K-C1": ("USAM", "—", {"USAM": SELF, "normalized SAM": _USAM_THEORY}),
    "K-C1s": ("USAM", "—", {"USAM": SELF, "normalized SAM": _USAM_THEORY}),
    "K-T3": ("USAM", "—", {"USAM": SELF, "normalized SAM": _USAM_THEORY}),
    "K-F7": ("USAM", "normalized SAM", {"USAM": "not run", "normalized SAM": SELF}),
    "K-A13": ("—", "normalized SAM", {"USAM": _NOISE, "normalized SAM": _NOISE}),
    # Bartlett et al.: theory and experiments are normalized SAM.
    **{
        cid: ("normalized SAM", "normalized SAM", {"USAM": _NSAM_MAP, "normalized SAM": SELF})
        for cid in ("B-L4", "B-L5", "B-P8", "B-L10", "B-F2")
    },
    **{
        cid: ("normalized SAM", "normalized SAM", {"USAM": _NO_CYCLE_USAM, "normalized SAM": SELF})
        for cid in ("B-T2", "B-T3", "B-T2s", "B-F1")
    },
    **{
        cid: ("normalized SAM", "normalized SAM", {"USAM": _DRIFT_USAM, "normalized SAM": SELF})
        for cid in ("B-T21", "B-F3", "B-F4", "B-F5")
    },
    # Zhou et al.: the theory is about USAM (their eq. 4), the experiments run normalized SAM.
    "Z-EX41": ("USAM", "—", {"USAM": SELF, "normalized SAM": ("S-ESCAPE", FAILS)}),
    "Z-F4b": ("USAM", "normalized SAM", {"USAM": _BESIDE, "normalized SAM": SELF}),
    "Z-F4c": ("USAM", "normalized SAM", {"USAM": "not run", "normalized SAM": SELF}),
    "Z-T41": ("USAM", "—", {"USAM": SELF, "normalized SAM": ("S-NSAM", COUNTERPART)}),
    "Z-C42": ("USAM", "—", {"USAM": SELF, "normalized SAM": _USAM_THEORY}),
    **{
        cid: ("USAM", "—", {"USAM": SELF, "normalized SAM": _USAM_THEORY})
        for cid in ("Z-P41", "Z-PC2", "Z-RC1", "Z-LC2", "Z-T43", "Z-T43-proof")
    },
    # The network experiments (chapter 6) run normalized SAM, as the papers' code does.
    **{
        cid: ("—", "normalized SAM", {"USAM": _NETWORKS, "normalized SAM": SELF})
        for cid in ("K-F8", "K-F9", "K-TAB1-worst", "K-TAB1-best", "K-TAB1-gap", "Z-F3", "Z-F5")
    },
    # The book's own results.
    "S-GD": ("GD", "—", {"USAM": _GD, "normalized SAM": _GD}),
    "S-USAM": ("USAM", "—", {"USAM": SELF, "normalized SAM": ("S-NSAM", COUNTERPART)}),
    "S-MOM": ("GD, USAM", "—", {"USAM": SELF, "normalized SAM": "not derived"}),
    "S-NSAM": ("normalized SAM", "—", {"USAM": ("S-USAM", COUNTERPART), "normalized SAM": SELF}),
    "S-SADDLE": ("normalized SAM", "—", {"USAM": ("K-T1d", COUNTERPART), "normalized SAM": SELF}),
    "S-DRIFT": ("USAM", "—", {"USAM": SELF, "normalized SAM": ("B-F4", COUNTERPART)}),
    "S-ESCAPE": ("normalized SAM", "—", {"USAM": ("Z-EX41", COUNTERPART), "normalized SAM": SELF}),
}


def answer(claim: str, rule: str, verdicts: dict[str, str]) -> tuple[str, str | None]:
    """Whether ``claim`` holds for ``rule``: ``(text, deciding claim ID or None)``, from the
    claims' ``verdicts`` (ID → verdict). A claim named with statement ``None`` answers with its
    own verdict; one named with ``HOLDS``/``FAILS`` answers so only when it is reproduced."""
    how = CLAIMS[claim][2][rule]
    if how == SELF:
        return VERDICT_MEANS[verdicts[claim]], claim
    if isinstance(how, tuple):
        other, statement = how
        verdict = verdicts[other]
        if statement is None:
            return VERDICT_MEANS[verdict], other
        if statement == COUNTERPART:
            return "— (its counterpart for this rule:", other
        return (statement if verdict == "reproduced" else f"undecided ({verdict})"), other
    return f"— ({how})", None
