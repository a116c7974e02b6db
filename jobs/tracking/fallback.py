"""The learned fallback: a small character n-gram model for event texts no rule decides.

Trained reproducibly (fixed seed, sorted input) from the labelled corpus at first use and kept in
memory; the same corpus always gives the same model, so classification stays a pure function of
its inputs. It answers (status, reason, confidence); below `MIN_CONFIDENCE` its answer is not used.
"""

import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import cache

from jobs.tracking.corpus import corpus_hash, load_texts
from jobs.tracking.phrases import normalize

SEED = 20261201
MIN_CONFIDENCE = 0.55  # below this the event counts as not understood (status inferred)
# A state other than movement (delivered, alert, a failed attempt, ...) needs more: held out (10
# groups of corpus sources), on wording no rule knew the model's guesses of another state with a
# confidence of 0.55-0.8 were right 2 times in 18, while "in transit" was right 97.8% of the time.
MIN_CONFIDENCE_STATE = 0.8
MAX_FEATURES = 60000  # keeps the model a few megabytes and a prediction a few microseconds


class TextModel:
    """A fitted TF-IDF (character n-grams) + logistic model (SGD) over status/reason pairs."""

    def __init__(self, vectorizer, classifier, version: str):
        self.vectorizer = vectorizer
        self.classifier = classifier
        self.version = version
        self.pairs = [tuple(label.split("/", 1)) for label in classifier.classes_]
        statuses = defaultdict(list)
        for column, (status, _) in enumerate(self.pairs):
            statuses[status].append(column)
        self.status_columns = dict(statuses)

    def predict(self, texts: Sequence[str]) -> list[tuple[str, str, float]]:
        """(status, reason, confidence) for each text, computed in one batch."""
        if not texts:
            return []
        probabilities = self.classifier.predict_proba(
            self.vectorizer.transform([normalize(t) for t in texts])
        )
        return [self._best(row) for row in probabilities]

    def _best(self, row) -> tuple[str, str, float]:
        """The likeliest pair; if it is unsure but its status is sure, the status's generic pair."""
        column = int(row.argmax())
        status, reason = self.pairs[column]
        if row[column] >= MIN_CONFIDENCE:
            return status, reason, float(row[column])
        status_probability = float(row[self.status_columns[status]].sum())
        generic = _GENERIC.get(status)
        if generic and status_probability >= MIN_CONFIDENCE:
            return status, generic, status_probability
        return status, reason, float(row[column])


_GENERIC = {
    "in_transit": "in_transit",
    "undelivered": "attempt_failed",
    "alert": "exception",
    "delivered": "delivered",
    "returned": "returning",
    "pick_up": "awaiting_collection",
}


def train(examples: Iterable[tuple[str, str, str]], version: str = "") -> TextModel | None:
    """Fit a model on (text, status, reason) examples; None when there are fewer than 2 labels."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier

    rows = sorted({(normalize(t), f"{s}/{r}") for t, s, r in examples if normalize(t)})
    if len({label for _, label in rows}) < 2:
        return None
    vectorizer = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(1, 4),
        sublinear_tf=True,
        max_features=MAX_FEATURES,
        dtype=__import__("numpy").float32,
    )
    features = vectorizer.fit_transform([text for text, _ in rows])
    classifier = SGDClassifier(
        loss="log_loss", alpha=2e-5, max_iter=30, tol=None, random_state=SEED, average=True
    )
    with warnings.catch_warnings():  # a capped iteration count on a tiny corpus is not an error
        warnings.simplefilter("ignore")
        classifier.fit(features, [label for _, label in rows])
    return TextModel(vectorizer, classifier, version)


def train_from_corpus(root=None, exclude_sources: frozenset[str] = frozenset()):
    """Train on the corpus's event texts, leaving out the named sources (for evaluation)."""
    texts = [t for t in load_texts(root) if t.source not in exclude_sources]
    return train(((t.text, t.status, t.reason) for t in texts), corpus_hash(root))


@cache
def default_model() -> TextModel | None:
    """The model of the installed corpus (config/corpus), trained once per process."""
    return train_from_corpus()
