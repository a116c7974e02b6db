"""Instance files are the service user's alone: folders 0700, files 0600, whatever the umask."""

import io
import os
import stat

import pytest

from jobs.store.models import Upload, db
from tests.conftest import sign_up
from webapp import cli, create_app


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def loose_umask():
    previous = os.umask(0o022)  # the usual default: new files 0644, folders 0755
    yield
    os.umask(previous)


def test_database_uploads_and_secret_are_private(tmp_path, redis_url, loose_umask):
    home = tmp_path / "instance"
    app = create_app({"PARCELDESK_HOME": str(home), "REDIS_URL": redis_url})
    app.config["TESTING"] = True
    client = app.test_client()
    sign_up(client, "a@example.com")
    token = client.get("/uploads").get_data(as_text=True).split('name="csrf_token"')[1]
    token = token.split('value="')[1].split('"')[0]
    response = client.post(
        "/uploads",
        data={"file": (io.BytesIO(b"tracking\nSBXDELIVERED01\n"), "a.csv"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    upload = Upload.get()
    assert (upload.stored_in, upload.stored_path) == ("db", "")  # the file is in the database
    db.close()
    assert mode(home) == 0o700
    assert mode(home / "secret_key") == 0o600
    for name in ("parceldesk.db", "parceldesk.db-wal", "parceldesk.db-shm"):
        if (home / name).exists() or name == "parceldesk.db":
            assert mode(home / name) == 0o600, name
    assert not (home / "uploads").exists()  # nothing of the upload is left on the web host


def test_commands_create_files_with_a_private_umask(monkeypatch):
    seen = []
    monkeypatch.setattr(cli, "_run_up", lambda *args: seen.append(os.umask(0o077)))
    previous = os.umask(0o022)
    try:
        assert cli.main(["up"]) == 0
        assert seen == [0o077]  # redis-server and every child started by `up` inherit it
        assert os.umask(0o022) == 0o022  # restored for whoever called main in-process
    finally:
        os.umask(previous)
