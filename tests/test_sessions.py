"""Sessions end with the account, with log-out and password changes, and after idle time."""

import time
from datetime import timedelta

import pytest
from itsdangerous.timed import TimestampSigner
from peewee import SqliteDatabase

from jobs.store.database import open_database
from jobs.store.migrations import migrate
from jobs.store.models import MODELS, Merchant, Shipment, db
from tests.conftest import PASSWORD, csrf_from, sign_up


def copy_of(app, client):
    """A second browser holding a copy of `client`'s session cookie (a stolen or shared one)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def logged_in(client) -> bool:
    return client.get("/shipments").status_code == 200


def delete_account(client):
    token = csrf_from(client, "/account")
    response = client.post("/account/delete", data={"confirm": PASSWORD, "csrf_token": token})
    assert response.status_code == 303


def test_a_deleted_accounts_cookie_never_opens_the_next_account(app, client):
    sign_up(client, "first@example.com")
    first_id = Merchant.get(Merchant.email == "first@example.com").id
    stolen = copy_of(app, client)
    assert logged_in(stolen)
    delete_account(client)
    sign_up(app.test_client(), "second@example.com")
    assert Merchant.get(Merchant.email == "second@example.com").id != first_id
    assert not logged_in(stolen)


def test_a_session_naming_only_the_id_is_refused(app, client):
    sign_up(client, "a@example.com")
    merchant = Merchant.get(Merchant.email == "a@example.com")
    with client.session_transaction() as session:
        session["_user_id"] = str(merchant.id)  # the shape of sessions before tokens
    assert not logged_in(client)


def test_ids_of_deleted_merchants_are_never_reused(app):
    first = Merchant.create(email="a@example.com", password_hash="!")
    second = Merchant.create(email="b@example.com", password_hash="!")
    second.delete_instance()
    assert Merchant.create(email="c@example.com", password_hash="!").id > second.id > first.id


def test_an_older_sqlite_merchant_table_is_rebuilt_without_losing_anything(tmp_path):
    """A database made before AUTOINCREMENT: its merchants, and what hangs on them, survive."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    database = open_database(url)
    database.create_tables(MODELS)
    database.execute_sql("DROP TABLE merchant")  # recreate it the way older versions did
    database.execute_sql(
        'CREATE TABLE "merchant" ("id" INTEGER NOT NULL PRIMARY KEY, "email" VARCHAR(254) '
        'NOT NULL, "password_hash" VARCHAR(255) NOT NULL, "name" VARCHAR(200) NOT NULL, '
        '"created_at" DATETIME NOT NULL)'
    )
    database.execute_sql('CREATE UNIQUE INDEX "merchant_email" ON "merchant" ("email")')
    database.execute_sql(
        "INSERT INTO merchant VALUES (1, 'a@example.com', '!', '', '2026-01-01'),"
        " (2, 'b@example.com', '!', '', '2026-01-01')"
    )
    migrate()  # adds the newer columns, then rebuilds with AUTOINCREMENT
    Shipment.create(merchant=2, tracking_number="SBXDELIVERED01")
    Merchant.delete().where(Merchant.id == 2).execute()
    assert Shipment.select().count() == 0  # the cascade still works after the rebuild
    assert migrate() == []  # a second start changes nothing
    assert Merchant.create(email="c@example.com", password_hash="!").id == 3
    assert [m.email for m in Merchant.select().order_by(Merchant.id)] == [
        "a@example.com",
        "c@example.com",
    ]
    with pytest.raises(Exception, match="UNIQUE"):
        Merchant.create(email="a@example.com", password_hash="!")
    assert isinstance(db.obj, SqliteDatabase)
    db.close()


def test_log_out_ends_every_session_of_the_merchant(app, merchant_client):
    elsewhere = copy_of(app, merchant_client)
    assert logged_in(elsewhere)
    merchant_client.post("/logout", data={"csrf_token": csrf_from(merchant_client, "/uploads")})
    assert not logged_in(merchant_client)
    assert not logged_in(elsewhere)


def test_password_change_ends_other_sessions_but_keeps_this_one(app, merchant_client):
    elsewhere = copy_of(app, merchant_client)
    token = csrf_from(merchant_client, "/account")
    response = merchant_client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "another fine password", "csrf_token": token},
    )
    assert response.status_code == 303
    assert logged_in(merchant_client)
    assert not logged_in(elsewhere)


def test_sessions_end_after_the_configured_idle_time(app, merchant_client, monkeypatch):
    idle = app.config["SESSION_IDLE_MINUTES"]
    assert app.permanent_session_lifetime == timedelta(minutes=idle)
    now = int(time.time())

    def clock_at(minutes):
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now + minutes * 60)

    clock_at(idle - 1)
    assert logged_in(merchant_client)  # used within the idle time: renewed
    clock_at(2 * idle - 2)
    assert logged_in(merchant_client)  # renewed again by the last request
    clock_at(3 * idle)
    assert not logged_in(merchant_client)


def test_idle_time_is_a_setting(tmp_path):
    from config.settings import load

    settings = load(environ={"SESSION_IDLE_MINUTES": "30", "PARCELDESK_HOME": str(tmp_path)})
    assert settings["SESSION_IDLE_MINUTES"] == 30
