"""Honest accuracy of the classifier on the corpus, leave-one-source-out (`classify --evaluate`).

Each source (one corpus file slug) is scored by a reader whose learned model was trained without
that source, so the figures say how Parceldesk does on wording it has not seen. The rule tables
are the same for every source; they are written as general patterns, not copies of corpus texts.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from config.settings import TIME_RULES
from jobs.tracking.classify import classify
from jobs.tracking.corpus import load_histories, load_texts
from jobs.tracking.events import Event
from jobs.tracking.phrases import phrase_book
from jobs.tracking.reading import TextReader

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Tally:
    """Counts of scored items, right status and right status+reason, overall and by group."""

    total: int = 0
    status_ok: int = 0
    exact_ok: int = 0
    by_lang: dict = field(default_factory=lambda: defaultdict(Counter))
    by_status: dict = field(default_factory=lambda: defaultdict(Counter))
    errors: list = field(default_factory=list)

    def add(self, lang, expected, got, label):
        """Record one scored item."""
        status_ok, exact_ok = expected[0] == got[0], expected == got
        self.total += 1
        self.status_ok += status_ok
        self.exact_ok += exact_ok
        for group in (self.by_lang[lang], self.by_status[expected[0]]):
            group["n"] += 1
            group["status"] += status_ok
            group["exact"] += exact_ok
        if not status_ok:
            self.errors.append((label, "/".join(expected), "/".join(got)))

    def as_dict(self) -> dict:
        """JSON-ready figures: accuracy of status and of status+reason, overall and per group."""

        def pct(part, whole):
            return round(100 * part / whole, 1) if whole else None

        def groups(table):
            return {
                key: {
                    "n": c["n"],
                    "status": pct(c["status"], c["n"]),
                    "exact": pct(c["exact"], c["n"]),
                }
                for key, c in sorted(table.items())
            }

        return {
            "n": self.total,
            "status": pct(self.status_ok, self.total),
            "exact": pct(self.exact_ok, self.total),
            "by_lang": groups(self.by_lang),
            "by_status": groups(self.by_status),
        }


def _event_verdict(text, reader):
    result = classify(events=[Event(NOW, text)], now=NOW, settings=TIME_RULES, reader=reader)
    return result.status, result.reason


def _history_verdict(events, reader):
    now = max((e.time for e in events), default=NOW) + timedelta(hours=1)
    result = classify(events=list(events), now=now, settings=TIME_RULES, reader=reader)
    return result.status, result.reason


def _folds(sources: list[str], folds: int | None) -> list[frozenset[str]]:
    """One held-out group per source, or `folds` groups of sources (round robin, sorted)."""
    if not folds or folds >= len(sources):
        return [frozenset([s]) for s in sources]
    return [frozenset(sources[i::folds]) for i in range(folds)]


def evaluate(root=None, folds: int | None = None, with_model: bool = True) -> dict:
    """Score rules only and rules+model on the corpus; return {mode: {events, histories}}."""
    from jobs.tracking.fallback import train_from_corpus

    texts, histories = load_texts(root), load_histories(root)
    sources = sorted({t.source for t in texts} | {h.source for h in histories})
    book = phrase_book()
    modes = {"rules only": lambda held_out: TextReader(book, None)}
    if with_model:
        modes["rules+model"] = lambda held_out: TextReader(
            book, train_from_corpus(root, exclude_sources=held_out)
        )
    report = {}
    for mode, make_reader in modes.items():
        events, parcels = Tally(), Tally()
        rules_reader = TextReader(book, None)
        for held_out in _folds(sources, folds):
            reader = make_reader(held_out) if mode != "rules only" else rules_reader
            for t in (t for t in texts if t.source in held_out):
                events.add(t.lang, (t.status, t.reason), _event_verdict(t.text, reader), t.text)
            for h in (h for h in histories if h.source in held_out):
                got = _history_verdict(h.events, reader)
                parcels.add(h.lang, (h.status, h.reason), got, h.id)
        report[mode] = {"events": events, "histories": parcels}
    return report


def format_report(report: dict, errors: int = 0) -> str:
    """Plain-text tables of a report from `evaluate`."""
    lines = []
    for mode, kinds in report.items():
        for kind, tally in kinds.items():
            figures = tally.as_dict()
            lines.append(
                f"{mode} · {kind}: {figures['status']}% status, {figures['exact']}% "
                f"status+reason (n={figures['n']})"
            )
            for title in ("by_lang", "by_status"):
                cells = [f"{key} {v['status']}% (n={v['n']})" for key, v in figures[title].items()]
                lines.append(f"  {title.replace('_', ' ')}: " + ", ".join(cells))
            for label, expected, got in tally.errors[:errors]:
                lines.append(f"    ✗ {expected} ← {got}: {label}")
    return "\n".join(lines)
