"""Conformance tests find ../shared from the repository root, and CI never skips them silently."""

from pathlib import Path

import pytest

from tests import shared_spec
from tests.shared_spec import require_shared, shared_path

REPOSITORY = Path(__file__).resolve().parent.parent


def test_the_specification_is_found_beside_the_repository_root():
    assert shared_path("statuses.md") == REPOSITORY.parent / "shared" / "statuses.md"
    assert "/work/" not in Path(shared_spec.__file__).read_text()  # no absolute path


def test_a_missing_specification_fails_in_ci_and_skips_elsewhere(monkeypatch, tmp_path):
    monkeypatch.setattr(shared_spec, "SHARED", tmp_path / "nowhere")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="statuses.md is missing"):
        require_shared("statuses.md")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="statuses.md is missing"):
        require_shared("statuses.md")
