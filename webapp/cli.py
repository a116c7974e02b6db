"""The `parceldesk` command: run the app and drive each stage of the pipeline."""

import argparse
import getpass
import json
import os
import sys

from config import settings as settings_module
from jobs.store.errors import UserError  # noqa: F401 (commands import it from here)


def main(argv=None):
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    umask = os.umask(0o077)  # files it and its children (redis-server) create: 0600 / 0700
    try:
        return args.run(args) or 0
    except UserError as error:
        print(f"parceldesk: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        os.umask(umask)  # for callers in the same process (tests)


def _parser():
    parser = argparse.ArgumentParser(prog="parceldesk", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    up = sub.add_parser(
        "up",
        help="web server + workers + embedded Redis",
        description="Run everything: the web server, RQ workers with their scheduler, the cron"
        " scheduler (sweep, digest) and, when REDIS_URL is unset, an embedded Redis whose data"
        " and socket live in PARCELDESK_HOME. Ctrl-C (or SIGTERM) stops them all.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    up.add_argument("--port", type=int, default=8000, help="port of the web server")
    up.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)"
    )
    up.add_argument(
        "--workers", type=int, default=1, metavar="N", help="RQ worker processes (RQ WorkerPool)"
    )
    up.set_defaults(run=_run_up)
    web = sub.add_parser("web", help="only the web server")
    web.add_argument("--port", type=int, default=8000)
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--threads", type=int, default=8)
    web.set_defaults(run=_run_web)
    worker = sub.add_parser("worker", help="one RQ worker")
    worker.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    worker.add_argument("--pool", type=int, default=1, metavar="N", help="run N workers (RQ pool)")
    worker.add_argument(
        "--nice",
        type=int,
        default=None,
        metavar="N",
        help="lower the workers' CPU priority by N (default: WORKER_NICE, 10), so the web "
        "server answers first on a shared machine",
    )
    worker.set_defaults(run=_run_worker)
    sub.add_parser("cron", help="the periodic-job scheduler").set_defaults(run=_run_cron)
    create = sub.add_parser("create-merchant", help="create a merchant account")
    create.add_argument("email")
    create.add_argument("--password-stdin", action="store_true")
    create.add_argument("--name", default="")
    create.set_defaults(run=_run_create_merchant)
    from webapp import cli_api, cli_connect, cli_data, cli_ops, cli_rules

    cli_data.add_commands(sub)
    cli_ops.add_commands(sub)
    cli_rules.add_commands(sub)
    cli_api.add_commands(sub)
    cli_connect.add_commands(sub)
    return parser


def setup():
    """Settings from the environment, with the database open and its schema current."""
    from jobs import runtime

    runtime.configure(settings_module.load())
    return runtime.setup()


def _run_up(args):
    from webapp.processes import run_everything

    return run_everything(settings_module.load(), args.host, args.port, args.workers)


def _run_web(args):
    import waitress

    from webapp import create_app

    app = create_app()
    print(f"Parceldesk web on http://{args.host}:{args.port}", flush=True)
    waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident="parceldesk")


def _run_worker(args):
    from rq.serializers import JSONSerializer
    from rq.worker_pool import WorkerPool

    from jobs.cron import configure_worker_logging
    from jobs.queues import QUEUE_NAMES, queue, redis_connection
    from jobs.runtime import JobWorker, preload
    from jobs.store.database import release_connections

    configure_worker_logging()
    settings = setup()
    os.nice(settings["WORKER_NICE"] if args.nice is None else args.nice)
    preload()
    release_connections(everything=True)  # work horses are forks: they must not share it
    connection = redis_connection(settings)
    if args.pool > 1:
        pool = WorkerPool(
            QUEUE_NAMES,
            connection=connection,
            num_workers=args.pool,
            worker_class=JobWorker,
            serializer=JSONSerializer,
        )
        return pool.start(burst=args.burst)
    queues = [queue(name, connection) for name in QUEUE_NAMES]
    worker = JobWorker(queues, connection=connection, serializer=JSONSerializer)
    worker.work(burst=args.burst, with_scheduler=True)


def _run_cron(args):
    from jobs.cron import build_scheduler
    from jobs.queues import redis_connection

    settings = setup()
    build_scheduler(redis_connection(settings), settings).start()


def _run_create_merchant(args):
    from webapp.auth import create_merchant

    setup()
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
    try:
        merchant = create_merchant(args.email, password, args.name)
    except ValueError as error:
        raise UserError(str(error)) from None
    print(json.dumps({"id": merchant.id, "email": merchant.email}))


if __name__ == "__main__":
    sys.exit(main())
