"""The review queue: suggestions a coder has not decided yet, the most instructive first."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbench.coding.suggest import SuggestSettings
from workbench.errors import BadInput
from workbench.store import Store
from workbench.store import suggestions as suggestion_rows
from workbench.store.codings import decided_pairs

ORDERS = ("uncertain", "score")


@dataclass(frozen=True)
class QueueItem:
    """A suggestion waiting for a coder, with its excerpt and document."""

    suggestion_id: int
    excerpt_id: int
    document_id: int
    title: str
    section: str
    text: str
    theme_id: str
    score: float
    evidence: dict[str, Any]


def latest_batch(store: Store) -> str | None:
    """The id of the newest batch of suggestions, or None before the first ``suggest``."""
    with store.session() as session:
        return suggestion_rows.latest_batch(session)


def review_queue(store: Store, coder: str, order: str = "uncertain", theme: str | None = None,
                 where: Mapping[str, str] | None = None, run_id: str | None = None,
                 batch: str | None = None, threshold: float | None = None,
                 limit: int | None = None) -> list[QueueItem]:
    """Suggestions of the latest batch that ``coder`` has not decided yet.

    ``order``: 'uncertain' (scores nearest the threshold first: each decision teaches the most)
    or 'score' (most confident first). Filters: theme, document metadata, topic run.
    """
    if order not in ORDERS:
        raise BadInput(f"order {order!r} is not one of uncertain, score")
    batch = batch or latest_batch(store)
    if batch is None:
        return []
    cut = SuggestSettings().threshold if threshold is None else threshold
    items = []
    with store.session() as session:
        decided = decided_pairs(session, coder)
        for suggestion, excerpt, document in suggestion_rows.batch_suggestions(
                session, batch, theme_id=theme, run_id=run_id):
            if (excerpt.id, suggestion.theme_id) in decided:
                continue
            if where and any(str(document.meta.get(k)) != str(v) for k, v in where.items()):
                continue
            items.append(QueueItem(suggestion.id, excerpt.id, document.id, document.title,
                                   excerpt.section, excerpt.text, suggestion.theme_id,
                                   suggestion.score, suggestion.evidence))
    if order == "uncertain":
        items.sort(key=lambda item: (abs(item.score - cut), item.suggestion_id))
    else:
        items.sort(key=lambda item: (-item.score, item.suggestion_id))
    return items[:limit] if limit else items
