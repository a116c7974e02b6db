"""Pipeline and data commands of `parceldesk`: detect, classify, import, shipments, report."""

import json
import sys
from pathlib import Path

import click

from webapp.cli_common import check_statuses, merchant_by_email
from webapp.cli_rules import evaluate_corpus


class ManyValuesOption(click.Option):
    """An option that takes every value up to the next option: `--status alert returned`.

    Repeating it (`--status alert --status returned`) adds to the same list.
    """

    def __init__(self, *args, **kwargs):
        kwargs["multiple"] = True
        super().__init__(*args, **kwargs)

    def add_to_parser(self, parser, ctx):
        super().add_to_parser(parser, ctx)
        for name in self.opts:  # click has no variable-length option: wrap its parser's handler
            handler = parser._long_opt.get(name) or parser._short_opt.get(name)
            if handler is not None:
                take_one = handler.process

                def take_all(value, state, take_one=take_one):
                    take_one(value, state)
                    while state.rargs and not state.rargs[0].startswith("-"):
                        take_one(state.rargs.pop(0), state)

                handler.process = take_all


@click.command(short_help="identify carriers of numbers (JSON lines)")
@click.argument("numbers", nargs=-1, metavar="[NUMBER]...")
def detect(numbers):
    """Identify the carrier of each tracking NUMBER: one JSON object per number, in input order.

    The numbers come as arguments, or one per line on stdin when there is none.
    """
    from jobs.tracking.carriers import detect as detect_number

    for raw in numbers or (line.rstrip("\n") for line in sys.stdin):
        print(json.dumps(detect_number(raw).to_json(), ensure_ascii=False))


@click.command(short_help="classify parcels from JSON lines")
@click.argument("file", default="-", metavar="[FILE|-]")
@click.option(
    "--evaluate", is_flag=True, help="print accuracy on the corpus (held-out sources) instead"
)
@click.option("--corpus", metavar="DIR", help="with --evaluate: corpus folder (config/corpus)")
@click.option("--folds", type=int, metavar="N", help="with --evaluate: hold out N source groups")
@click.option(
    "--errors", type=int, default=0, metavar="N", help="with --evaluate: show N misses each"
)
@click.option("--json", "as_json", is_flag=True, help="with --evaluate: one JSON object")
def classify(file, evaluate, corpus, folds, errors, as_json):
    """Classify parcels: one JSON object per line in (FILE, or stdin when - or absent), one
    verdict out per line ({"status", "reason", "explanation", "action"}).
    """
    from jobs.tracking.classify import classify_lines

    if evaluate:
        return evaluate_corpus(corpus, folds, errors, as_json)
    try:
        stream = sys.stdin if file == "-" else open(file, encoding="utf-8")  # noqa: SIM115
    except OSError as error:
        raise click.ClickException(f"cannot read {file}: {error.strerror}.") from None
    with stream:
        for verdict in classify_lines(stream):
            print(json.dumps(verdict, ensure_ascii=False))


@click.command("import", short_help="import a shipment list now and queue its resolution")
@click.argument("file")
@click.option("--merchant", required=True, metavar="EMAIL", help="the account it belongs to")
@click.option("--json", "as_json", is_flag=True, help="print the summary as one JSON object")
@click.option(
    "--enqueue",
    is_flag=True,
    help="store the file and queue its import for a worker (as the web upload does)",
)
def import_file(file, merchant, as_json, enqueue):
    """Store FILE (CSV or XLSX) under PARCELDESK_HOME, import it now and queue the resolution of
    its numbers. Exit status 0 when the file was accepted (rejected rows included), 2 when the
    whole file was refused (nothing stored).
    """
    from jobs import storage
    from jobs.files.parsing import FileRefused, open_table
    from jobs.imports import import_upload
    from jobs.queues import enqueue_import, redis_connection
    from jobs.runtime import setup
    from jobs.store.models import Upload, db

    account = merchant_by_email(merchant)
    source = Path(file)
    if not source.is_file():
        raise click.ClickException(f"no file at {source}.")
    settings = setup()
    try:  # a file refused as a whole stores nothing, not even an upload record
        open_table(source, source.name, settings["MAX_UPLOAD_MB"] << 20)
    except FileRefused as refused:
        return _print_summary(as_json, None, str(refused))
    with db.atomic():
        upload = Upload.create(merchant=account, filename=source.name[:255])
        storage.store_file(upload.id, source, settings)
    if enqueue:  # exactly as the web upload: a worker on any host imports it
        enqueue_import(redis_connection(settings), upload.id)
        if as_json:
            print(json.dumps({"upload_id": upload.id}))
        else:
            print(f"Upload {upload.id} stored; its import is queued.")
        return 0
    import_upload(upload.id)
    upload = Upload.get_by_id(upload.id)
    return _print_summary(as_json, upload, upload.error)


def _print_summary(as_json, upload, error):
    """The contract's summary (JSON or a sentence); exit 2 when the whole file was refused."""
    from jobs.store.models import RowError

    rejected = []
    if upload is not None:
        errors = RowError.select().where(RowError.upload == upload.id).order_by(RowError.row)
        rejected = [{"row": e.row, "value": e.value, "reason": e.reason} for e in errors]
    summary = {
        "upload_id": upload.id if upload else None,
        "imported": upload.imported if upload else 0,
        "duplicates": upload.duplicates if upload else 0,
        "rejected": rejected,
        "error": error,
    }
    if as_json:
        print(json.dumps(summary, ensure_ascii=False))
    elif error:
        print(f"parceldesk: {error}", file=sys.stderr)
    else:
        print(
            f"Upload {upload.id}: {upload.imported} new, {upload.duplicates} merged, "
            f"{len(rejected)} rejected; resolution queued."
        )
    return 2 if error else 0


@click.command(short_help="list a merchant's shipments")
@click.option("--merchant", required=True, metavar="EMAIL", help="the account to list")
@click.option("--status", metavar="KEY", help="only shipments with this status (e.g. alert)")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="one JSON object per shipment with every stored field, instead of a table",
)
def shipments(merchant, status, as_json):
    """List the merchant's shipments, oldest first."""
    from jobs.store.grid_query import merchant_shipments
    from jobs.store.models import Shipment

    account = merchant_by_email(merchant)
    rows = merchant_shipments(account.id).order_by(Shipment.id)
    if status:
        check_statuses([status])
        rows = rows.where(Shipment.status == status)
    for s in rows.iterator():
        if as_json:
            print(json.dumps(_shipment_json(s), ensure_ascii=False))
        else:
            print(
                f"{s.tracking_number:<30} {s.order_id or '':<14} {s.carrier or '-':<14} "
                f"{s.status}/{s.reason}"
            )


@click.command(short_help="write a report file, the same as the web download")
@click.option("--merchant", required=True, metavar="EMAIL", help="the account to report on")
@click.option(
    "--preset", type=click.Choice(["exceptions"]), help="a preset report instead of --status"
)
@click.option(
    "--status",
    "statuses",
    cls=ManyValuesOption,
    metavar="KEY...",
    help="only these statuses, one or more (--status alert returned); default: all",
)
@click.option(
    "--format", "fmt", required=True, type=click.Choice(["csv", "xlsx"]), help="file format"
)
@click.option("-o", "--output", required=True, metavar="FILE", help="the file to write")
def report(merchant, preset, statuses, fmt, output):
    """Write the merchant's report (a preset, or one or more status tabs) to a file: the same
    rows and columns as the report the web page downloads.
    """
    from jobs.reports import report_query, report_rows, write_report
    from jobs.store.grid_query import GridFilter
    from jobs.store.models import Shipment

    account = merchant_by_email(merchant)
    statuses = list(statuses)
    check_statuses(statuses)
    if preset and statuses:
        raise click.ClickException("give either --preset or --status, not both.")
    # One status is exactly that grid tab; several are the All tab narrowed to them.
    grid = GridFilter.from_args({"status": statuses[0]} if len(statuses) == 1 else {})
    query = report_query(account.id, preset, grid)
    if len(statuses) > 1:
        query = query.where(Shipment.status.in_(statuses))
    try:
        count = write_report(report_rows(query), fmt, output)
    except OSError as error:
        raise click.ClickException(f"cannot write {output}: {error.strerror}.") from None
    print(f"{count} shipments written to {output}.", file=sys.stderr)


COMMANDS = [detect, classify, import_file, shipments, report]


def _iso(value):
    return value.isoformat() + "Z" if value else None


def _shipment_json(s):
    return {
        "tracking_number": s.tracking_number,
        "order_id": s.order_id,
        "carrier": s.carrier,
        "status": s.status,
        "reason": s.reason,
        "needs_action": s.needs_action,
        "last_event_at": _iso(s.last_event_at),
        "last_event_text": s.last_event_text,
        "checked_at": _iso(s.checked_at),
        "customer_name": s.customer_name,
        "email": s.email,
        **_order_json(s),
    }


def _order_json(s):
    """The order data an import stored: every order id, ISO date, ISO country, other columns."""
    return {
        "order_ids": s.order_ids.split(", ") if s.order_ids else [],
        "ship_date": s.ship_date.isoformat() if s.ship_date else None,
        "destination_country": s.country,
        "status_inferred": bool(getattr(s, "status_inferred", False)),
        "detected_carrier": s.detected_carrier,
        "candidates": s.candidates.split(",") if s.candidates else [],
        "detection_reason": s.detection_reason,
        "upload_id": s.upload_id,
        "extra": json.loads(s.extra) if s.extra else {},
    }
