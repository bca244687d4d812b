"""The two errors a user can cause: each message names what is wrong and where, in one line."""

from __future__ import annotations


class ConfigError(ValueError):
    """A bad config key or value; the message names which and why."""


class DataError(ValueError):
    """User data that cannot be trained on; the message names the file and the problem."""
