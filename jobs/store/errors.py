"""Exceptions shared by the command line and the modules it drives."""


class UserError(Exception):
    """A mistake of the person at the terminal: one sentence to stderr, exit status 1."""
