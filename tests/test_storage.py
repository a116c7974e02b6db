"""Uploaded files live in the database (or S3-compatible storage), not on the web host's disk."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from jobs import runtime, storage
from jobs.imports import import_upload
from jobs.store.models import Merchant, Shipment, Upload, UploadChunk, utcnow
from jobs.sweep import sweep
from tests.conftest import run_jobs
from tests.test_thin_path import SAMPLE, upload_csv


def files_under(folder) -> list[Path]:
    return [p for p in Path(folder).rglob("*") if p.is_file()] if Path(folder).exists() else []


def test_an_upload_is_kept_in_the_database_not_on_the_web_host(app, merchant_client):
    upload_csv(merchant_client)
    upload = Upload.get()
    assert (upload.stored_in, upload.stored_path) == ("db", "")
    assert upload.stored_bytes == len(SAMPLE.encode())
    assert files_under(Path(app.config["PARCELDESK_HOME"], "uploads")) == []
    run_jobs(app)
    assert Shipment.select().count() > 0 and Upload.get().state == "done"


def test_large_files_go_in_chunks_and_come_back_whole(app, merchant_client, tmp_path):
    merchant = Merchant.get()
    source = tmp_path / "big.csv"
    source.write_bytes(os.urandom(storage.CHUNK * 2 + 12345))
    upload = Upload.create(merchant=merchant, filename="big.csv")
    storage.store_file(upload.id, source, app.config)
    assert UploadChunk.select().where(UploadChunk.upload == upload.id).count() == 3
    with storage.local_copy(Upload.get_by_id(upload.id), app.config) as copy:
        assert copy.read_bytes() == source.read_bytes()
    assert not copy.exists()  # the temporary copy is gone after the block


def test_files_older_versions_kept_on_disk_are_moved_in_at_start(app, merchant_client, tmp_path):
    merchant = Merchant.get()
    legacy = Path(app.config["PARCELDESK_HOME"], "uploads", str(merchant.id), "old.csv")
    legacy.parent.mkdir(parents=True)
    legacy.write_text(SAMPLE)
    upload = Upload.create(merchant=merchant, filename="old.csv", stored_path=str(legacy))
    from webapp import create_app

    create_app({k: app.config[k] for k in ("PARCELDESK_HOME", "DATABASE_URL", "REDIS_URL")})
    upload = Upload.get_by_id(upload.id)
    assert (upload.stored_in, upload.stored_path) == ("db", "") and not legacy.exists()
    Upload.update(state="queued").where(Upload.id == upload.id).execute()
    assert import_upload(upload.id)["imported"] > 0


def test_retention_removes_old_files_and_keeps_the_record(app, merchant_client):
    upload_csv(merchant_client)
    run_jobs(app)
    Upload.update(created_at=utcnow() - timedelta(days=31)).execute()
    runtime.setup()["UPLOAD_RETENTION_DAYS"] = 30
    try:
        assert sweep()["upload_files_removed"] == 1
    finally:
        runtime.setup()["UPLOAD_RETENTION_DAYS"] = 0
    upload = Upload.get()
    assert (upload.stored_in, upload.stored_bytes, upload.state) == ("", 0, "done")
    assert UploadChunk.select().count() == 0
    assert merchant_client.get(f"/uploads/{upload.id}").status_code == 200  # its report stays


def test_cli_import_enqueue_stores_and_queues_like_the_web(app, monkeypatch, capsys, tmp_path):
    from webapp.auth import create_merchant
    from webapp.cli import main

    for key in ("PARCELDESK_HOME", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.setenv(key, app.config[key])
    create_merchant("ops@example.com", "a long enough password", "")
    source = tmp_path / "list.csv"
    source.write_text(SAMPLE)
    argv = ["import", str(source), "--merchant", "ops@example.com", "--enqueue", "--json"]
    assert main(argv) == 0
    upload_id = json.loads(capsys.readouterr().out)["upload_id"]
    upload = Upload.get_by_id(upload_id)
    assert (upload.state, upload.stored_in) == ("queued", "db")
    assert Shipment.select().count() == 0  # nothing parsed in the foreground
    run_jobs(app)
    assert Upload.get_by_id(upload_id).state == "done" and Shipment.select().count() > 0


@pytest.fixture
def s3_url(monkeypatch):
    """A local S3-compatible server (moto) on loopback, and the storage URL naming a bucket."""
    moto_server = pytest.importorskip("moto.server")
    import boto3

    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(
        Bucket="parcels"
    )
    yield f"s3://parcels/instance1?endpoint_url={endpoint}"
    server.stop()


def test_object_storage_when_a_url_names_one(app, merchant_client, s3_url):
    import boto3

    app.config["UPLOAD_STORAGE_URL"] = s3_url
    runtime.setup()["UPLOAD_STORAGE_URL"] = s3_url
    try:
        upload_csv(merchant_client)
        upload = Upload.get()
        assert upload.stored_in == "s3" and UploadChunk.select().count() == 0
        endpoint = s3_url.split("endpoint_url=")[1]
        bucket = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        stored = bucket.get_object(Bucket="parcels", Key=f"instance1/uploads/{upload.id}")
        assert stored["Body"].read() == SAMPLE.encode()
        run_jobs(app)
        assert Upload.get().state == "done" and Shipment.select().count() > 0
        storage.delete([upload.id], runtime.setup())
        listed = bucket.list_objects_v2(Bucket="parcels").get("Contents", [])
        assert listed == []
    finally:
        app.config["UPLOAD_STORAGE_URL"] = ""
        runtime.setup()["UPLOAD_STORAGE_URL"] = ""


@pytest.mark.slow
def test_a_worker_on_another_host_imports_resolves_and_reports(app, database_url, tmp_path):
    """Two instance folders sharing only DATABASE_URL, REDIS_URL and SECRET_KEY: two hosts."""
    if not database_url.startswith("postgres"):
        pytest.skip("two hosts share a database server: PostgreSQL")
    from tests.conftest import sign_up

    web = app.test_client()
    sign_up(web, "merchant-a@example.com")
    upload_csv(web)
    other_home = tmp_path / "host-b"
    env = dict(
        os.environ,
        PARCELDESK_HOME=str(other_home),
        DATABASE_URL=database_url,
        REDIS_URL=app.config["REDIS_URL"],
        SECRET_KEY=app.config["SECRET_KEY"],
        SANDBOX_CLOCK_SPEED="1e9",
    )
    assert not Path(app.config["PARCELDESK_HOME"], "uploads").exists()
    cli = [sys.executable, "-m", "webapp.cli"]
    source = tmp_path / "second.csv"
    source.write_text("tracking\nSBXALERTLOST02\n")
    queued = subprocess.run(
        [*cli, "import", str(source), "--merchant", "merchant-a@example.com", "--enqueue"],
        env={**env, "PARCELDESK_HOME": str(tmp_path / "host-c")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert queued.returncode == 0, queued.stderr
    worker = subprocess.run(
        [*cli, "worker", "--burst"], env=env, capture_output=True, text=True, timeout=300
    )
    assert worker.returncode == 0, worker.stderr[-2000:]
    assert {u.state for u in Upload.select()} == {"done"}
    assert Shipment.select().where(Shipment.checked_at.is_null()).count() == 0
    report = tmp_path / "report.csv"
    made = subprocess.run(
        [*cli, "report", "--merchant", "merchant-a@example.com", "--format", "csv", "-o", report],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    assert "SBXALERTLOST02" in report.read_text(encoding="utf-8-sig")
