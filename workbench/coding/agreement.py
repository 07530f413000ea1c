"""Inter-coder agreement: percent agreement, Cohen's kappa and Krippendorff's alpha.

Input is a table of ratings: for each unit (an excerpt) and coder, 1 if the coder applied the
theme, 0 if they looked at the unit and did not, or missing (None) if they never coded it.
Alpha comes from the ``krippendorff`` package (nominal level), which allows missing data and
any number of coders; kappa and percent agreement use the units both coders rated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

Ratings = Mapping[str, Mapping[object, int | None]]
"""coder -> unit -> 1, 0 or None."""


def _pairs(ratings: Ratings, a: str, b: str) -> list[tuple[int, int]]:
    units = sorted(set(ratings[a]) & set(ratings[b]), key=str)
    pairs = [(ratings[a][u], ratings[b][u]) for u in units]
    return [(x, y) for x, y in pairs if x is not None and y is not None]


def percent_agreement(ratings: Ratings) -> float | None:
    """Share of agreeing pairs over every pair of coders and every unit both rated."""
    agree = total = 0
    for a, b in combinations(sorted(ratings), 2):
        pairs = _pairs(ratings, a, b)
        agree += sum(x == y for x, y in pairs)
        total += len(pairs)
    return agree / total if total else None


def cohen_kappa(ratings: Ratings, a: str, b: str) -> float | None:
    """Cohen's kappa of two coders over the units both rated (None when undefined)."""
    pairs = _pairs(ratings, a, b)
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(x == y for x, y in pairs) / n
    categories = {v for p in pairs for v in p}
    expected = sum((sum(x == c for x, _ in pairs) / n) * (sum(y == c for _, y in pairs) / n)
                   for c in categories)
    if expected == 1:
        return 1.0 if observed == 1 else None
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(ratings: Ratings) -> float | None:
    """Krippendorff's alpha (nominal) for any number of coders with missing data."""
    import krippendorff

    coders = sorted(ratings)
    units = sorted({u for c in coders for u in ratings[c]}, key=str)
    matrix = np.array([[np.nan if ratings[c].get(u) is None else ratings[c][u] for u in units]
                       for c in coders], dtype=float)
    pairable = (np.sum(~np.isnan(matrix), axis=0) >= 2)
    if len(coders) < 2 or not pairable.any():
        return None
    values = set(matrix[:, pairable][~np.isnan(matrix[:, pairable])].tolist())
    if len(values) < 2:
        return 1.0
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))


def agreement_table(ratings: Ratings) -> dict[str, Any]:
    """Percent agreement, kappa (exactly two coders, else None) and alpha."""
    coders = sorted(ratings)
    return {
        "percent": percent_agreement(ratings),
        "kappa": cohen_kappa(ratings, *coders) if len(coders) == 2 else None,
        "alpha": krippendorff_alpha(ratings),
        "units": len({u for c in coders for u in ratings[c]}),
    }


def disagreements(ratings: Ratings) -> list[object]:
    """Units where the coders who rated them did not all give the same value."""
    units = sorted({u for c in ratings for u in ratings[c]}, key=str)
    out = []
    for unit in units:
        values: Sequence = [ratings[c][unit] for c in ratings if ratings[c].get(unit) is not None]
        if len(set(values)) > 1:
            out.append(unit)
    return out


def unit_of(coding: Any) -> object:
    """The unit a coding is about: its excerpt id, or (document, start, end) outside excerpts."""
    if coding.excerpt_id is not None:
        return coding.excerpt_id
    return (coding.document_id, coding.start, coding.end)


def ratings_from_codings(codings: Iterable[Any], theme_id: str) -> dict[str, dict[object, int | None]]:
    """Ratings for one theme from coding records (objects with coder, excerpt_id or span, theme_id,
    status). A unit is an excerpt (or, for codings outside excerpts, a document span). A coder
    rates a unit 1 if they confirmed the theme on it; 0 if they rejected it, or coded the unit
    with other themes only; otherwise their rating is missing."""
    seen: dict[str, set] = {}
    confirmed: dict[str, set] = {}
    for c in codings:
        unit = unit_of(c)
        seen.setdefault(c.coder, set()).add(unit)
        if c.theme_id == theme_id and c.status == "confirmed":
            confirmed.setdefault(c.coder, set()).add(unit)
    ratings: dict[str, dict[object, int | None]] = {}
    for coder, units in seen.items():
        ratings[coder] = {u: 1 if u in confirmed.get(coder, set()) else 0 for u in units}
    return ratings


def decision(codings: Sequence[Any], coder: str, unit: object, theme_id: str) -> str:
    """What ``coder`` decided about ``theme_id`` on ``unit``: confirmed, rejected, suggested or not coded."""
    mine = [c for c in codings if c.coder == coder and unit_of(c) == unit]
    statuses = {c.status for c in mine if c.theme_id == theme_id}
    for status in ("confirmed", "rejected", "suggested"):
        if status in statuses:
            return status
    return "not coded (coded other themes)" if mine else "not coded"


@dataclass(frozen=True)
class AgreementScores:
    """Percent agreement, kappa (exactly two coders, else None) and alpha over ``units``."""

    percent: float | None
    kappa: float | None
    alpha: float | None
    units: int


@dataclass(frozen=True)
class ThemeAgreement(AgreementScores):
    """One theme's scores and the units its coders disagree on."""

    disagreements: list[object] = field(default_factory=list)


@dataclass(frozen=True)
class AgreementResult:
    """Agreement per theme (only themes someone confirmed) and pooled over all of them."""

    coders: list[str]
    overall: AgreementScores | None
    per_theme: dict[str, ThemeAgreement]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def coding_agreement(codings: Sequence[Any], theme_ids: list[str]) -> AgreementResult:
    """Per-theme and overall agreement, and the units coders disagree on, per theme."""
    per_theme: dict[str, ThemeAgreement] = {}
    pooled: dict[str, dict[object, int | None]] = {}
    for theme_id in theme_ids:
        ratings = ratings_from_codings(codings, theme_id)
        if not any(1 in r.values() for r in ratings.values()):
            continue
        per_theme[theme_id] = ThemeAgreement(**agreement_table(ratings),
                                             disagreements=disagreements(ratings))
        for coder, values in ratings.items():
            for unit, value in values.items():
                pooled.setdefault(coder, {})[(theme_id, unit)] = value
    coders = sorted(pooled)
    return AgreementResult(coders, AgreementScores(**agreement_table(pooled)) if pooled else None,
                           per_theme)
