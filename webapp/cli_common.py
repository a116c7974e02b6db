"""What the `parceldesk` command modules share: opening the instance, finding a merchant.

Every command module imports this one and none imports `webapp.cli`, which only assembles them.
A mistake of the person at the terminal is a `click.ClickException`: `webapp.cli.main` prints its
message as one line on stderr and exits with its `exit_code` (1).
"""

import click

from config import settings as settings_module


def setup():
    """Settings from the environment, with the database open and its schema current."""
    from jobs import runtime

    runtime.configure(settings_module.load())
    return runtime.setup()


def merchant_by_email(email):
    """The merchant with this email (opens the instance first), or a user error."""
    from jobs.store.models import Merchant

    setup()
    merchant = Merchant.get_or_none(Merchant.email == email.strip().lower())
    if merchant is None:
        raise click.ClickException(f"no merchant with the email {email}.")
    return merchant


def check_statuses(keys):
    """Refuse the first key that is not a status, naming the ones there are."""
    from jobs.tracking.classify import STATUSES

    unknown = [key for key in keys if key not in dict(STATUSES)]
    if unknown:
        raise click.ClickException(
            f"unknown status {unknown[0]}; use one of {', '.join(k for k, _ in STATUSES)}."
        )
