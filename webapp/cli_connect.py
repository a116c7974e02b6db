"""`parceldesk connect …` and `parceldesk pull`: a merchant's shop and feed connections."""

import json
import sys

import click

from webapp.cli_common import merchant_by_email


@click.group(short_help="connect a shop or a feed to a merchant")
def connect():
    """Connect a shop or a feed to a merchant: its orders' tracking numbers are pulled on a
    schedule. Secrets are read from stdin, never from the command line.
    """


def _common_options(command):
    """--merchant, --every and --no-test, which every kind of connection takes."""
    command = click.option(
        "--no-test", is_flag=True, help="save without trying the connection first"
    )(command)
    command = click.option(
        "--every",
        type=int,
        default=60,
        metavar="MINUTES",
        help="how often the scheduler pulls it",
    )(command)
    return click.option(
        "--merchant", required=True, metavar="EMAIL", help="the account it belongs to"
    )(command)


@connect.command(short_help="a CSV/XLSX file at a URL, fetched on a schedule")
@click.argument("url")
@click.option("--user", help="Basic auth user name")
@click.option("--password-stdin", is_flag=True, help="read the Basic auth password from stdin")
@click.option("--header", metavar="NAME", help="send a token in this header")
@click.option("--token-stdin", is_flag=True, help="read the header's value from stdin")
@_common_options
def feed(url, user, password_stdin, header, token_stdin, merchant, every, no_test):
    """A CSV or XLSX file at URL, fetched on a schedule (optionally with Basic auth, or a token in
    a header).
    """

    def credentials():
        given = {"username": user or ""}
        if password_stdin:
            given["password"] = _secret_line()
        if header:
            if not token_stdin:
                raise click.ClickException("--header needs its value on stdin (--token-stdin).")
            given.update(header_name=header.strip(), header_value=_secret_line())
        return given

    _connect(merchant, "feed", url, credentials, every, no_test)


@connect.command(short_help="a Shopify store (Admin API access token)")
@click.argument("url", metavar="STORE")
@click.option("--token-stdin", is_flag=True, help="read the Admin API access token from stdin")
@click.option("--client-id", metavar="ID", help="a Dev Dashboard app's client ID (secret on stdin)")
@click.option("--secret-stdin", is_flag=True, help="read the app's client secret from stdin")
@_common_options
def shopify(url, token_stdin, client_id, secret_stdin, merchant, every, no_test):
    """A Shopify STORE (mystore or mystore.myshopify.com), with an Admin API access token, or a
    Dev Dashboard app's client ID and secret.
    """

    def credentials():
        if client_id and secret_stdin:
            return {"client_id": client_id.strip(), "client_secret": _secret_line()}
        if token_stdin and not client_id:
            return {"token": _secret_line()}
        raise click.ClickException("give --token-stdin, or --client-id with --secret-stdin.")

    _connect(merchant, "shopify", url, credentials, every, no_test)


@connect.command(short_help="a WooCommerce store (REST API keys)")
@click.argument("url")
@click.option("--key", required=True, metavar="K", help="consumer key (ck_…)")
@click.option(
    "--secret-stdin", is_flag=True, required=True, help="read the consumer secret from stdin"
)
@_common_options
def woocommerce(url, key, secret_stdin, merchant, every, no_test):
    """A WooCommerce store at URL, with a REST API consumer key and secret."""

    def credentials():
        return {"key": key.strip(), "secret": _secret_line()}

    _connect(merchant, "woocommerce", url, credentials, every, no_test)


def _secret_line() -> str:
    return sys.stdin.readline().rstrip("\r\n").strip()


def _connect(email, kind, url, read_credentials, every, no_test):
    """Save a connection (tested first unless --no-test); print it as JSON.

    `read_credentials` reads the secrets from stdin once the merchant is known.
    """
    from jobs import connections
    from jobs.connectors import ConnectorError
    from jobs.runtime import setup

    merchant = merchant_by_email(email)
    settings = setup()
    credentials = read_credentials()
    if kind != "feed" and not all(credentials.values()):
        raise click.ClickException("the credentials are empty: give them on stdin.")
    try:
        said = None
        if not no_test:
            said = connections.test_new(merchant.id, kind, url, credentials, settings)
        saved = connections.create(
            merchant.id, kind, url, credentials, settings, every_minutes=every
        )
    except ConnectorError as error:
        raise click.ClickException(str(error).rstrip(".") + ".") from None
    print(
        json.dumps(
            {
                "id": saved.id,
                "kind": saved.kind,
                "url": saved.url,
                "every_minutes": saved.every_minutes,
                "credentials": saved.credential_hint,
                "test": said,
            },
            ensure_ascii=False,
        )
    )


@click.command(short_help="run a merchant's connections now, in the foreground")
@click.option("--merchant", required=True, metavar="EMAIL", help="whose connections to run")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per connection")
def pull(merchant, as_json):
    """Pull each of the merchant's connections now, in the foreground, and say what each stored;
    exit status 2 when one of them failed.
    """
    from jobs.pulls import pull as pull_connection
    from jobs.store.models import Connection, RowError

    account = merchant_by_email(merchant)
    failed = False
    rows = Connection.select().where(Connection.merchant == account.id).order_by(Connection.id)
    for connection in rows:
        result = pull_connection(connection.id)
        upload_id = result.get("upload_id")
        errors = RowError.select().where(RowError.upload == upload_id).order_by(RowError.row)
        summary = {
            "connection_id": connection.id,
            "kind": connection.kind,
            "url": connection.url,
            "upload_id": upload_id,
            "stored": result.get("stored", 0),
            "duplicates": result.get("duplicates", 0),
            "refused": [{"row": e.row, "value": e.value, "reason": e.reason} for e in errors],
            "error": "another pull of it is running" if result.get("skipped") else result["error"],
        }
        failed = failed or summary["error"] is not None
        if as_json:
            print(json.dumps(summary, ensure_ascii=False))
        else:
            outcome = f"error: {summary['error']}" if summary["error"] else "ok"
            print(
                f"{connection.kind} {connection.url}: {summary['stored']} new, "
                f"{summary['duplicates']} already known, {len(summary['refused'])} refused; "
                f"{outcome}"
            )
    return 2 if failed else 0


COMMANDS = [connect, pull]
