"""Name -> component registries, so that every pipeline stage is chosen by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from toolkit.errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """A mapping from names to component classes of one pipeline stage.

    Parameters
    ----------
    stage : str
        The stage's config section (``cluster``, ``summarize`` ...), used in errors.
    """

    def __init__(self, stage: str) -> None:
        self.stage = stage
        self._items: dict[str, type[T]] = {}

    def register(self, name: str) -> Callable[[type[T]], type[T]]:
        """Class decorator adding a component under ``name``."""

        def add(cls: type[T]) -> type[T]:
            if name in self._items:
                raise ValueError(f"{self.stage}: {name!r} registered twice")
            self._items[name] = cls
            return cls

        return add

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._items)

    def classes(self) -> list[type[T]]:
        """The registered classes, in the order of their names."""
        return [self._items[name] for name in self.names()]

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def get(self, name: str, key: str | None = None) -> type[T]:
        """The class registered under ``name``; a ConfigError listing the choices otherwise."""
        try:
            return self._items[name]
        except (KeyError, TypeError):
            where = key or self.stage
            raise ConfigError(
                f"{where}: unknown value {name!r}; choose one of: {', '.join(self.names())}"
            ) from None
