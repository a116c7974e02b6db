"""Settings: defaults, environment overrides, and the secret key generated once."""

from config import settings


def test_environment_overrides_defaults_with_types(tmp_path):
    loaded = settings.load(
        environ={
            "PARCELDESK_HOME": str(tmp_path),
            "EXPIRE_AFTER_DAYS": "12",
            "SANDBOX_CLOCK_SPEED": "60",
        }
    )
    assert loaded["EXPIRE_AFTER_DAYS"] == 12
    assert loaded["SANDBOX_CLOCK_SPEED"] == 60.0
    assert loaded["PICKUP_WARNING_DAYS"] == 5
    assert loaded["DATABASE_URL"] == f"sqlite:///{tmp_path / 'parceldesk.db'}"


def test_explicit_overrides_win_over_environment(tmp_path):
    loaded = settings.load(
        {"MAX_UPLOAD_MB": 1}, environ={"PARCELDESK_HOME": str(tmp_path), "MAX_UPLOAD_MB": "9"}
    )
    assert loaded["MAX_UPLOAD_MB"] == 1


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    first = settings.load(environ={"PARCELDESK_HOME": str(tmp_path)})["SECRET_KEY"]
    second = settings.load(environ={"PARCELDESK_HOME": str(tmp_path)})["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    given = settings.load(environ={"PARCELDESK_HOME": str(tmp_path), "SECRET_KEY": "mine"})
    assert given["SECRET_KEY"] == "mine"
