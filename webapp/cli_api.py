"""API commands of `parceldesk`: create a merchant's API token from the terminal."""

import click

from webapp.cli_common import merchant_by_email


@click.group("api-token", short_help="manage merchants' API tokens")
def api_token():
    """Manage merchants' API tokens (docs/api.md)."""


@api_token.command(short_help="create a token and print it (shown only once)")
@click.option("--merchant", required=True, metavar="EMAIL", help="the account")
@click.option("--name", required=True, help="what the token is for, e.g. helpdesk")
@click.option(
    "--scope",
    type=click.Choice(["read", "write"]),
    default="read",
    help="read: look only; write: also create shipments, set follow-up, re-check",
)
def create(merchant, name, scope):
    """Create a token for the merchant and print it alone on stdout, for scripts to capture; it
    is shown only this once.
    """
    from webapp.api import new_token

    account = merchant_by_email(merchant)
    print(new_token(account.id, name.strip() or "cli", scope == "write"))


COMMANDS = [api_token]
