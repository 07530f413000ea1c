"""Agreement page: how far coders agree, per theme and overall, and the excerpts they differ on."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from workbench.coding.agreement import AgreementResult, coding_agreement, decision
from workbench.coding.codebook import Codebook, theme_path
from workbench.coding.review import CodingView, list_codings
from workbench.coding.themes import stored_codebook
from workbench.store import get_document
from workbench.ui.state import require_user, store

MISSING = "—"

EXPLANATION = """
- **Percent agreement**: the share of decisions on which two coders agree, over every pair of
  coders and every excerpt both looked at. Easy to read, but it does not allow for agreement by chance.
- **Cohen's kappa**: agreement beyond what chance would give, for **exactly two** coders
  (1 = perfect, 0 = no better than chance, below 0 = worse than chance).
- **Krippendorff's alpha**: agreement beyond chance for **two or more** coders, allowing for
  excerpts some coders did not look at (missing data). Same scale as kappa; 0.8 or more is
  usually taken as reliable.
- **—** means the measure is undefined here (e.g. kappa with more than two coders, or no excerpt
  that two coders both looked at).

A coder *agrees* that a theme applies to an excerpt when they confirmed it, and says it does not
when they rejected it or coded the excerpt with other themes only. Excerpts a coder never coded
are missing for that coder.
"""

GUIDANCE = ("Agreement needs decisions from at least two coders. Each coder signs in under their own "
            "name (**Sign in**), then confirms or rejects suggestions in the **Review queue** or codes "
            "passages by hand, on the same excerpts. Come back here once two or more coders have "
            "made decisions.")


def _number(value: float | None, percent: bool = False) -> str:
    if value is None:
        return MISSING
    return f"{value:.1%}" if percent else f"{value:.2f}"


def agreement_rows(result: AgreementResult, codebook: Codebook) -> list[dict[str, object]]:
    """One table row per theme (codebook order) and an overall row, numbers formatted for display."""
    rows = []
    for theme_id, table in result.per_theme.items():
        rows.append({"theme": theme_path(codebook, theme_id), "units": table.units,
                     "percent agreement": _number(table.percent, percent=True),
                     "kappa": _number(table.kappa), "alpha": _number(table.alpha),
                     "disagreements": len(table.disagreements)})
    overall = result.overall
    if overall is not None:
        rows.append({"theme": "Overall (all themes)", "units": overall.units,
                     "percent agreement": _number(overall.percent, percent=True),
                     "kappa": _number(overall.kappa), "alpha": _number(overall.alpha),
                     "disagreements": sum(len(t.disagreements) for t in result.per_theme.values())})
    return rows


def _unit_text(codings: Sequence[CodingView], unit: object) -> tuple[str, str]:
    """A reference line and the text of a unit (an excerpt id, or a (document, start, end) span)."""
    if isinstance(unit, tuple):
        document_id, start, end = unit
    else:
        document_id = next(c.document_id for c in codings if c.excerpt_id == unit)
    with store().session() as session:
        document = get_document(session, document_id)
        if not isinstance(unit, tuple):
            excerpt = next(e for e in document.excerpts if e.id == unit)
            start, end = excerpt.start, excerpt.end
        return (f"Document {document_id}: {document.title}, characters {start}-{end}",
                document.text[start:end])


def _disagreements(result: AgreementResult, codebook: Codebook, codings: Sequence[CodingView]) -> None:
    st.subheader("Disagreements to discuss")
    themes = [t for t, table in result.per_theme.items() if table.disagreements]
    if not themes:
        st.success("The coders agree on every excerpt they both coded.")
        return
    theme_id = st.selectbox("Theme", themes, format_func=lambda t: theme_path(codebook, t),
                            key="agreement_theme")
    coders = result.coders
    for unit in result.per_theme[theme_id].disagreements:
        reference, text = _unit_text(codings, unit)
        with st.container(border=True):
            st.text(reference)
            decisions = [decision(codings, c, unit, theme_id) for c in coders]
            st.dataframe({"coder": coders, "decision": decisions}, hide_index=True)
            st.text(text)


def page() -> None:
    require_user()
    st.title("Inter-coder agreement")
    st.markdown(EXPLANATION)
    codings = list_codings(store())
    coders = sorted({c.coder for c in codings})
    if len(coders) < 2:
        found = "No coder has" if not coders else "Only one coder has"
        st.info(f"{found} made decisions yet. {GUIDANCE}")
        return
    codebook = stored_codebook(store(), include_inactive=True)
    result = coding_agreement(codings, [t.id for t in stored_codebook(store()).codable])
    if not result.per_theme:
        st.info("No coder has confirmed any theme yet, so there is nothing to compare. " + GUIDANCE)
        return
    st.caption(f"{len(result.coders)} coders, {len(codings)} codings.")
    st.dataframe(agreement_rows(result, codebook), hide_index=True)
    _disagreements(result, codebook, codings)
