"""The one family of errors a user can fix. `main()` catches `UserError` only: it prints the message, which names
the problem and its fix, and exits with the error's code; anything else is a bug and keeps its traceback.

This module is the bottom of the project: every layer may raise these, so it imports nothing of the project.
"""


class UserError(Exception):
    """A problem the user can act on; `exit_code` is what the command exits with."""

    exit_code = 1


class ConfigError(UserError, ValueError):
    """Bad configuration (flags, presets, files they name), found before anything is built: exit 2."""

    exit_code = 2


class DataError(UserError):
    """Data that cannot be read or is not prepared (a missing dataset, a corrupt image): exit 1."""


class MissingWeightsError(UserError):
    """Pretrained weights that are not installed or not readable; the message says how to provide them."""

    exit_code = 2
