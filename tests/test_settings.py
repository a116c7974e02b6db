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


def test_secret_key_survives_another_process_creating_it_first(tmp_path, monkeypatch):
    """Two commands starting together (CI ran two `migrate`s) both see no home and no key;
    the one that loses the race must read the winner's key, not crash or read a half file."""
    home = tmp_path / "home"
    winner = settings.load(environ={"PARCELDESK_HOME": str(home)})["SECRET_KEY"]
    monkeypatch.setattr(settings.Path, "exists", lambda self: False)  # both checks lose the race
    loser = settings.load(environ={"PARCELDESK_HOME": str(home)})["SECRET_KEY"]
    assert loser == winner


def test_secret_key_is_whole_for_many_processes_starting_at_once(tmp_path):
    import subprocess
    import sys

    code = "from config import settings; print(settings.load()['SECRET_KEY'])"
    env = {"PARCELDESK_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    root = settings.Path(settings.__file__).resolve().parents[1]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    try:
        outs = [p.communicate(timeout=60) for p in procs]
    finally:
        for p in procs:
            p.kill()
    assert [p.returncode for p in procs] == [0] * 6, [err for _, err in outs]
    keys = {out.strip() for out, _ in outs}
    assert len(keys) == 1 and len(keys.pop()) == 64


def test_web_and_jobs_read_one_settings_object(app):
    """A setting changed on the app is what a job in the same process reads: one object."""
    from jobs import runtime

    assert runtime.setup() is app.config
    app.config["UPLOAD_RETENTION_DAYS"] = 3
    assert runtime.setup()["UPLOAD_RETENTION_DAYS"] == 3
