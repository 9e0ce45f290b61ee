"""The one error type the data layer raises for problems a user can fix."""


class DataError(RuntimeError):
    """Data is missing, unprepared or unreadable; the message says how to fix it."""
