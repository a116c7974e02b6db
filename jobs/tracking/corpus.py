"""The labelled carrier-text corpus (config/corpus/): reading it, and a hash that names it."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from config import CONFIG_DIR
from jobs.tracking.classify_io import parse_time
from jobs.tracking.events import Event

CORPUS_DIR = CONFIG_DIR / "corpus"


@dataclass(frozen=True)
class LabelledText:
    """One event text of the corpus with its status and reason."""

    text: str
    lang: str
    status: str
    reason: str
    source: str  # the file's slug: the unit held out by leave-one-source-out evaluation


@dataclass(frozen=True)
class LabelledHistory:
    """One whole tracking history of the corpus with the status and reason of the parcel."""

    id: str
    lang: str
    events: tuple[Event, ...]
    status: str
    reason: str
    source: str


def _lines(folder: Path):
    """Yield (slug, parsed object) for every line of every *.jsonl in `folder`, sorted by file."""
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else ():
        with path.open(encoding="utf-8") as stream:
            for line in stream:
                if line.strip():
                    yield path.stem, json.loads(line)


def load_texts(root: Path | str | None = None) -> list[LabelledText]:
    """Every labelled event text of the corpus (an empty list when there is none)."""
    folder = Path(root or CORPUS_DIR) / "events"
    return [
        LabelledText(item["text"], item.get("lang") or "??", item["status"], item["reason"], slug)
        for slug, item in _lines(folder)
        if isinstance(item.get("text"), str) and item["text"].strip()
    ]


_UNDATED = datetime(2000, 1, 1, tzinfo=UTC)


def _event(item, index: int) -> Event:
    """One history event; a missing or non-ISO time becomes one hour after the previous one
    (histories are stored oldest first)."""
    try:
        time = parse_time(item.get("time"), "time")
    except ValueError:
        time = _UNDATED + timedelta(hours=index)
    code = item.get("code")
    return Event(
        time,
        str(item.get("text") or ""),
        item.get("location") if isinstance(item.get("location"), str) else None,
        None if code is None else str(code),
    )


def load_histories(root: Path | str | None = None) -> list[LabelledHistory]:
    """Every labelled whole history of the corpus (an empty list when there is none)."""
    folder = Path(root or CORPUS_DIR) / "histories"
    histories = []
    for slug, item in _lines(folder):
        items = [e for e in item.get("events") or [] if isinstance(e, dict)]
        events = tuple(_event(e, i) for i, e in enumerate(items))
        histories.append(
            LabelledHistory(
                str(item.get("id", "")),
                item.get("lang") or "??",
                events,
                item["status"],
                item["reason"],
                slug,
            )
        )
    return histories


def corpus_hash(root: Path | str | None = None) -> str:
    """A short digest of every corpus file's name and bytes: it changes when the corpus does."""
    base = Path(root or CORPUS_DIR)
    digest = hashlib.sha256()
    for path in sorted(base.glob("*/*.jsonl")) if base.is_dir() else ():
        digest.update(str(path.relative_to(base)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
