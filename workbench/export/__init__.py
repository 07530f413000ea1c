"""Exports of coded excerpts. ``rows.coding_rows`` gives the filtered rows every format writes."""
