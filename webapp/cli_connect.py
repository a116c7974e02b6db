"""`parceldesk connect …` and `parceldesk pull`: a merchant's shop and feed connections."""

import json
import sys


def add_commands(sub):
    """Register `connect` (feed, shopify, woocommerce) and `pull` on the `parceldesk` parser."""
    connect = sub.add_parser("connect", help="connect a shop or a feed to a merchant")
    kinds = connect.add_subparsers(required=True, metavar="KIND")
    feed = kinds.add_parser("feed", help="a CSV/XLSX file at a URL, fetched on a schedule")
    feed.add_argument("url")
    feed.add_argument("--user", help="Basic auth user name")
    feed.add_argument("--password-stdin", action="store_true", help="Basic auth password")
    feed.add_argument("--header", metavar="NAME", help="send a token in this header")
    feed.add_argument("--token-stdin", action="store_true", help="the header's value")
    feed.set_defaults(run=run_connect, kind="feed")
    shopify = kinds.add_parser("shopify", help="a Shopify store (Admin API access token)")
    shopify.add_argument("url", metavar="STORE", help="mystore or mystore.myshopify.com")
    shopify.add_argument("--token-stdin", action="store_true", help="Admin API access token")
    shopify.add_argument(
        "--client-id", metavar="ID", help="a Dev Dashboard app's client ID (secret on stdin)"
    )
    shopify.add_argument("--secret-stdin", action="store_true", help="the app's client secret")
    shopify.set_defaults(run=run_connect, kind="shopify")
    woo = kinds.add_parser("woocommerce", help="a WooCommerce store (REST API keys)")
    woo.add_argument("url")
    woo.add_argument("--key", required=True, metavar="K", help="consumer key (ck_…)")
    woo.add_argument("--secret-stdin", action="store_true", required=True)
    woo.set_defaults(run=run_connect, kind="woocommerce")
    for parser in (feed, shopify, woo):
        parser.add_argument("--merchant", required=True, metavar="EMAIL")
        parser.add_argument("--every", type=int, default=60, metavar="MINUTES")
        parser.add_argument(
            "--no-test", action="store_true", help="save without trying the connection first"
        )
    pull = sub.add_parser("pull", help="run a merchant's connections now, in the foreground")
    pull.add_argument("--merchant", required=True, metavar="EMAIL")
    pull.add_argument("--json", action="store_true")
    pull.set_defaults(run=run_pull)


def _secret_line() -> str:
    return sys.stdin.readline().rstrip("\r\n").strip()


def _credentials(args) -> dict:
    from webapp.cli import UserError

    if args.kind == "shopify":
        if args.client_id and args.secret_stdin:
            credentials = {"client_id": args.client_id.strip(), "client_secret": _secret_line()}
        elif args.token_stdin and not args.client_id:
            credentials = {"token": _secret_line()}
        else:
            raise UserError("give --token-stdin, or --client-id with --secret-stdin.")
    elif args.kind == "woocommerce":
        credentials = {"key": args.key.strip(), "secret": _secret_line()}
    else:
        credentials = {"username": args.user or ""}
        if args.password_stdin:
            credentials["password"] = _secret_line()
        if args.header:
            if not args.token_stdin:
                raise UserError("--header needs its value on stdin (--token-stdin).")
            credentials.update(header_name=args.header.strip(), header_value=_secret_line())
    if args.kind != "feed" and not all(credentials.values()):
        raise UserError("the credentials are empty: give them on stdin.")
    return credentials


def run_connect(args):
    """Save a connection (tested first unless --no-test); print it as JSON."""
    from jobs import connections
    from jobs.connectors import ConnectorError
    from jobs.runtime import setup
    from webapp.cli import UserError
    from webapp.cli_data import _merchant

    merchant = _merchant(args.merchant)
    settings = setup()
    credentials = _credentials(args)
    try:
        said = None
        if not args.no_test:
            said = connections.test_new(merchant.id, args.kind, args.url, credentials, settings)
        saved = connections.create(
            merchant.id, args.kind, args.url, credentials, settings, every_minutes=args.every
        )
    except ConnectorError as error:
        raise UserError(str(error).rstrip(".") + ".") from None
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


def run_pull(args):
    """Pull each of the merchant's connections now; exit 2 when one of them failed."""
    from jobs.pulls import pull
    from jobs.store.models import Connection, RowError

    merchant = _merchant_of(args.merchant)
    failed = False
    rows = Connection.select().where(Connection.merchant == merchant.id).order_by(Connection.id)
    for connection in rows:
        result = pull(connection.id)
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
        if args.json:
            print(json.dumps(summary, ensure_ascii=False))
        else:
            outcome = f"error: {summary['error']}" if summary["error"] else "ok"
            print(
                f"{connection.kind} {connection.url}: {summary['stored']} new, "
                f"{summary['duplicates']} already known, {len(summary['refused'])} refused; "
                f"{outcome}"
            )
    return 2 if failed else 0


def _merchant_of(email):
    from webapp.cli_data import _merchant

    return _merchant(email)
