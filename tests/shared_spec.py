"""The shared specification (`../shared` beside the repository root) for conformance tests."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """`../shared/<parts>` from the repository root, wherever the clone lives."""
    return SHARED.joinpath(*parts)


def require_shared(*parts: str) -> Path:
    """The path, or a skip when it is missing; in CI (CI=true) a missing spec fails the test."""
    path = shared_path(*parts)
    if not path.exists():
        message = f"the shared specification {path} is missing"
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(f"{message}: CI must run the conformance tests")
        pytest.skip(message)
    return path
