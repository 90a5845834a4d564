"""The one error type users see: a message that says what to fix, printed as `error: ...`, exit 2."""


class UserError(Exception):
    """Bad input from a person: an unknown app, a malformed blueprint, a bad answer."""
