"""Topic modelling: a config, a vocabulary, and a BERTopic-based estimator guided by a codebook.

``TopicModeller`` follows scikit-learn's estimator contract: ``__init__`` stores settings,
``fit(texts, embeddings)`` returns self, learned state ends in ``_``. Saving, loading and
comparing runs lives in :mod:`workbench.analysis.runs`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from workbench.analysis.embed import Embedder, EmbeddingCache, embed_texts
from workbench.coding.codebook import Codebook
from workbench.config import PROJECT_ROOT
from workbench.errors import SettingsError
from workbench.privacy.redact import without_placeholders

MODELS_DIR = PROJECT_ROOT / "models"
DEFAULT_CONFIG = MODELS_DIR / "default.toml"

# Review boilerplate and agency names: common to every review, so never a theme's words
# unless a config lists them in vectorizer.keep_words.
DOMAIN_STOP_WORDS = frozenset("""
review reviews reviewer reviewed rapid lcspr lscp panel practice practices practitioner
practitioners agency agencies multi professional professionals partnership partnerships
safeguarding local authority authorities service services council team teams meeting
meetings record records recorded case cases time times period date dates report reports
child children family families parent parents young person people year years month months
week weeks day days police gp nhs csc mash cafcass marac ofsted hospital school schools
health social care worker workers officer officers manager managers lead leads staff
learning finding findings recommendation recommendations episode episodes key context
summary background analysis terms reference chronology consider considered need needs
include included including information example place took taken make made said told
point further early help support supported involvement involved response role
safeguard mr mrs ms miss dr detective inspector sergeant constable
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday
""".split())


def _dataclass_from(cls, data: dict, where: str):
    known = {f.name: f for f in fields(cls)}
    values = {}
    for key, value in data.items():
        if key not in known:
            raise SettingsError(f"{where}: unknown key {key!r}; known keys: {', '.join(known)}")
        default = getattr(cls(), key)
        if is_dataclass(default):
            if not isinstance(value, dict):
                raise SettingsError(f"{where}: [{key}] must be a table")
            values[key] = _dataclass_from(type(default), value, f"{where} [{key}]")
        else:
            values[key] = value
    return cls(**values)


@dataclass
class UmapSettings:
    n_neighbors: int = 15
    n_components: int = 5
    min_dist: float = 0.0
    metric: str = "cosine"


@dataclass
class ClusterSettings:
    min_cluster_size: int = 10
    min_samples: int | None = None
    cluster_selection_method: str = "eom"


@dataclass
class VectorizerSettings:
    ngram_max: int = 2
    min_df: int = 5
    max_df: float = 0.8
    lemmatize: bool = True
    drop_person_names: bool = True
    extra_stop_words: list[str] = field(default_factory=list)
    keep_words: list[str] = field(default_factory=list)


@dataclass
class TopicSettings:
    top_n_words: int = 10
    candidate_words: int = 30
    min_word_share: float = 0.1
    nr_topics: int | str | None = None
    representation: str = "ctfidf"
    mmr_diversity: float = 0.3


@dataclass
class GuidanceSettings:
    seed_topics: bool = True
    zero_shot: bool = True
    zeroshot_min_similarity: float = 0.6


@dataclass
class OutlierSettings:
    strategy: str = "embeddings"
    threshold: float = 0.3


@dataclass
class MappingSettings:
    min_similarity: float = 0.6


@dataclass
class TopicConfig:
    """Everything a topic run depends on; saved with the run. See models/default.toml."""

    name: str = "default"
    seed: int = 42
    embedder: str = "default"
    umap: UmapSettings = field(default_factory=UmapSettings)
    cluster: ClusterSettings = field(default_factory=ClusterSettings)
    vectorizer: VectorizerSettings = field(default_factory=VectorizerSettings)
    topics: TopicSettings = field(default_factory=TopicSettings)
    guidance: GuidanceSettings = field(default_factory=GuidanceSettings)
    outliers: OutlierSettings = field(default_factory=OutlierSettings)
    mapping: MappingSettings = field(default_factory=MappingSettings)

    def __post_init__(self) -> None:
        if self.outliers.strategy not in {"none", "embeddings", "c-tf-idf", "distributions"}:
            raise SettingsError(
                f"outliers.strategy {self.outliers.strategy!r} is not one of none, embeddings, "
                "c-tf-idf, distributions"
            )
        if self.topics.representation not in {"ctfidf", "mmr"}:
            raise SettingsError(
                f"topics.representation {self.topics.representation!r} is not one of ctfidf, mmr")
        if self.embedder not in {"default", "fake"}:
            raise SettingsError(f"embedder {self.embedder!r} is not one of default, fake")

    @classmethod
    def from_toml(cls, path: str | Path) -> TopicConfig:
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise SettingsError(f"model config {path}: cannot read ({exc.strerror})") from exc
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"model config {path}: not valid TOML ({exc})") from exc
        return _dataclass_from(cls, data, f"model config {path}")

    @classmethod
    def from_dict(cls, data: dict) -> TopicConfig:
        return _dataclass_from(cls, data, "model config")

    def as_dict(self) -> dict:
        return asdict(self)


# -- vocabulary ---------------------------------------------------------------------------

_WORD = re.compile(r"[a-z][a-z'’-]*[a-z]")


@lru_cache(maxsize=4)
def _lemmatiser(model: str):
    from workbench.nlp import load_pipeline

    nlp = load_pipeline(model)
    return nlp, [p for p in nlp.pipe_names if p not in {"tok2vec", "tagger", "attribute_ruler",
                                                       "lemmatizer", "ner"}]


def analysis_texts(texts: Sequence[str], settings: VectorizerSettings, spacy_model: str) -> list[str]:
    """Texts reduced to the words topic representations are built from.

    With ``lemmatize`` each word becomes its spaCy lemma; with ``drop_person_names``
    words inside PERSON entities are dropped (names are never themes). Redaction placeholders
    ("[Person 1]", "[Date of birth]") are never words.
    """
    texts = [without_placeholders(t) for t in texts]
    if not settings.lemmatize:
        return [" ".join(_WORD.findall(t.lower())) for t in texts]
    nlp, disabled = _lemmatiser(spacy_model)
    out = []
    for doc in nlp.pipe(texts, batch_size=64, disable=disabled):
        words = []
        for token in doc:
            if settings.drop_person_names and token.ent_type_ == "PERSON":
                continue
            lemma = token.lemma_.lower()
            if _WORD.fullmatch(lemma):
                words.append(lemma)
        out.append(" ".join(words))
    return out


def stop_words(settings: VectorizerSettings) -> list[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = set(ENGLISH_STOP_WORDS) | DOMAIN_STOP_WORDS | {w.lower() for w in settings.extra_stop_words}
    return sorted(words - {w.lower() for w in settings.keep_words})


TOKEN_PATTERN = r"(?u)\b[a-z][a-z'’-]*[a-z]\b"


def make_vectorizer(settings: VectorizerSettings, n_texts: int):
    """A CountVectorizer whose min_df/max_df count excerpts (``n_texts`` of them)."""
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(
        stop_words=stop_words(settings), ngram_range=(1, settings.ngram_max),
        min_df=min(settings.min_df, max(1, n_texts // 10)), max_df=settings.max_df,
        token_pattern=TOKEN_PATTERN, lowercase=True,
    )


def fixed_vocabulary_vectorizer(settings: VectorizerSettings, analysed: Sequence[str]):
    """A vectorizer with the vocabulary chosen over excerpts.

    BERTopic fits its vectorizer on one concatenated document per topic, where min_df and
    max_df would count topics; fixing the vocabulary first keeps them counting excerpts.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    chooser = make_vectorizer(settings, len(analysed)).fit(analysed)
    return CountVectorizer(vocabulary=sorted(chooser.vocabulary_), ngram_range=(1, settings.ngram_max),
                           stop_words=chooser.stop_words, token_pattern=TOKEN_PATTERN, lowercase=True)


# -- the estimator --------------------------------------------------------------------------


def theme_prototypes(codebook: Codebook, embedder: Embedder,
                     cache: EmbeddingCache | None = None) -> tuple[list[str], np.ndarray]:
    """One normalised vector per codable theme: the mean of its name+description and examples."""
    ids, rows = [], []
    for theme in codebook.codable:
        texts = [f"{theme.name}. {theme.description}", *theme.examples]
        vectors, _ = embed_texts(texts, embedder, cache)
        mean = vectors.mean(axis=0)
        rows.append(mean / (np.linalg.norm(mean) or 1.0))
        ids.append(theme.id)
    return ids, np.array(rows, dtype=np.float32)


class _Backend:
    """Lets BERTopic embed seed words and labels with the workbench's embedder and cache."""

    def __new__(cls, embedder: Embedder, cache: EmbeddingCache | None):
        from bertopic.backend import BaseEmbedder

        class Backend(BaseEmbedder):
            def embed(self, documents, verbose=False):
                return embed_texts(list(documents), embedder, cache)[0]

        return Backend()


@dataclass
class Topic:
    id: int
    label: str
    size: int
    words: list[tuple[str, float]]
    theme: str | None
    theme_similarity: float
    zero_shot: bool = False

    @property
    def emergent(self) -> bool:
        return self.id >= 0 and self.theme is None


class TopicModeller:
    """BERTopic with UMAP + HDBSCAN, a domain vocabulary and codebook guidance.

    ``fit(texts, embeddings)`` learns ``topics_`` (list of Topic, outliers as id -1),
    ``assignments_`` (topic id per text), ``centroids_`` (topic id -> normalised vector) and
    ``model_`` (the fitted BERTopic).
    """

    def __init__(self, config: TopicConfig, codebook: Codebook | None = None,
                 embedder: Embedder | None = None, cache: EmbeddingCache | None = None,
                 spacy_model: str = "en_core_web_sm"):
        self.config = config
        self.codebook = codebook
        self.embedder = embedder
        self.cache = cache
        self.spacy_model = spacy_model

    def _bertopic(self, n_texts: int, analysed: Sequence[str]):
        from bertopic import BERTopic
        from bertopic.representation import MaximalMarginalRelevance
        from hdbscan import HDBSCAN
        from umap import UMAP

        c = self.config
        codable = self.codebook.codable if self.codebook is not None and self.embedder is not None else []
        seed_topics = ([t.seeds for t in codable if t.seeds]
                       if codable and c.guidance.seed_topics else None)
        zero_shot = ([f"{t.name}. {t.description}" for t in codable]
                     if codable and c.guidance.zero_shot else None)
        self.zero_shot_ids_ = [t.id for t in codable] if zero_shot else []
        representation = (MaximalMarginalRelevance(diversity=c.topics.mmr_diversity,
                                                   top_n_words=c.topics.top_n_words)
                          if c.topics.representation == "mmr" and self.embedder else None)
        return BERTopic(
            embedding_model=_Backend(self.embedder, self.cache) if self.embedder else None,
            umap_model=UMAP(n_neighbors=min(c.umap.n_neighbors, max(2, n_texts - 1)),
                            n_components=c.umap.n_components, min_dist=c.umap.min_dist,
                            metric=c.umap.metric, random_state=c.seed, n_jobs=1),
            hdbscan_model=HDBSCAN(min_cluster_size=c.cluster.min_cluster_size,
                                  min_samples=c.cluster.min_samples, metric="euclidean",
                                  cluster_selection_method=c.cluster.cluster_selection_method,
                                  prediction_data=True),
            vectorizer_model=fixed_vocabulary_vectorizer(c.vectorizer, analysed),
            representation_model=representation,
            top_n_words=max(c.topics.top_n_words, c.topics.candidate_words),
            nr_topics=c.topics.nr_topics,
            seed_topic_list=seed_topics, zeroshot_topic_list=zero_shot,
            zeroshot_min_similarity=c.guidance.zeroshot_min_similarity,
            calculate_probabilities=False,
        )

    def fit(self, texts: Sequence[str], embeddings: np.ndarray,
            progress: Callable[[str], object] | None = None) -> TopicModeller:
        if len(texts) != len(embeddings):
            raise ValueError(f"{len(texts)} texts but {len(embeddings)} embeddings")
        if len(texts) < 2 * self.config.cluster.min_cluster_size:
            raise SettingsError(
                f"{len(texts)} excerpts are too few for cluster.min_cluster_size = "
                f"{self.config.cluster.min_cluster_size}; ingest more documents or lower it"
            )
        say = progress or (lambda _: None)
        say("preparing vocabulary")
        analysed = analysis_texts(texts, self.config.vectorizer, self.spacy_model)
        self.analysed_texts_ = analysed
        model = self._bertopic(len(texts), analysed)
        say("clustering")
        topics, _ = model.fit_transform(analysed, embeddings=embeddings)
        self.clustered_ = [int(t) for t in topics]
        self.analyzer_ = model.vectorizer_model.build_analyzer()
        strategy = self.config.outliers.strategy
        if strategy != "none" and -1 in topics and len(set(topics)) > 1:
            say("reducing outliers")
            # Outliers join their nearest topic, but topic words stay those of the excerpts
            # HDBSCAN placed with confidence: recomputing them from the reassigned excerpts
            # measurably lowers their coherence (see README, benchmark).
            topics = model.reduce_outliers(analysed, topics, strategy=strategy,
                                           embeddings=embeddings,
                                           threshold=self.config.outliers.threshold)
        self.model_ = model
        self.assignments_ = [int(t) for t in topics]
        self.centroids_ = self._centroids(embeddings)
        self.topics_ = self._describe(model)
        return self

    def _centroids(self, embeddings: np.ndarray) -> dict[int, np.ndarray]:
        centroids = {}
        labels = np.array(self.assignments_)
        for topic in sorted(set(self.assignments_)):
            mean = embeddings[labels == topic].mean(axis=0)
            centroids[topic] = (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)
        return centroids

    def _representative_words(self, model, topic: int) -> list[tuple[str, float]]:
        """The topic's best c-TF-IDF words that at least ``min_word_share`` of the excerpts
        HDBSCAN placed in it contain (falling back to c-TF-IDF order when too few do)."""
        settings = self.config.topics
        candidates = [(w, float(s)) for w, s in (model.get_topic(topic) or []) if w]
        members = [set(self.analyzer_(self.analysed_texts_[i]))
                   for i, t in enumerate(self.clustered_) if t == topic]
        if not members or settings.min_word_share <= 0:
            return candidates[: settings.top_n_words]
        needed = settings.min_word_share * len(members)
        shared = [(w, s) for w, s in candidates if sum(w in m for m in members) >= needed]
        rest = [c for c in candidates if c not in shared]
        return (shared + rest)[: settings.top_n_words]

    def _describe(self, model) -> list[Topic]:
        sizes = {t: self.assignments_.count(t) for t in set(self.assignments_)}
        labels = dict(model.topic_labels_) if getattr(model, "topic_labels_", None) else {}
        zero_shot_labels = {}
        if self.zero_shot_ids_ and self.codebook is not None and model.custom_labels_ is None:
            names = {f"{t.name}. {t.description}": t.id for t in self.codebook.codable}
            for topic, label in labels.items():
                if label in names:
                    zero_shot_labels[topic] = names[label]
        ids: list[str] = []
        prototypes: np.ndarray | None = None
        if self.codebook is not None and self.embedder is not None:
            ids, prototypes = theme_prototypes(self.codebook, self.embedder, self.cache)
        out = []
        for topic in sorted(sizes):
            words = self._representative_words(model, topic)
            theme, similarity = None, 0.0
            if topic in zero_shot_labels and prototypes is not None:
                theme = zero_shot_labels[topic]
                similarity = float(prototypes[ids.index(theme)] @ self.centroids_[topic])
            elif topic >= 0 and prototypes is not None:
                sims = prototypes @ self.centroids_[topic]
                best = int(np.argmax(sims))
                similarity = float(sims[best])
                if similarity >= self.config.mapping.min_similarity:
                    theme = ids[best]
            label = ("Outliers" if topic == -1 else
                     f"{topic}: " + ", ".join(w for w, _ in words[:4]))
            out.append(Topic(id=topic, label=label, size=sizes[topic], words=words, theme=theme,
                             theme_similarity=round(similarity, 4),
                             zero_shot=topic in zero_shot_labels))
        return out
