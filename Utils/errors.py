"""Which exceptions are the user's to fix, so the CLI shows their message instead of a traceback."""


def user_facing(exc):
    """The message of an actionable error, or None for a bug that deserves its traceback."""
    from Data.errors import DataError
    from Trainers.loop import NonFiniteLoss

    actionable = (DataError, NonFiniteLoss, FileNotFoundError)
    try:
        from Utils.pretrained import MissingWeightsError

        actionable += (MissingWeightsError,)
    except ImportError:
        pass
    return str(exc) if isinstance(exc, actionable) else None
