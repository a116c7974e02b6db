"""Atheris (libFuzzer) harness over the upload parser and the number normaliser.

Run by tests/test_faults_infra.py in a child process, because atheris.Fuzz() never returns:
`python -m tests.fuzz_targets parser|numbers -max_total_time=4`. An exception other than a
refusal, or a hang past -timeout, makes libFuzzer exit non-zero with the input it found.
"""

import os
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["jobs"]):
    from jobs.files.parsing import FileRefused, Record, RejectedRow, open_table
    from jobs.tracking.carriers import detect, normalize

MAX_BYTES = 1 << 20
MAX_ITEMS = 2000  # records read per input: enough for every branch, bounded for speed
NAMES = ("orders.csv", "orders.tsv", "orders.xlsx", "orders.txt")
FOLDER = Path(os.environ.get("FUZZ_FOLDER") or tempfile.mkdtemp(prefix="pdfuzz"))


def parse_one(data: bytes):
    """Any bytes: the file is refused with a reason, or each row is a Record or a RejectedRow."""
    name = NAMES[data[0] % len(NAMES)] if data else NAMES[0]
    path = FOLDER / name
    path.write_bytes(data[1:])
    try:
        table = open_table(path, name, MAX_BYTES)
        for n, item in enumerate(table.records()):
            assert isinstance(item, Record | RejectedRow), item
            assert isinstance(item, Record) or item.reason, item
            if n >= MAX_ITEMS:
                break
    except FileRefused as refused:
        assert str(refused), "a refusal always says why"


def number_one(data: bytes):
    """Any text: normalize is idempotent; detect finds a valid number or says why not."""
    provider = atheris.FuzzedDataProvider(data)
    raw = provider.ConsumeUnicodeNoSurrogates(96)
    hint = provider.ConsumeUnicodeNoSurrogates(24) or None
    once = normalize(raw)
    assert normalize(once) == once, (raw, once)
    found = detect(raw, hint=hint)
    assert found.valid or found.reason, found


TARGETS = {"parser": parse_one, "numbers": number_one}

if __name__ == "__main__":
    target = TARGETS[sys.argv.pop(1)]
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()
