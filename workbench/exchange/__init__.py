"""Exchange with other tools: every export format behind one registry (CSV, XLSX, JSONL,
matrices, DOCX/HTML reports, REFI-QDA projects and codebooks) and REFI-QDA import.
``rows.coding_rows`` gives the filtered rows every tabular format writes."""
