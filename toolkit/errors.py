"""Errors the toolkit reports to its users as one line (exit code 2 on the command line)."""

from __future__ import annotations

import reprlib
import threading
from typing import Any

STOP = threading.Event()  # set by the command line's SIGTERM handler


def stop_if_asked() -> None:
    """Raise KeyboardInterrupt when a stop was asked for (SIGTERM). The handler raises one
    itself, but Python drops an exception raised by a signal handler that fires inside a
    finaliser (a ``__del__``, a weakref callback): stage and sweep boundaries call this so the
    stop still happens."""
    if STOP.is_set():
        raise KeyboardInterrupt


MAX_SHOWN = 80  # characters of a user's value shown in a message; values can be huge


_REPR = reprlib.Repr()  # Python 3.11's Repr takes its limits as attributes
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlong = 3, MAX_SHOWN, MAX_SHOWN, 40
_REPR.maxlist = _REPR.maxdict = _REPR.maxtuple = _REPR.maxset = 8


def shown(value: Any, limit: int = MAX_SHOWN) -> str:
    """A bounded ``repr(value)`` cut to ``limit`` characters, so a message stays one short line
    and costs little, however large or deeply nested the value is."""
    return cut(_REPR.repr(value), limit)


def cut(text: str, limit: int = MAX_SHOWN) -> str:
    """Plain ``text`` (no quotes added) cut to ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ToolkitError(Exception):
    """A problem with the user's input: a file, a config key, a record.

    The message is one line that names the culprit; the command line prints it
    without a traceback and exits with code 2.
    """


class ConfigError(ToolkitError):
    """An experiment file or ``--set`` override that does not fit the schema."""


class DataError(ToolkitError):
    """A data file that cannot be read or holds nothing usable."""


class ParameterError(ToolkitError, ValueError):
    """A component's parameter that breaks its declared rules.

    Raised by a component about its own parameter (``param``); the experiment layer
    rewrites it as ``section.param: ...``. It is a ``ValueError`` too, as scikit-learn
    expects of an estimator given a bad parameter.

    Attributes
    ----------
    param : str
    requirement : str
        What the value must be (``must be an integer >= 1``).
    value : object
    owner : str
        The component's class name.
    """

    def __init__(self, param: str, requirement: str, value: Any, owner: str = "") -> None:
        self.param, self.requirement, self.value, self.owner = param, requirement, value, owner
        where = f"{owner}.{param}" if owner else param
        super().__init__(f"{where}: {requirement}, got {shown(value)}")


def plural(n: int, word: str, many: str | None = None) -> str:
    """``"1 document"``, ``"2 documents"`` (``many``: an irregular plural)."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def topic_count(topics: list) -> str:
    """``"20 topics"``, or ``"95 topics and 1,562 outliers"`` when the outliers (id -1) are a group:
    outliers are counted apart, never as a topic."""
    outliers = sum(t.size for t in topics if t.id < 0)
    found = plural(sum(1 for t in topics if t.id >= 0), "topic")
    return f"{found} and {plural(outliers, 'outlier')}" if any(t.id < 0 for t in topics) else found
