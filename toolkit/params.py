"""Parameter rules, declared once per component and checked in ``fit``.

Each component lists its parameters' allowed values in ``_parameter_constraints``
(the scikit-learn convention): a mapping from parameter name to a list of
constraints, any one of which the value may satisfy. The same declarations give the
experiment file its schema (:mod:`toolkit.experiments.config`), so a rule is written
in one place. Components raise :class:`~toolkit.errors.ParameterError` about their own
parameters; the config layer turns it into a ``section.key`` message.

Numbers are strict: ``True`` is not a number, ``NaN`` is not in any range, and an
integer parameter does not take ``2.0``.
"""

from __future__ import annotations

import contextvars
import functools
import math
from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from typing import Any

from sklearn.base import BaseEstimator

from toolkit.errors import ParameterError

SEED_MAX = 2**32 - 1  # numpy's seeds are 32-bit


class Constraint:
    """One kind of allowed value."""

    def accepts(self, value: Any) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


class Int(Constraint):
    """An integer (not a bool) in ``[low, high]`` (None: unbounded)."""

    def __init__(self, low: int | None = None, high: int | None = None) -> None:
        self.low, self.high = low, high

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, Integral):
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def describe(self) -> str:
        if self.low is not None and self.high is not None:
            return f"an integer from {self.low} to {self.high}"
        if self.low is not None:
            return f"an integer >= {self.low}"
        if self.high is not None:
            return f"an integer <= {self.high}"
        return "an integer"


class Number(Constraint):
    """A finite number (int or float, not a bool) in an interval.

    ``closed``: ``both``, ``left``, ``right`` or ``neither`` end included.
    """

    def __init__(self, low: float | None = None, high: float | None = None, closed: str = "both") -> None:
        self.low, self.high, self.closed = low, high, closed

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
            return False
        low_ok = self.low is None or (value >= self.low if self.closed in ("both", "left") else value > self.low)
        high_ok = self.high is None or (value <= self.high if self.closed in ("both", "right") else value < self.high)
        return low_ok and high_ok

    def describe(self) -> str:
        if self.low is None and self.high is None:
            return "a finite number"
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        return f"a number in {left}{low}, {high}{right}"


class Options(Constraint):
    """One of the given strings."""

    def __init__(self, *choices: str) -> None:
        self.choices = tuple(choices)

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.choices

    def describe(self) -> str:
        return "one of " + ", ".join(repr(c) for c in self.choices)


class Text(Constraint):
    """Any non-empty string."""

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value != ""

    def describe(self) -> str:
        return "a non-empty string"


class Character(Constraint):
    """A string of exactly one character (a CSV delimiter)."""

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and len(value) == 1

    def describe(self) -> str:
        return "a single character"


class Boolean(Constraint):
    def accepts(self, value: Any) -> bool:
        return isinstance(value, bool)

    def describe(self) -> str:
        return "true or false"


class CallableValue(Constraint):
    """Anything that can be called (a function, an object with ``__call__``)."""

    def accepts(self, value: Any) -> bool:
        return callable(value)

    def describe(self) -> str:
        return "a callable"


class DateValue(Constraint):
    """A calendar date (YAML reads an unquoted ``2019-01-01`` as one)."""

    def accepts(self, value: Any) -> bool:
        import datetime

        return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)

    def describe(self) -> str:
        return "a date"


class NoneValue(Constraint):
    def accepts(self, value: Any) -> bool:
        return value is None

    def describe(self) -> str:
        return "null"


class ListOf(Constraint):
    """A list (or tuple) whose items each satisfy ``item``; ``length`` fixes its size."""

    def __init__(self, item: Constraint, length: int | None = None, min_length: int = 0,
                 unique: bool = False) -> None:
        self.item, self.length, self.min_length, self.unique = item, length, min_length, unique

    def accepts(self, value: Any) -> bool:
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            return False
        if (self.length is not None and len(value) != self.length) or len(value) < self.min_length:
            return False
        if self.unique and len(set(value)) != len(value):
            return False
        return all(self.item.accepts(v) for v in value)

    def describe(self) -> str:
        size = f"{self.length} " if self.length is not None else ""
        unique = "distinct " if self.unique else ""
        if self.min_length and self.length is None:
            size = f"at least {self.min_length} "
        return f"a list of {size}{unique}items, each {self.item.describe()}"


class IntRange(Constraint):
    """A pair ``(low, high)`` of integers with ``lowest <= low <= high <= highest`` (a list or tuple)."""

    def __init__(self, lowest: int, highest: int) -> None:
        self.lowest, self.highest = lowest, highest

    def accepts(self, value: Any) -> bool:
        if isinstance(value, str | bytes) or not isinstance(value, Sequence) or len(value) != 2:
            return False
        if not all(Int(self.lowest, self.highest).accepts(v) for v in value):
            return False
        return value[0] <= value[1]

    def describe(self) -> str:
        return f"a pair [low, high] of integers, {self.lowest} <= low <= high <= {self.highest}"


class MappingOf(Constraint):
    """A mapping from strings to values satisfying ``value``."""

    def __init__(self, value: Constraint) -> None:
        self.value = value

    def accepts(self, value: Any) -> bool:
        return isinstance(value, Mapping) and all(isinstance(k, str) and self.value.accepts(v)
                                                  for k, v in value.items())

    def describe(self) -> str:
        return f"a mapping of strings to {self.value.describe()}"


SEED = [Int(0, SEED_MAX)]


def check_parameter(owner: str, name: str, value: Any, constraints: list[Constraint]) -> None:
    """A ParameterError unless ``value`` satisfies one of ``constraints``."""
    if any(c.accepts(value) for c in constraints):
        return
    wanted = " or ".join(c.describe() for c in constraints)
    raise ParameterError(name, f"must be {wanted}", value, owner)


_CHECKING: contextvars.ContextVar[frozenset] = contextvars.ContextVar("toolkit_checking", default=frozenset())
FIT_METHODS = ("fit", "fit_transform", "fit_predict")


def _checked(method):
    """``method`` preceded by the object's parameter checks (once per outermost call: a
    ``fit_transform`` that calls ``fit`` checks once), as scikit-learn's ``_fit_context``."""

    @functools.wraps(method)
    def checked(self, *args, **kwargs):
        busy = _CHECKING.get()
        if id(self) in busy:
            return method(self, *args, **kwargs)
        self._validate_params()
        token = _CHECKING.set(busy | {id(self)})
        try:
            return method(self, *args, **kwargs)
        finally:
            _CHECKING.reset(token)

    checked.__checks_params__ = True
    return checked


class Component(BaseEstimator):
    """Base of the toolkit's estimators: scikit-learn parameters plus declared rules.

    ``__init__`` stores its arguments unchanged. Every ``fit``, ``fit_transform`` and
    ``fit_predict`` a subclass defines, and the methods it names in ``_checked_methods``
    (a loader's ``load``), first run :meth:`_validate_params`: each parameter checked against
    ``_parameter_constraints``, then :meth:`_check_params` for rules that tie parameters
    together. The checks live here, in one place, not in each method.
    """

    _parameter_constraints: dict[str, list[Constraint]] = {}
    _checked_methods: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        for name in (*FIT_METHODS, *cls._checked_methods):
            method = cls.__dict__.get(name)
            if callable(method) and not getattr(method, "__checks_params__", False):
                setattr(cls, name, _checked(method))

    def _validate_params(self) -> None:
        owner = type(self).__name__
        for name, value in self.get_params(deep=False).items():
            constraints = self._parameter_constraints.get(name)
            if constraints is not None:
                check_parameter(owner, name, value, constraints)
        self._check_params()

    def _check_params(self) -> None:
        """Rules between parameters; raise :class:`ParameterError` naming one of them."""

    def validate_params(self) -> None:
        """Check the parameters now, as ``fit`` would (:class:`ParameterError` on a broken rule),
        so a caller can refuse a bad setting before it replaces a working component."""
        self._validate_params()


__all__ = ["Boolean", "Component", "Constraint", "DateValue", "Int", "IntRange", "ListOf", "MappingOf", "NoneValue",
           "Number", "Options", "SEED", "SEED_MAX", "CallableValue", "Character", "Text", "check_parameter"]
