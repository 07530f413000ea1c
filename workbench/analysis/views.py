"""Views of topic runs and codings for people: topic tables, an intertopic map, theme frequency
and co-occurrence. The command line and the Themes page show these; neither computes them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from workbench.errors import BadInput
from workbench.exchange.rows import ExportFilter, coding_rows
from workbench.store import Store, list_documents

TOP_WORDS = 8
"""How many of a topic's words a topic table shows."""

CODED_COLUMNS = ["coding_id", "document_id", "title", "text", "start", "end", "theme", "year", "region"]
UNITS = ("excerpt", "document")
"""What co-occurrence counts: themes coded on the same excerpt (document and span) or document."""


@dataclass
class TopicRow:
    """One topic of a run: id (-1: the outliers), size in excerpts, label, theme id (None:
    emergent, or the outliers) and its top TOP_WORDS words, best first."""

    id: int
    size: int
    label: str
    theme: str | None
    words: list[str]


def topic_rows(topics: Sequence[Mapping]) -> list[TopicRow]:
    """Table rows for a run record's ``topics`` list, in its order, outliers (id -1) included."""
    return [TopicRow(id=int(t["id"]), size=int(t["size"]), label=str(t["label"]),
                     theme=t["theme"] or None, words=[str(w) for w, _ in t["words"][:TOP_WORDS]])
            for t in topics]


def intertopic_map(topics: Sequence[Mapping], centroids: Mapping[int, np.ndarray]) -> pd.DataFrame:
    """A 2-D PCA projection of the topic centroids (outliers left out): topic, x, y, size.

    Needs at least two topics.
    """
    from sklearn.decomposition import PCA

    sizes = {t["id"]: t["size"] for t in topics}
    ids = sorted(i for i in centroids if i >= 0)
    points = PCA(n_components=2, random_state=0).fit_transform(np.vstack([centroids[i] for i in ids]))
    return pd.DataFrame({"topic": ids, "x": points[:, 0], "y": points[:, 1],
                         "size": [sizes.get(i, 1) for i in ids]})


def topic_excerpts(assignments: Mapping[int, int], topic_id: int) -> list[int]:
    """The ids of the excerpts a run assigned to ``topic_id``."""
    return [excerpt for excerpt, topic in assignments.items() if topic == topic_id]


def excerpt_frame(store: Store) -> pd.DataFrame:
    """Every excerpt with its document: excerpt_id, document_id, title, text."""
    with store.session() as session:
        rows = [{"excerpt_id": e.id, "document_id": d.id, "title": d.title, "text": e.text}
                for d in list_documents(session) for e in d.excerpts]
    return pd.DataFrame(rows, columns=["excerpt_id", "document_id", "title", "text"])


def coded_frame(store: Store) -> pd.DataFrame:
    """Confirmed codings, one row each, with the document's year and region ("unknown" if unset)."""
    rows = [{"coding_id": r.coding_id, "document_id": r.document_id, "title": r.title, "text": r.text,
             "start": r.start, "end": r.end, "theme": r.theme_name,
             "year": str(r.metadata.get("year", "unknown")),
             "region": str(r.metadata.get("region", "unknown"))}
            for r in coding_rows(store, ExportFilter())]
    return pd.DataFrame(rows, columns=CODED_COLUMNS)


def theme_frequency(coded: pd.DataFrame, by: str) -> pd.DataFrame:
    """Theme x ``by`` (a column of :func:`coded_frame`, e.g. year or region) coding counts."""
    return pd.crosstab(coded["theme"], coded[by])


def _unit_keys(unit: str) -> list[str]:
    if unit not in UNITS:
        raise BadInput(f"unknown co-occurrence unit {unit!r}; choose one of {', '.join(UNITS)}")
    return ["document_id", "start", "end"] if unit == "excerpt" else ["document_id"]


def units(coded: pd.DataFrame, unit: str) -> pd.Series:
    """Themes per excerpt (document and span) or per document."""
    return coded.groupby(_unit_keys(unit))["theme"].agg(lambda s: frozenset(s))


def cooccurrence(coded: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Theme x theme counts of units coded with both (the diagonal: units coded with the theme)."""
    themes = sorted(coded["theme"].unique())
    matrix = pd.DataFrame(0, index=themes, columns=themes)
    for found in units(coded, unit):
        for theme in found:
            matrix.loc[theme, theme] += 1
        for a, b in combinations(sorted(found), 2):
            matrix.loc[a, b] += 1
            matrix.loc[b, a] += 1
    return matrix


def co_coded(coded: pd.DataFrame, unit: str, a: str, b: str) -> tuple[int, pd.DataFrame]:
    """The number of units coded with both themes ``a`` and ``b``, and those units' codings of them."""
    found = units(coded, unit)
    both = found[found.apply(lambda themes: a in themes and b in themes)]
    inside = coded.set_index(_unit_keys(unit)).index.isin(both.index)
    return len(both), coded[inside & coded["theme"].isin([a, b])]
