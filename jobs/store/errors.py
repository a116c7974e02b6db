"""Mistakes the person running Parceldesk must put right, raised below the command line."""


class UserError(Exception):
    """One sentence for the person at the terminal; `parceldesk` prints it and exits with 1."""
