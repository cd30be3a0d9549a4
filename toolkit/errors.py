"""Errors the toolkit reports to its users as one line (exit code 2 on the command line)."""

from __future__ import annotations


class ToolkitError(Exception):
    """A problem with the user's input: a file, a config key, a record.

    The message is one line that names the culprit; the command line prints it
    without a traceback and exits with code 2.
    """


class ConfigError(ToolkitError):
    """An experiment file or ``--set`` override that does not fit the schema."""


class DataError(ToolkitError):
    """A data file that cannot be read or holds nothing usable."""
