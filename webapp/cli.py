"""The `parceldesk` command: run the app and drive each stage of the pipeline."""

import getpass
import json
import os
import sys

import click

from config import settings as settings_module
from jobs.store.errors import UserError
from webapp import cli_api, cli_connect, cli_data, cli_ops, cli_rules
from webapp.cli_common import setup

ABORTED = 130  # Ctrl-C, as a shell reports a process stopped by SIGINT


class Commands(click.Group):
    """Lists its commands in the order they were added (running, pipeline, data, …), not A to Z."""

    def list_commands(self, ctx):
        return list(self.commands)


@click.group(
    cls=Commands,
    context_settings={"help_option_names": ["-h", "--help"], "show_default": True},
)
def parceldesk():
    """Parceldesk: run the app and drive each stage of the pipeline.

    \b
    Settings come from the environment (see README):
      PARCELDESK_HOME  folder of the SQLite database, the secret key and the
                       embedded Redis (default ./instance)
      DATABASE_URL     PostgreSQL when set
      REDIS_URL        an external Redis when set, otherwise an embedded one

    A mistake is one sentence on stderr with exit status 1 (2 for a mistake in
    the command line itself); `parceldesk COMMAND --help` describes each command.
    """


def main(argv=None) -> int:
    """Entry point of the console script; returns the exit status (tests call it in-process)."""
    umask = os.umask(0o077)  # files it and its children (redis-server) create: 0600 / 0700
    try:
        status = parceldesk.main(argv, prog_name="parceldesk", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as error:
        error.show()  # `parceldesk` alone, or a group alone: its help, on stderr
        return error.exit_code
    except click.UsageError as error:
        command = error.ctx.command_path if error.ctx else "parceldesk"
        message = " ".join(error.format_message().split())  # one line
        message += "" if message.endswith((".", "?")) else "."
        print(f"{command}: {message} See '{command} --help'.", file=sys.stderr)
        return error.exit_code
    except click.ClickException as error:
        print(f"parceldesk: {error.format_message()}", file=sys.stderr)
        return error.exit_code
    except UserError as error:  # raised below the CLI (the store), which knows no click
        print(f"parceldesk: {error}", file=sys.stderr)
        return 1
    except click.Abort:
        return ABORTED
    finally:
        os.umask(umask)  # for callers in the same process (tests)
    return status or 0


@parceldesk.command(short_help="web server + workers + embedded Redis")
@click.option("--port", type=int, default=8000, help="port of the web server")
@click.option("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)")
@click.option(
    "--workers", type=int, default=1, metavar="N", help="RQ worker processes (RQ WorkerPool)"
)
def up(port, host, workers):
    """Run everything: the web server, RQ workers with their scheduler, the cron scheduler
    (sweep, digest) and, when REDIS_URL is unset, an embedded Redis whose data and socket live in
    PARCELDESK_HOME. Ctrl-C (or SIGTERM) stops them all.
    """
    return _run_up(host, port, workers)


def _run_up(host, port, workers):
    from webapp.processes import run_everything

    return run_everything(settings_module.load(), host, port, workers)


@parceldesk.command(short_help="only the web server")
@click.option("--port", type=int, default=8000, help="port to listen on")
@click.option("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)")
@click.option("--threads", type=int, default=8, metavar="N", help="requests served at once")
def web(port, host, threads):
    """Only the web server (waitress, a production WSGI server), without workers or Redis."""
    import waitress

    from webapp import create_app

    app = create_app()
    print(f"Parceldesk web on http://{host}:{port}", flush=True)
    waitress.serve(app, host=host, port=port, threads=threads, ident="parceldesk")


@parceldesk.command(short_help="one RQ worker")
@click.option("--burst", is_flag=True, help="exit when the queues are empty")
@click.option("--pool", type=int, default=1, metavar="N", help="run N workers (RQ pool)")
@click.option(
    "--nice",
    type=int,
    default=None,
    metavar="N",
    help="lower the workers' CPU priority by N (default: WORKER_NICE, 10), so the web "
    "server answers first on a shared machine",
)
def worker(burst, pool, nice):
    """One RQ worker (or a pool of them) taking jobs from every queue, with RQ's scheduler."""
    from rq.serializers import JSONSerializer
    from rq.worker_pool import WorkerPool

    from jobs.cron import configure_worker_logging
    from jobs.queues import QUEUE_NAMES, queue, redis_connection
    from jobs.runtime import JobWorker, preload
    from jobs.store.database import release_connections

    configure_worker_logging()
    settings = setup()
    os.nice(settings["WORKER_NICE"] if nice is None else nice)
    preload()
    release_connections(everything=True)  # work horses are forks: they must not share it
    connection = redis_connection(settings)
    if pool > 1:
        workers = WorkerPool(
            QUEUE_NAMES,
            connection=connection,
            num_workers=pool,
            worker_class=JobWorker,
            serializer=JSONSerializer,
        )
        return workers.start(burst=burst)
    queues = [queue(name, connection) for name in QUEUE_NAMES]
    one = JobWorker(queues, connection=connection, serializer=JSONSerializer)
    one.work(burst=burst, with_scheduler=True)


@parceldesk.command(short_help="the periodic-job scheduler")
def cron():
    """The periodic-job scheduler (status sweep, digests); `up` runs it for you."""
    from jobs.cron import build_scheduler
    from jobs.queues import redis_connection

    settings = setup()
    build_scheduler(redis_connection(settings), settings).start()


@parceldesk.command("create-merchant", short_help="create a merchant account")
@click.argument("email")
@click.option(
    "--password-stdin", is_flag=True, help="read the password from stdin instead of prompting"
)
@click.option("--name", default="", help="the account's display name")
def create_merchant(email, password_stdin, name):
    """Create a merchant account with this EMAIL; print its id and email as JSON."""
    from webapp.auth import create_merchant as create

    setup()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
    try:
        merchant = create(email, password, name)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    print(json.dumps({"id": merchant.id, "email": merchant.email}))


def _add_commands():
    """The pipeline, data, operations, classifier, API and connection commands, in that order."""
    for module in (cli_data, cli_ops, cli_rules, cli_api, cli_connect):
        for command in module.COMMANDS:
            parceldesk.add_command(command)


_add_commands()


if __name__ == "__main__":
    sys.exit(main())
