"""Event-text rules over real-looking carrier texts, and validation of the rule files."""

import json
from pathlib import Path

import pytest

from jobs.tracking.classify import validate
from jobs.tracking.phrases import load_phrases, match_text, normalize
from jobs.tracking.taxonomy import RuleFileError, load_explanations
from tests.carrier_texts import CORPUS, LOOKALIKES

LANGUAGES = {"zh", "es", "fr", "de", "it", "pt", "nl", "ja"}


@pytest.mark.parametrize(
    ("carrier", "text", "status", "reason"), CORPUS, ids=[f"{c}:{t[:30]}" for c, t, _, _ in CORPUS]
)
def test_carrier_text_maps_to_status_and_reason(carrier, text, status, reason):
    assert match_text(text) == (status, reason)


@pytest.mark.parametrize(
    ("text", "status", "reason"), LOOKALIKES, ids=[t[:40] for t, _, _ in LOOKALIKES]
)
def test_negations_and_lookalikes(text, status, reason):
    assert match_text(text) == ((status, reason) if status else None)


def test_corpus_covers_every_required_language():
    assert LANGUAGES <= {carrier for carrier, *_ in CORPUS}


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("ＯＵＴ　ＦＯＲ　ＤＥＬＩＶＥＲＹ", "out for delivery"),
        ("Zurückgeschickt!", "zuruckgeschickt"),
        ("Straße", "strasse"),
        ("Retour à l'expéditeur", "retour a l expediteur"),
        ("【深圳市】快件已揽收", "深圳市 快件已揽收"),
        ("  Delivered --- Front   Door ", "delivered front door"),
    ],
)
def test_normalize_folds_case_accents_punctuation_and_width(raw, folded):
    assert normalize(raw) == folded


def test_whole_words_only_for_latin_phrases():
    # "delivery" must not be read as "delivered", nor "delivered" found inside another word
    assert match_text("Delivery") is None
    assert match_text("Undelivered") == ("undelivered", "attempt_failed")


def test_shipped_rule_files_validate():
    validate()


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (
            [{"status": "gone", "reason": "x", "priority": 1, "phrases": {"en": ["a"]}}],
            "unknown status 'gone'",
        ),
        (
            [{"status": "alert", "reason": "delivered", "priority": 1, "phrases": {"en": ["a"]}}],
            "reason 'delivered' is not a reason of status 'alert'",
        ),
        (
            [{"status": "alert", "reason": "lost", "priority": "high", "phrases": {"en": ["a"]}}],
            "priority",
        ),
        (
            [{"status": "alert", "reason": "lost", "priority": 1, "phrases": {"en": [""]}}],
            "non-empty",
        ),
        ([{"status": "alert", "reason": "lost", "priority": 1, "regexes": ["("]}], "bad regex"),
        ([{"status": "alert", "reason": "lost", "priority": 1}], "no phrases"),
        (
            [
                {
                    "status": "alert",
                    "reason": "lost",
                    "priority": 1,
                    "regexes": ["x"],
                    "regex_requires": [],
                }
            ],
            "regex_requires",
        ),
    ],
)
def test_bad_phrase_entry_is_named(tmp_path, rules, message):
    path = _write(tmp_path, "phrases.json", {"rules": rules})
    with pytest.raises(RuleFileError, match="rules #0") as caught:
        load_phrases(path)
    assert message in str(caught.value)


def test_gated_regexes_run_only_when_a_required_phrase_is_in_the_text(tmp_path):
    # regexes run on every text; "regex_requires" keeps a costly one to the texts that name
    # one of its words (found by the same one-pass phrase index), with the same outcome
    rule = {
        "status": "in_transit",
        "reason": "in_transit",
        "priority": 73,
        "regexes": [r" on (the|its) way to (the |a )?(\w+ ){0,2}(locker|parcel shop)"],
        "regex_requires": ["locker", "parcel shop"],
    }
    other = {"status": "pick_up", "reason": "awaiting_collection", "priority": 48}
    other["phrases"] = {"en": ["locker", "parcel shop"]}
    book = load_phrases(_write(tmp_path, "phrases.json", {"rules": [rule, other]}))
    assert book.match("On its way to the DHL locker") == ("in_transit", "in_transit")
    assert book.match("On its way to the parcel shop") == ("in_transit", "in_transit")
    assert book.match("Ready in the locker") == ("pick_up", "awaiting_collection")
    assert book.match("On its way to the depot") is None
    assert book.gated and not book.regexes  # the regex sits behind its gate, not in the open list


def test_operator_can_add_a_phrase_without_code(tmp_path):
    path = _write(
        tmp_path,
        "phrases.json",
        {
            "rules": [
                {
                    "status": "alert",
                    "reason": "lost",
                    "priority": 99,
                    "phrases": {"en": ["gone walkabout"]},
                }
            ]
        },
    )
    assert load_phrases(path).match("Parcel has GONE WALKABOUT!") == ("alert", "lost")


def test_unreadable_json_is_a_clear_error(tmp_path):
    path = tmp_path / "phrases.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(RuleFileError, match="cannot be read as JSON"):
        load_phrases(path)


def test_missing_explanation_is_named(tmp_path):
    data = json.loads(Path("config/explanations.json").read_text(encoding="utf-8"))
    del data["alert"]["lost"]
    with pytest.raises(RuleFileError, match="alert/lost"):
        load_explanations(_write(tmp_path, "explanations.json", data))


def test_validate_names_the_bad_provider_code(tmp_path):
    for name in ("phrases.json", "explanations.json"):
        (tmp_path / name).write_text(
            Path(f"config/{name}").read_text(encoding="utf-8"), encoding="utf-8"
        )
    _write(tmp_path, "provider_codes.json", {"17track": {"Delivered": ["delivered", "lost"]}})
    with pytest.raises(RuleFileError, match="17track/Delivered"):
        validate(tmp_path)


def test_every_rule_regex_is_gated_by_a_phrase():
    """A regex every text must run costs each unique text a search (the cold classification rate
    fell by a fifth with 11 of them); each group's regexes run only when a gate phrase is found."""
    from jobs.tracking.phrases import phrase_book

    book = phrase_book()
    assert book.regexes == [], [r.pattern for r, _ in book.regexes]
    assert book.gated


@pytest.mark.parametrize(
    "text",
    ["Delivered™ to UPS Access Point", "RETURN_TO_SENDER", "A\tB\x00c", "ÉCHEC", "Hello, World!"],
)
def test_ascii_fast_path_folds_like_the_general_one(text):
    """ASCII text skips NFKC (it changes nothing there); the result is the same folding."""
    import unicodedata

    from jobs.tracking.phrases import _NON_WORD

    expected = _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()
    if text.isascii():
        assert normalize(text) == expected
    assert normalize(text.upper()) == normalize(text.lower())
