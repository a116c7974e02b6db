"""A shortened load run: merchants browse the grid while three upload; nothing fails."""

import pytest

from bench.bench_load import QUICK, run


@pytest.mark.slow
def test_browsing_while_uploading_gives_no_errors():
    figures = run(QUICK)
    assert figures["uploads"] == QUICK["uploaders"]
    # every merchant got through sign-up and its upload to browsing (one page each at least),
    # however slowly a loaded machine let it get there
    assert figures["requests"] >= QUICK["browsers"]
    assert figures["errors"] == 0, figures
