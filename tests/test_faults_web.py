"""Faults on the web side: the queue away at upload time loses nothing."""

from datetime import timedelta

from jobs.store.models import Shipment, Upload, utcnow
from jobs.sweep import sweep
from tests.conftest import run_jobs
from tests.test_thin_path import upload_csv


def test_upload_is_kept_while_redis_is_down_and_queued_when_it_returns(app, merchant_client):
    real_redis = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    page = upload_csv(merchant_client)
    shown = merchant_client.get(page).get_data(as_text=True)
    assert "processing will start by itself" in shown
    upload = Upload.get()
    assert upload.state == "queued" and Shipment.select().count() == 0

    app.config["REDIS_URL"] = real_redis
    Upload.update(created_at=utcnow() - timedelta(minutes=10)).execute()
    assert sweep()["imports_revived"] == 1
    run_jobs(app)
    assert Upload.get().state == "done"
    assert Shipment.select().where(Shipment.checked_at.is_null(False)).count() == 3
