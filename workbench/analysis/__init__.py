"""What the machine finds in the excerpts: embeddings (backends, cache), topic runs, their
metrics, and the derived views the Themes page draws (topic tables, co-occurrence, maps)."""
