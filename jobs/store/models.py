"""Peewee models on a DatabaseProxy; the database is the source of truth, Redis only a queue."""

import secrets
from datetime import UTC, datetime

from peewee import (
    SQL,
    AutoField,
    BlobField,
    BooleanField,
    CharField,
    DatabaseProxy,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    NodeList,
    SqliteDatabase,
    TextField,
)

db = DatabaseProxy()

FOLLOWUP_STATES = ("open", "contacted", "resolved")


def utcnow():
    """Naive UTC now: every datetime column stores naive UTC, the same on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class NeverReusedIdField(AutoField):
    """An id that is never handed out again once deleted: SQLite reuses the highest deleted rowid
    unless the key is AUTOINCREMENT; PostgreSQL sequences never go back anyway."""

    def ddl(self, ctx):
        node = super().ddl(ctx)
        return NodeList((node, SQL("AUTOINCREMENT"))) if _on_sqlite(self) else node


def _on_sqlite(field) -> bool:
    database = field.model._meta.database
    return isinstance(getattr(database, "obj", database), SqliteDatabase)


def new_session_token() -> str:
    """A fresh secret that every session cookie of a merchant must carry (see Merchant.get_id)."""
    return secrets.token_urlsafe(24)


class Merchant(BaseModel):
    id = NeverReusedIdField()
    email = CharField(max_length=254, unique=True)
    password_hash = CharField(max_length=255)
    name = CharField(max_length=200, default="")
    created_at = DateTimeField(default=utcnow)
    # Tracking provider chosen on /settings/provider; None = the global TRACKING_PROVIDER.
    provider = CharField(max_length=16, null=True)
    provider_key = TextField(null=True)  # API key, Fernet-encrypted (jobs/provider_keys.py)
    webhook_secret = TextField(null=True)  # AfterShip webhook secret, encrypted the same way
    webhook_token = CharField(max_length=64, null=True)  # names the merchant in webhook URLs
    digest_opt_in = BooleanField(default=False)  # the daily exceptions email
    digest_email = CharField(max_length=254, default="")  # empty: the account's email
    digest_sent_on = DateField(null=True)  # UTC day of the last digest, so a re-run sends none
    # Carried in every session cookie; replacing it (log-out, password change) ends them all.
    session_token = CharField(max_length=64, default=new_session_token)
    timezone = CharField(max_length=64, default="UTC")  # IANA name: dates shown, exported, mailed

    # flask-login protocol
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self):
        """The session names the account and its current session token: "id:token"."""
        return f"{self.id}:{self.session_token}"


class LoginFailure(BaseModel):
    """One failed log-in, counted per account ("email:...") and per client ("addr:...")."""

    key = CharField(max_length=300, index=True)
    at = DateTimeField(default=utcnow, index=True)


class Upload(BaseModel):
    merchant = ForeignKeyField(Merchant, backref="uploads", on_delete="CASCADE")
    filename = CharField(max_length=255)
    stored_path = CharField(max_length=1024, default="")
    state = CharField(max_length=16, default="queued")
    rows_total = IntegerField(default=0)
    imported = IntegerField(default=0)
    duplicates = IntegerField(default=0)
    rejected = IntegerField(default=0)
    error = TextField(null=True)
    mapping = TextField(null=True)  # JSON {field: column index} chosen in the mapping step
    stored_in = CharField(max_length=4, default="")  # "db", "s3", or "" (not stored / removed)
    stored_bytes = IntegerField(default=0)
    source = CharField(max_length=8, default="file")  # "file" or "paste"
    combined = IntegerField(default=0)  # shipments of this upload shared by several orders
    created_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("merchant", "created_at"), False),)


class UploadChunk(BaseModel):
    """One piece of an uploaded file kept in the database (jobs/storage.py)."""

    upload = ForeignKeyField(Upload, on_delete="CASCADE")
    seq = IntegerField()
    data = BlobField()

    class Meta:
        indexes = ((("upload", "seq"), True),)


class ColumnMapping(BaseModel):
    """A merchant's column choice, reused for later files with the same headers."""

    merchant = ForeignKeyField(Merchant, on_delete="CASCADE")
    signature = CharField(max_length=64)
    mapping = TextField()
    headers = TextField(null=True)  # JSON list of the file's headers, to show the choice
    filename = CharField(max_length=255, null=True)  # the file it was chosen for

    class Meta:
        indexes = ((("merchant", "signature"), True),)


class RowError(BaseModel):
    upload = ForeignKeyField(Upload, backref="row_errors", on_delete="CASCADE")
    row = IntegerField()
    value = TextField()
    reason = CharField(max_length=64)


class Shipment(BaseModel):
    merchant = ForeignKeyField(Merchant, backref="shipments", on_delete="CASCADE")
    upload = ForeignKeyField(Upload, null=True, backref="shipments", on_delete="SET NULL")
    tracking_number = CharField(max_length=64)
    carrier = CharField(max_length=64, null=True)
    detected_carrier = CharField(max_length=64, null=True)  # set when the file's carrier disagrees
    candidates = CharField(max_length=255, default="")
    detection_reason = CharField(max_length=32, null=True)
    order_id = CharField(max_length=200, null=True)
    customer_name = CharField(max_length=200, null=True)
    email = CharField(max_length=254, null=True)
    country = CharField(max_length=64, null=True)
    ship_date = DateField(null=True)
    order_ids = TextField(null=True)  # every order of a combined shipment, ", "-separated
    extra = TextField(null=True)  # JSON {header: value} of the file's other columns
    status = CharField(max_length=16, default="not_found")
    reason = CharField(max_length=32, default="not_yet_scanned")
    needs_action = BooleanField(default=False)
    stalled = BooleanField(default=False)
    last_event_at = DateTimeField(null=True)
    last_event_text = TextField(null=True)
    last_event_location = CharField(max_length=200, null=True)
    checked_at = DateTimeField(null=True)
    next_check_at = DateTimeField(null=True)
    claimed_until = DateTimeField(null=True)
    claim_token = CharField(max_length=32, null=True)  # the resolve job that took the row
    followup = CharField(max_length=16, default="open")
    note = TextField(default="")
    followup_at = DateTimeField(null=True)  # when the merchant last marked it contacted/resolved
    created_at = DateTimeField(default=utcnow)
    # True when no rule understood the deciding wording (learned fallback, or nothing understood)
    status_inferred = BooleanField(null=True, default=False)  # null: rows inserted by raw SQL

    class Meta:
        indexes = (
            (("merchant", "tracking_number"), True),
            # The grid's keyset pages: every (tab, sort) walks one of these in order; the id
            # breaks ties (SQLite has it implicitly, PostgreSQL needs it in the index).
            (("merchant", "status", "last_event_at", "id"), False),
            (("merchant", "last_event_at", "id"), False),
            (("merchant", "status", "id"), False),  # status sort and the per-status counts
            (("merchant", "ship_date", "id"), False),
            (("merchant", "order_id"), False),  # order-id prefix search
            (("merchant", "claimed_until"), False),  # "is anything running?" for live updates
            (("merchant", "checked_at"), False),  # the counts' data version (grid_counts)
            (("merchant", "followup_at"), False),
            # covers the overview's needs-action-by-carrier count without touching the rows
            (("merchant", "needs_action", "carrier", "followup"), False),
            (("upload", "checked_at"), False),
            (("next_check_at",), False),
        )


# Partial indexes: the Needs action tab and its count, and the "stalled only" filter, each hold
# only their rows in the grid's default order.
Shipment.add_index(
    Shipment.index(
        Shipment.merchant,
        Shipment.last_event_at,
        Shipment.id,
        Shipment.needs_action,  # carried so that counting the queue never reads the table
        Shipment.followup,
        where=(Shipment.needs_action == True) & (Shipment.followup != "resolved"),  # noqa: E712
        name="shipment_needs_action_queue_v2",
    )
)
Shipment.add_index(
    Shipment.index(
        Shipment.merchant,
        Shipment.last_event_at,
        Shipment.id,
        Shipment.stalled,
        where=(Shipment.stalled == True),  # noqa: E712
        name="shipment_stalled",
    )
)


class TrackingEvent(BaseModel):
    shipment = ForeignKeyField(Shipment, backref="events", on_delete="CASCADE")
    time = DateTimeField()
    text = TextField()
    location = CharField(max_length=200, null=True)
    code = CharField(max_length=64, null=True)

    class Meta:
        # A re-run of a resolve job must never double events (texts are cut to 500 characters).
        indexes = ((("shipment", "time", "text"), True),)


class StatusChange(BaseModel):
    shipment = ForeignKeyField(Shipment, backref="status_changes", on_delete="CASCADE")
    at = DateTimeField(default=utcnow)
    old_status = CharField(max_length=16, null=True)
    old_reason = CharField(max_length=32, null=True)
    new_status = CharField(max_length=16)
    new_reason = CharField(max_length=32)
    cause = TextField(null=True)  # why, when not a new provider answer (a merchant's rule, …)

    class Meta:
        indexes = ((("shipment", "at"), False),)


class MerchantRule(BaseModel):
    """A merchant's own reading of one wording: "this text means status/reason" (taught)."""

    merchant = ForeignKeyField(Merchant, backref="rules", on_delete="CASCADE")
    wording = CharField(max_length=500)  # jobs.tracking.reading.wording_key of the carrier's text
    sample = TextField()  # the carrier's text as the merchant saw it
    status = CharField(max_length=16)
    reason = CharField(max_length=32)
    created_at = DateTimeField(default=utcnow)
    promoted_at = DateTimeField(null=True)  # copied into the instance's rule file

    class Meta:
        indexes = ((("merchant", "wording"), True),)


class InstanceState(BaseModel):
    """Small facts about this installation, e.g. the classifier version last applied."""

    key = CharField(max_length=64, unique=True)
    value = TextField()


class ApiToken(BaseModel):
    """A merchant's API token: only its SHA-256 is stored; the token itself is shown once."""

    merchant = ForeignKeyField(Merchant, backref="api_tokens", on_delete="CASCADE")
    name = CharField(max_length=100)
    token_hash = CharField(max_length=64, unique=True)
    hint = CharField(max_length=16)  # the token's first characters, to tell tokens apart
    can_write = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    last_used_at = DateTimeField(null=True)


class WebhookEndpoint(BaseModel):
    """Where a merchant wants status changes pushed, and which ones."""

    merchant = ForeignKeyField(Merchant, backref="webhook_endpoints", on_delete="CASCADE")
    url = CharField(max_length=2000)
    kind = CharField(max_length=8, default="json")  # json (signed), slack or teams
    secret = TextField()  # "whsec_…", Fernet-encrypted like provider keys
    statuses = CharField(max_length=200, default="")  # comma-separated; empty: see needs_action
    needs_action_only = BooleanField(default=True)
    active = BooleanField(default=True)
    # The last StatusChange id already turned into events: a new endpoint starts at "now".
    cursor = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)


class WebhookEvent(BaseModel):
    """One status change for one endpoint: created exactly once, delivered until it succeeds."""

    endpoint = ForeignKeyField(WebhookEndpoint, backref="events", on_delete="CASCADE")
    status_change = ForeignKeyField(StatusChange, null=True, on_delete="CASCADE")
    event_id = CharField(max_length=40, unique=True)  # webhook-id: the same on every retry
    kind = CharField(max_length=32, default="shipment.status_changed")
    payload = TextField()  # the exact JSON body, signed as sent
    state = CharField(max_length=12, default="pending")  # pending, delivered, failed
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(null=True, index=True)
    claimed_until = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    delivered_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("endpoint", "status_change"), True),)


class WebhookDelivery(BaseModel):
    """One delivery attempt, for the endpoint's delivery log."""

    event = ForeignKeyField(WebhookEvent, backref="deliveries", on_delete="CASCADE")
    at = DateTimeField(default=utcnow)
    status_code = IntegerField(null=True)
    duration_ms = IntegerField(default=0)
    excerpt = CharField(max_length=300, default="")  # response body start, or the error

    class Meta:
        indexes = ((("event", "at"), False),)


class Connection(BaseModel):
    """A shop or feed that shipments are pulled from on a schedule (jobs/pulls.py)."""

    KINDS = ("shopify", "woocommerce", "feed")

    merchant = ForeignKeyField(Merchant, backref="connections", on_delete="CASCADE")
    kind = CharField(max_length=16)
    url = CharField(max_length=2000)  # the store's address, or the feed's
    credentials = TextField(null=True)  # JSON, Fernet-encrypted like provider keys
    credential_hint = CharField(max_length=40, default="")  # e.g. "token …ab12"
    every_minutes = IntegerField(default=60)
    cursor = TextField(null=True)  # JSON: where the next pull starts (saved after storing)
    etag = CharField(max_length=500, null=True)  # feeds: an unchanged file costs nothing
    last_modified = CharField(max_length=100, null=True)
    mapping = TextField(null=True)  # feeds: JSON {field: column index}, as uploads
    last_run_at = DateTimeField(null=True)
    next_run_at = DateTimeField(null=True)
    claimed_until = DateTimeField(null=True)  # a pull is running until then (or died)
    last_error = TextField(null=True)
    last_stored = IntegerField(default=0)
    last_refused = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("next_run_at",), False), (("merchant", "id"), False))


class ConnectionPull(BaseModel):
    """One pull of a connection, recorded as an Upload (counts, refused rows with reasons)."""

    connection = ForeignKeyField(Connection, backref="pulls", on_delete="CASCADE")
    upload = ForeignKeyField(Upload, on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("connection", "created_at"), False),)


MODELS = [
    Merchant,
    LoginFailure,
    Upload,
    UploadChunk,
    ColumnMapping,
    RowError,
    Shipment,
    TrackingEvent,
    StatusChange,
    MerchantRule,
    InstanceState,
    ApiToken,
    WebhookEndpoint,
    WebhookEvent,
    WebhookDelivery,
    Connection,
    ConnectionPull,
]
