"""Reading one event text: the rule tables first, then the learned fallback; cached per text."""

from collections.abc import Iterable
from functools import cache

from jobs.tracking.phrases import PhraseBook, normalize, phrase_book

CACHE_LIMIT = (
    200_000  # distinct texts remembered; carriers write from templates, so it rarely fills
)

RULE, MODEL, MERCHANT = "rule", "model", "merchant"


class TextReader:
    """Turns an event text into (status, reason, how) or None when nothing understands it.

    `how` says what decided: "rule" (config/phrases.json) or "model" (the learned fallback,
    confident enough). Pure: the same book and model always give the same answer.
    """

    def __init__(self, book: PhraseBook, model=None):
        self.book = book
        self.model = model
        self._known: dict[str, tuple[str, str, str] | None] = {}

    def read(self, text: str) -> tuple[str, str, str] | None:
        """What this text says about the state, and how that was decided."""
        try:
            return self._known[text]
        except KeyError:
            pass
        self.prime((text,))
        return self._known[text]

    def prime(self, texts: Iterable[str]) -> None:
        """Read many texts at once: the rules one by one, the model in a single batch."""
        if len(self._known) > CACHE_LIMIT:
            self._known.clear()
        pending = []
        for text in texts:
            if text in self._known:
                continue
            pair = self.book.match(text)
            if pair is not None:
                self._known[text] = (*pair, RULE)
            elif self.model is None:
                self._known[text] = None
            else:
                pending.append(text)
        if pending:
            pending = list(dict.fromkeys(pending))
            for text, (status, reason, confidence) in zip(
                pending, self.model.predict(pending), strict=True
            ):
                accepted = status not in _NO_SIGNAL and confidence >= self.model_threshold
                if status != "in_transit":  # claiming another state needs more confidence
                    accepted = accepted and confidence >= self.state_threshold
                self._known[text] = (status, reason, MODEL) if accepted else None

    @property
    def model_threshold(self) -> float:
        from jobs.tracking.fallback import MIN_CONFIDENCE

        return MIN_CONFIDENCE

    @property
    def state_threshold(self) -> float:
        from jobs.tracking.fallback import MIN_CONFIDENCE_STATE

        return MIN_CONFIDENCE_STATE


_NO_SIGNAL = ("not_found", "expired")


def wording_key(text: str) -> str:
    """The key a merchant's rule is stored under: the text folded as the rules fold it."""
    return normalize(text)[:500]


@cache
def default_reader() -> TextReader:
    """Rules of config/phrases.json plus the model of config/corpus, built once per process."""
    from jobs.tracking.fallback import default_model

    return TextReader(phrase_book(), default_model())


@cache
def rules_only_reader() -> TextReader:
    """Only the rule tables: texts they do not know stay not understood."""
    return TextReader(phrase_book(), None)
