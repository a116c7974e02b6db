"""Parcels classified per second on generated 10-event histories (one core, one process).

Run: .venv/bin/python bench/bench_classify.py [--parcels 20000] [--events 10] [--quick]
Prints two figures: "warm" (carrier texts repeat, as they do in real data, so the per-text
match cache hits) and "cold" (every event text unique, so every text goes through the rules).
"""

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.settings import TIME_RULES  # noqa: E402
from jobs.tracking.classify import classify  # noqa: E402
from jobs.tracking.events import Event  # noqa: E402
from jobs.tracking.reading import default_reader  # noqa: E402
from tests.carrier_texts import CORPUS  # noqa: E402

NOW = datetime(2026, 11, 20, tzinfo=UTC)
JOURNEY = ["in_transit", "in_transit", "in_transit", "in_transit", "pick_up"]
ENDINGS = ["delivered", "delivered", "delivered", "undelivered", "alert", "returned", "pick_up"]


def _texts_by_status():
    table = {}
    for _, text, status, _ in CORPUS:
        table.setdefault(status, []).append(text)
    return table


def generate(parcels, events, unique, seed=7, unknown=0.0):
    """Return a list of event histories: a normal journey, then a random ending.

    `unknown` is the share of events whose wording no rule knows (the learned fallback reads it).
    """
    rng, texts = random.Random(seed), _texts_by_status()
    histories = []
    for n in range(parcels):
        start = NOW - timedelta(hours=rng.randint(24, 24 * 40))
        stages = [rng.choice(JOURNEY) for _ in range(events - 1)] + [rng.choice(ENDINGS)]
        history = []
        for i, stage in enumerate(stages):
            text = rng.choice(texts[stage])
            if rng.random() < unknown:
                text = f"Sendungsstatus {rng.randrange(10**6)}-{n}-{i} qz"
            if unique:
                text = f"{text} ref {n}-{i}"
            history.append(Event(start + timedelta(hours=7 * i), text, "PARIS"))
        rng.shuffle(history)
        histories.append(history)
    return histories


BATCH = 500  # parcels per resolve/reclassify batch: their texts are read together


def measure(histories):
    """Classify every history once, reading each batch's texts together; return parcels/s."""
    reader = default_reader()
    began = time.perf_counter()
    for start in range(0, len(histories), BATCH):
        batch = histories[start : start + BATCH]
        reader.prime(e.text for history in batch for e in history)
        for history in batch:
            classify(events=history, now=NOW, settings=TIME_RULES)
    return len(histories) / (time.perf_counter() - began)


def main(quick: bool = False, parcels: int | None = None, events: int = 10) -> dict:
    """Measure warm and cold classification; return the figures."""
    parcels = parcels or (2000 if quick else 20000)
    classify(events=[], now=NOW, settings=TIME_RULES)  # compile the rules outside the timing
    warm = generate(parcels, events, unique=False)
    measure(warm[:1000])
    figures = {"parcels": parcels, "events each": events}
    figures["warm: repeated texts (parcels/s)"] = round(measure(warm))
    cold = generate(parcels, events, unique=True)
    figures["cold: every text unique (parcels/s)"] = round(measure(cold))
    unknown = generate(parcels, events, unique=True, seed=8, unknown=0.2)
    figures["cold, 20% unknown wording read by the model (parcels/s)"] = round(measure(unknown))
    figures["learned fallback"] = "on" if default_reader().model is not None else "off (no corpus)"
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=None)
    parser.add_argument("--events", type=int, default=10)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--corpus", help="train the fallback from this corpus folder")
    args = parser.parse_args()
    if args.corpus:
        import jobs.tracking.corpus

        jobs.tracking.corpus.CORPUS_DIR = Path(args.corpus)
    for key, value in main(args.quick, args.parcels, args.events).items():
        print(f"{key}: {value:,}" if isinstance(value, int) else f"{key}: {value}")
