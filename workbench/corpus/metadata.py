"""The document metadata fields people browse and filter by, and the values they take."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from workbench.store import Store
from workbench.store.documents import all_metadata

METADATA_FIELDS: tuple[str, ...] = ("review_type", "year", "region", "harm_type", "child_age_band")
"""The descriptive fields of a review (from its manifest), in the order the corpus table shows them."""

FILTER_FIELDS: tuple[str, ...] = ("region", "year", "review_type")
"""The fields the review queue and the export filter by, in the order they are offered."""


def display_value(value: object) -> str:
    """A metadata value as text: '' when unset."""
    return "" if value is None else str(value)


def field_label(field: str) -> str:
    """A field name for people: 'review_type' -> 'review type'."""
    return field.replace("_", " ")


def distinct_values(metadata: Iterable[Mapping[str, object]],
                    fields: Sequence[str] = METADATA_FIELDS) -> dict[str, list[str]]:
    """Each field's distinct values as text, sorted, over some metadata mappings; unset and
    empty values are left out."""
    found: dict[str, set[str]] = {field: set() for field in fields}
    for meta in metadata:
        for field in fields:
            value = display_value(meta.get(field))
            if value:
                found[field].add(value)
    return {field: sorted(values) for field, values in found.items()}


def field_values(store: Store, fields: Sequence[str] = METADATA_FIELDS) -> dict[str, list[str]]:
    """Each field's sorted distinct values (as text) over every document in the store."""
    with store.session() as session:
        return distinct_values((meta or {} for meta in all_metadata(session)), fields)
