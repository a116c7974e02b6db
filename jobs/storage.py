"""Where uploaded files live: in the database by default, or in S3-compatible object storage.

Every process of an installation reaches the database (and the bucket), so a worker on any host
imports any upload; nothing is read back from the instance folder of the host that took the
upload. Files move in chunks both ways, so a 50 MB upload never sits whole in memory: a job that
parses one copies it into a temporary local file chunk by chunk, parses that, and removes it.
"""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from jobs.store.models import Upload, UploadChunk, db, utcnow

CHUNK = 1 << 20  # bytes per database row


class FileGone(Exception):
    """The upload's bytes are no longer stored (removed by the retention setting)."""


def _bucket(url: str):
    """(boto3 client, bucket, key prefix) of an s3://bucket/prefix?endpoint_url=… URL."""
    import boto3  # only installations that use object storage need it

    parts = urlsplit(url)
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    client = boto3.client(
        "s3",
        endpoint_url=options.get("endpoint_url") or None,
        region_name=options.get("region") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
    )
    return client, parts.netloc, parts.path.strip("/")


def _key(prefix: str, upload_id: int) -> str:
    return f"{prefix}/uploads/{upload_id}" if prefix else f"uploads/{upload_id}"


def store_file(upload_id: int, path, settings: dict) -> int:
    """Keep the local file at `path` as the upload's bytes; the number of bytes stored."""
    size = Path(path).stat().st_size
    url = settings.get("UPLOAD_STORAGE_URL", "")
    if url:
        client, bucket, prefix = _bucket(url)
        client.upload_file(str(path), bucket, _key(prefix, upload_id))  # multipart when large
        where = "s3"
    else:
        with open(path, "rb") as source, db.atomic():
            UploadChunk.delete().where(UploadChunk.upload == upload_id).execute()
            for seq, data in enumerate(iter(lambda: source.read(CHUNK), b"")):
                UploadChunk.insert(upload=upload_id, seq=seq, data=data).execute()
        where = "db"
    Upload.update(stored_in=where, stored_bytes=size, stored_path="").where(
        Upload.id == upload_id
    ).execute()
    return size


def store_bytes(upload_id: int, data: bytes, settings: dict) -> int:
    """Keep small in-memory content (pasted numbers, an API request) as the upload's bytes."""
    with tempfile.NamedTemporaryFile(delete=False) as out:
        out.write(data)
    try:
        return store_file(upload_id, out.name, settings)
    finally:
        os.unlink(out.name)


@contextmanager
def local_copy(upload: Upload, settings: dict):
    """A local path holding the upload's bytes for as long as the block runs."""
    if not upload.stored_in:
        if upload.stored_path and Path(upload.stored_path).is_file():  # not yet migrated
            yield Path(upload.stored_path)
            return
        raise FileGone("The uploaded file is no longer kept; upload it again.")
    suffix = Path(upload.filename or "").suffix[:10]
    handle, name = tempfile.mkstemp(prefix="parceldesk-", suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            if upload.stored_in == "s3":
                client, bucket, prefix = _bucket(settings["UPLOAD_STORAGE_URL"])
                client.download_fileobj(bucket, _key(prefix, upload.id), out)
            else:
                _copy_chunks(upload.id, out)
        yield Path(name)
    finally:
        os.unlink(name)


def _copy_chunks(upload_id: int, out):
    last = -1
    while True:  # one chunk per query: only CHUNK bytes in memory at a time
        row = (
            UploadChunk.select(UploadChunk.seq, UploadChunk.data)
            .where(UploadChunk.upload == upload_id, UploadChunk.seq > last)
            .order_by(UploadChunk.seq)
            .first()
        )
        if row is None:
            return
        out.write(bytes(row.data))
        last = row.seq


def delete(upload_ids, settings: dict) -> None:
    """Remove the stored bytes of these uploads (their records stay)."""
    upload_ids = list(upload_ids)
    if not upload_ids:
        return
    if settings.get("UPLOAD_STORAGE_URL"):
        client, bucket, prefix = _bucket(settings["UPLOAD_STORAGE_URL"])
        keys = [{"Key": _key(prefix, i)} for i in upload_ids]
        for start in range(0, len(keys), 1000):
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys[start : start + 1000]})
    UploadChunk.delete().where(UploadChunk.upload.in_(upload_ids)).execute()
    Upload.update(stored_in="", stored_bytes=0).where(Upload.id.in_(upload_ids)).execute()


def delete_merchant_files(merchant_id: int, settings: dict) -> None:
    """Remove the bytes of every upload of a merchant (before the account's rows go)."""
    ids = [u.id for u in Upload.select(Upload.id).where(Upload.merchant == merchant_id)]
    delete(ids, settings)


def expire(settings: dict) -> int:
    """Remove the bytes of uploads older than UPLOAD_RETENTION_DAYS (0: keep them forever)."""
    days = int(settings.get("UPLOAD_RETENTION_DAYS", 0) or 0)
    if days <= 0:
        return 0
    from datetime import timedelta

    old = Upload.select(Upload.id).where(
        Upload.created_at < utcnow() - timedelta(days=days),
        Upload.stored_in != "",
        Upload.state.not_in(["queued", "parsing", "mapping"]),
    )
    ids = [u.id for u in old]
    delete(ids, settings)
    return len(ids)


def migrate_local_files(settings: dict) -> int:
    """Move files kept by older versions under PARCELDESK_HOME into the store; how many."""
    moved = 0
    legacy = Upload.select().where(Upload.stored_in == "", Upload.stored_path != "")
    for upload in legacy.iterator():
        path = Path(upload.stored_path)
        if path.is_file():
            store_file(upload.id, path, settings)
            path.unlink()
            moved += 1
    return moved
