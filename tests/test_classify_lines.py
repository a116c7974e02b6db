"""The `parceldesk classify` JSON-lines contract (shared/cli-contract.md)."""

import json
from datetime import UTC, datetime

import pytest
import time_machine

from jobs.tracking.classify import classify_lines
from webapp.cli import main

CONTRACT_LINE = json.dumps(
    {
        "number": "LX123456785CN",
        "carrier": "china-post",
        "now": "2026-11-20T12:00:00Z",
        "events": [
            {
                "time": "2026-11-18T09:30:00Z",
                "location": "PARIS",
                "text": "Avis de passage",
                "code": None,
            }
        ],
    }
)


def test_contract_example():
    [out] = classify_lines([CONTRACT_LINE])
    assert (out["status"], out["reason"]) == ("undelivered", "recipient_absent")
    assert out["explanation"] and out["action"] and out["number"] == "LX123456785CN"
    assert out["days_since_event"] == 2


def test_only_events_required_and_in_any_order():
    line = json.dumps(
        {
            "now": "2026-11-20T12:00:00Z",
            "events": [
                {"time": "2026-11-19T10:00:00+00:00", "text": "Return to sender"},
                {"time": "2026-11-18T10:00:00Z", "text": "Delivered"},
            ],
        }
    )
    [out] = classify_lines([line])
    assert (out["status"], out["reason"]) == ("returned", "returning")


def test_now_defaults_to_the_current_time():
    line = json.dumps({"events": [{"time": "2026-11-18T09:30:00Z", "text": "In transit"}]})
    with time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=UTC), tick=False):
        [soon] = classify_lines([line])
    with time_machine.travel(datetime(2027, 1, 1, tzinfo=UTC), tick=False):
        [late] = classify_lines([line])
    assert (soon["status"], soon["days_since_event"]) == ("in_transit", 2)
    assert (late["status"], late["days_since_event"]) == ("expired", 43)
    fixed = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)  # an explicit `now` wins over the clock
    [given] = classify_lines([line], now=fixed)
    assert given["days_since_event"] == 7


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"events": {}}', "events must be a list"),
        ('{"events": [{"time": "yesterday", "text": "x"}]}', "events[0].time"),
        ('{"events": [{"time": "2026-11-18T09:30:00Z"}]}', "events[0].text"),
        ('{"now": 5}', "now"),
        ('{"detection_reason": "weird"}', "weird"),
        ("[" * 100000 + "]" * 100000, "line 1"),
    ],
)
def test_bad_line_gives_an_error_object_and_the_next_line_still_runs(line, message):
    first, second = classify_lines([line, CONTRACT_LINE])
    assert set(first) == {"error"} and message in first["error"] and "line 1" in first["error"]
    assert second["status"] == "undelivered"


def test_blank_lines_are_skipped():
    assert len(list(classify_lines(["", "  \n", CONTRACT_LINE]))) == 1


def test_the_command_reads_a_file(tmp_path, capsys):
    path = tmp_path / "in.jsonl"
    path.write_text(CONTRACT_LINE + "\n", encoding="utf-8")
    assert main(["classify", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["reason"] == "recipient_absent"
    assert main(["classify", str(tmp_path / "missing.jsonl")]) == 1
    assert capsys.readouterr().err.startswith("parceldesk: cannot read")
