"""API commands of `parceldesk`: create a merchant's API token from the terminal."""


def add_commands(sub):
    """Register `parceldesk api-token create` on the `parceldesk` sub-parser."""
    token = sub.add_parser("api-token", help="manage merchants' API tokens")
    actions = token.add_subparsers(required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a token and print it (shown only once)")
    create.add_argument("--merchant", required=True, metavar="EMAIL", help="the account")
    create.add_argument("--name", required=True, help="what the token is for, e.g. helpdesk")
    create.add_argument(
        "--scope",
        choices=("read", "write"),
        default="read",
        help="read: look only; write: also create shipments, set follow-up, re-check",
    )
    create.set_defaults(run=run_create)


def run_create(args):
    """Print the new token alone on standard output, for scripts to capture."""
    from webapp.api import new_token
    from webapp.cli_data import _merchant

    merchant = _merchant(args.merchant)
    print(new_token(merchant.id, args.name.strip() or "cli", args.scope == "write"))
