"""A shortened load run: merchants browse the grid while three upload; nothing fails."""

import pytest

from bench.bench_load import QUICK, run


@pytest.mark.slow
def test_browsing_while_uploading_gives_no_errors():
    figures = run(QUICK)
    assert figures["uploads"] == QUICK["uploaders"]
    assert figures["requests"] > QUICK["browsers"]  # everyone got through sign-up to browsing
    assert figures["errors"] == 0, figures
