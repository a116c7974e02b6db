"""The learned fallback and the leave-one-source-out evaluation, on a tiny fixture corpus."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from config.settings import TIME_RULES
from jobs.tracking.classify import classify
from jobs.tracking.corpus import corpus_hash, load_histories, load_texts
from jobs.tracking.evaluate import evaluate, format_report
from jobs.tracking.events import Event
from jobs.tracking.fallback import train, train_from_corpus
from jobs.tracking.phrases import phrase_book
from jobs.tracking.reading import TextReader

FIXTURE = Path(__file__).parent / "fixtures" / "corpus"
NOW = datetime(2026, 11, 20, tzinfo=UTC)


def test_fixture_corpus_loads_with_sources():
    texts, histories = load_texts(FIXTURE), load_histories(FIXTURE)
    assert {t.source for t in texts} == {"fixture-a", "fixture-b", "fixture-c"}
    assert [h.id for h in histories] == ["fixture-h-1", "fixture-h-2"]
    assert histories[0].events[0].time < histories[0].events[1].time


def test_empty_or_missing_corpus_gives_no_model(tmp_path):
    assert load_texts(tmp_path) == [] and load_histories(tmp_path / "nope") == []
    assert train_from_corpus(tmp_path) is None


def test_training_is_reproducible():
    first, second = train_from_corpus(FIXTURE), train_from_corpus(FIXTURE)
    texts = ["Levererad till kunden", "Sorterad", "xyz"]
    assert first.predict(texts) == second.predict(texts)
    assert first.version == corpus_hash(FIXTURE)


def test_hash_changes_with_the_corpus(tmp_path):
    (tmp_path / "events").mkdir()
    before = corpus_hash(tmp_path)
    (tmp_path / "events" / "x.jsonl").write_text('{"text": "a", "status": "s", "reason": "r"}\n')
    assert corpus_hash(tmp_path) != before


def test_model_decides_unknown_wording_and_is_marked_inferred():
    model = train(
        [("Frobbed", "delivered", "delivered"), ("Frobbed to you", "delivered", "delivered")]
        + [("Zingled at zong", "in_transit", "in_transit"), ("Zingled", "in_transit", "in_transit")]
    )
    reader = TextReader(phrase_book(), model)
    result = classify(
        events=[Event(NOW, "Frobbed today")], now=NOW, settings=TIME_RULES, reader=reader
    )
    assert (result.status, result.inferred, result.decided_by) == ("delivered", True, "model")


class _FixedModel:
    """A stand-in model that answers the same (status, reason, confidence) for every text."""

    def __init__(self, answer):
        self.answer = answer

    def predict(self, texts):
        return [self.answer for _ in texts]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        # a movement reason needs MIN_CONFIDENCE; another state needs MIN_CONFIDENCE_STATE:
        # held out, the model's unsure non-movement guesses on wording no rule knows were
        # right 2 times in 18 (docs/classification.md, fifth pass)
        (("in_transit", "info_received", 0.6), ("in_transit", "info_received", "model")),
        (("alert", "exception", 0.75), ("in_transit", "in_transit", "unrecognised")),
        (("delivered", "delivered", 0.95), ("delivered", "delivered", "model")),
    ],
)
def test_model_needs_more_confidence_to_claim_a_state_than_a_movement(answer, expected):
    reader = TextReader(phrase_book(), _FixedModel(answer))
    result = classify(
        events=[Event(NOW, "Qwxz plonk")], now=NOW, settings=TIME_RULES, reader=reader
    )
    assert (result.status, result.reason, result.decided_by) == expected
    assert result.inferred


def test_rules_decide_before_the_model():
    model = train([("Delivered", "alert", "lost"), ("Zugestellt", "alert", "lost")])
    reader = TextReader(phrase_book(), model)
    result = classify(events=[Event(NOW, "Delivered")], now=NOW, settings=TIME_RULES, reader=reader)
    assert (result.status, result.inferred, result.decided_by) == ("delivered", False, "rule")


def test_low_confidence_means_in_transit_inferred():
    model = train(
        [
            ("aaa", "delivered", "delivered"),
            ("bbb", "alert", "lost"),
            ("ccc", "returned", "returning"),
        ]
    )
    reader = TextReader(phrase_book(), model)
    result = classify(events=[Event(NOW, "qqq zzz")], now=NOW, settings=TIME_RULES, reader=reader)
    assert (result.status, result.reason, result.inferred) == ("in_transit", "in_transit", True)


def test_prime_reads_many_texts_in_one_batch():
    calls = []

    class Model:
        def predict(self, texts):
            calls.append(list(texts))
            return [("delivered", "delivered", 0.99)] * len(texts)

    reader = TextReader(phrase_book(), Model())
    reader.prime(["qq one", "qq two", "Delivered", "qq one"])
    assert calls == [["qq one", "qq two"]]
    assert reader.read("qq two") == ("delivered", "delivered", "model")
    assert reader.read("Delivered")[2] == "rule" and len(calls) == 1


def test_evaluation_holds_each_source_out():
    report = evaluate(FIXTURE)
    assert set(report) == {"rules only", "rules+model"}
    events = report["rules+model"]["events"].as_dict()
    assert events["n"] == 19 and set(events["by_lang"]) == {"de", "en", "pl", "sv"}
    # Only fixture-b says "lost": held out, the model has never seen that label.
    assert "Qwyxx zorp" in [label for label, _, _ in report["rules+model"]["events"].errors]
    assert "rules only · histories" in format_report(report)


def test_evaluate_command_prints_json(capsys):
    from webapp.cli import main

    assert main(["classify", "--evaluate", "--corpus", str(FIXTURE), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["rules only"]["histories"]["n"] == 2


def test_evaluate_command_without_corpus_is_a_clear_error(tmp_path, capsys):
    from webapp.cli import main

    assert main(["classify", "--evaluate", "--corpus", str(tmp_path)]) == 1
    assert "no corpus" in capsys.readouterr().err


CORPUS_TEXTS = len(load_texts())


@pytest.mark.slow
@pytest.mark.skipif(CORPUS_TEXTS < 1000, reason="needs the real corpus (>= 1000 texts)")
def test_accuracy_on_the_real_corpus_meets_the_target():
    # met since the fifth pass (docs/classification.md): a fall below it is a regression
    report = evaluate(folds=10)["rules+model"]
    for kind in ("events", "histories"):
        figures = report[kind].as_dict()
        if figures["n"]:
            assert figures["status"] >= 95, (kind, figures["status"])
    languages = report["events"].as_dict()["by_lang"]
    assert all(v["status"] >= 85 for v in languages.values() if v["n"] >= 20), languages
