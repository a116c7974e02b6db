"""Pipeline and data commands of `parceldesk`: detect, classify, import, shipments, report."""

import json
import sys
from pathlib import Path


def add_commands(sub):
    """Register the data commands on the `parceldesk` sub-parser."""
    detect = sub.add_parser("detect", help="identify carriers of numbers (JSON lines)")
    detect.add_argument("numbers", nargs="*")
    detect.set_defaults(run=run_detect)
    classify = sub.add_parser("classify", help="classify parcels from JSON lines")
    classify.add_argument("file", nargs="?", default="-")
    classify.add_argument(
        "--evaluate", action="store_true", help="print accuracy on the corpus (held-out sources)"
    )
    classify.add_argument("--corpus", metavar="DIR", help="corpus folder (config/corpus)")
    classify.add_argument("--folds", type=int, metavar="N", help="hold out N groups of sources")
    classify.add_argument("--errors", type=int, default=0, metavar="N", help="show N misses each")
    classify.add_argument("--json", action="store_true", help="with --evaluate: one JSON object")
    classify.set_defaults(run=run_classify)
    imp = sub.add_parser("import", help="import a shipment list now and queue its resolution")
    imp.add_argument("file")
    imp.add_argument("--merchant", required=True, metavar="EMAIL")
    imp.add_argument("--json", action="store_true")
    imp.add_argument(
        "--enqueue",
        action="store_true",
        help="store the file and queue its import for a worker (as the web upload does)",
    )
    imp.set_defaults(run=run_import)
    ships = sub.add_parser("shipments", help="list a merchant's shipments")
    ships.add_argument("--merchant", required=True, metavar="EMAIL")
    ships.add_argument("--status", metavar="KEY")
    ships.add_argument("--json", action="store_true")
    ships.set_defaults(run=run_shipments)
    report = sub.add_parser("report", help="write a report file, the same as the web download")
    report.add_argument("--merchant", required=True, metavar="EMAIL")
    report.add_argument("--preset", choices=["exceptions"])
    report.add_argument("--status", nargs="+", metavar="KEY", default=[])
    report.add_argument("--format", required=True, choices=["csv", "xlsx"])
    report.add_argument("-o", "--output", required=True, metavar="FILE")
    report.set_defaults(run=run_report)


def _lines(args_list):
    return args_list if args_list else (line.rstrip("\n") for line in sys.stdin)


def run_detect(args):
    """One JSON object per input number, in input order."""
    from jobs.tracking.carriers import detect

    for raw in _lines(args.numbers):
        print(json.dumps(detect(raw).to_json(), ensure_ascii=False))


def run_classify(args):
    """One verdict per JSON line in; with --evaluate, the corpus accuracy report."""
    from jobs.tracking.classify import classify_lines
    from webapp.cli import UserError

    if args.evaluate:
        from webapp.cli_rules import run_evaluate

        return run_evaluate(args)

    try:
        stream = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")
    except OSError as error:
        raise UserError(f"cannot read {args.file}: {error.strerror}.") from None
    with stream:
        for verdict in classify_lines(stream):
            print(json.dumps(verdict, ensure_ascii=False))


def _merchant(email):
    from jobs.store.models import Merchant
    from webapp.cli import UserError, setup

    setup()
    merchant = Merchant.get_or_none(Merchant.email == email.strip().lower())
    if merchant is None:
        raise UserError(f"no merchant with the email {email}.")
    return merchant


def run_import(args):
    """Store the file under PARCELDESK_HOME, import it now, queue its resolution."""
    from jobs import storage
    from jobs.files.parsing import FileRefused, open_table
    from jobs.imports import import_upload
    from jobs.queues import enqueue_import, redis_connection
    from jobs.runtime import setup
    from jobs.store.models import Upload, db
    from webapp.cli import UserError

    merchant = _merchant(args.merchant)
    source = Path(args.file)
    if not source.is_file():
        raise UserError(f"no file at {source}.")
    settings = setup()
    try:  # a file refused as a whole stores nothing, not even an upload record
        open_table(source, source.name, settings["MAX_UPLOAD_MB"] << 20)
    except FileRefused as refused:
        return _print_summary(args, None, str(refused))
    with db.atomic():
        upload = Upload.create(merchant=merchant, filename=source.name[:255])
        storage.store_file(upload.id, source, settings)
    if args.enqueue:  # exactly as the web upload: a worker on any host imports it
        enqueue_import(redis_connection(settings), upload.id)
        if args.json:
            print(json.dumps({"upload_id": upload.id}))
        else:
            print(f"Upload {upload.id} stored; its import is queued.")
        return 0
    import_upload(upload.id)
    upload = Upload.get_by_id(upload.id)
    return _print_summary(args, upload, upload.error)


def _print_summary(args, upload, error):
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
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    elif error:
        print(f"parceldesk: {error}", file=sys.stderr)
    else:
        print(
            f"Upload {upload.id}: {upload.imported} new, {upload.duplicates} merged, "
            f"{len(rejected)} rejected; resolution queued."
        )
    return 2 if error else 0


def run_shipments(args):
    """List the merchant's shipments, newest first."""
    from jobs.store.grid_query import merchant_shipments
    from jobs.store.models import Shipment
    from jobs.tracking.classify import STATUSES
    from webapp.cli import UserError

    merchant = _merchant(args.merchant)
    rows = merchant_shipments(merchant.id).order_by(Shipment.id)
    if args.status:
        if args.status not in dict(STATUSES):
            raise UserError(
                f"unknown status {args.status}; use one of {', '.join(k for k, _ in STATUSES)}."
            )
        rows = rows.where(Shipment.status == args.status)
    for s in rows.iterator():
        if args.json:
            print(json.dumps(_shipment_json(s), ensure_ascii=False))
        else:
            print(
                f"{s.tracking_number:<30} {s.order_id or '':<14} {s.carrier or '-':<14} "
                f"{s.status}/{s.reason}"
            )


def run_report(args):
    """Write the merchant's report (a preset, or one or more status tabs) to a file."""
    from jobs.reports import report_query, report_rows, write_report
    from jobs.store.grid_query import GridFilter
    from jobs.store.models import Shipment
    from jobs.tracking.classify import STATUSES
    from webapp.cli import UserError

    merchant = _merchant(args.merchant)
    unknown = [key for key in args.status if key not in dict(STATUSES)]
    if unknown:
        raise UserError(
            f"unknown status {unknown[0]}; use one of {', '.join(k for k, _ in STATUSES)}."
        )
    if args.preset and args.status:
        raise UserError("give either --preset or --status, not both.")
    # One status is exactly that grid tab; several are the All tab narrowed to them.
    grid = GridFilter.from_args({"status": args.status[0]} if len(args.status) == 1 else {})
    query = report_query(merchant.id, args.preset, grid)
    if len(args.status) > 1:
        query = query.where(Shipment.status.in_(args.status))
    try:
        count = write_report(report_rows(query), args.format, args.output)
    except OSError as error:
        raise UserError(f"cannot write {args.output}: {error.strerror}.") from None
    print(f"{count} shipments written to {args.output}.", file=sys.stderr)


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
