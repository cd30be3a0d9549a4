"""Fitted state as data: what a component learned in ``fit``, as JSON and numeric arrays.

A saved model restores its reducer, clusterer and refine step from this state instead of
fitting them again, so ``TopicModel.load`` is quick and ``transform`` gives exactly what it gave
before saving. No pickle is involved: a state is a tree of plain values (numbers, strings,
lists, mappings), numeric arrays stored in the model's ``.npz`` file, and nested scikit-learn
estimators named by their class, allowed only if the name is a scikit-learn class or one of
the toolkit's own helpers (decided from the string before anything is imported). A value of
any other kind (a UMAP object, a random generator, a function) makes the state not storable
(:class:`NotStorable`), and the model is fitted again on load instead.
"""

from __future__ import annotations

import importlib
import inspect
import math
import re
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from toolkit.errors import DataError, shown

MAX_DEPTH = 12  # nesting of a state tree (an estimator inside an estimator inside ...)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")


class NotStorable(Exception):
    """A fitted attribute that is not plain data (the message names it)."""


def sklearn_class(path: object, where: str, base: type | None = None) -> type:
    """The scikit-learn class named ``path``, decided from the string (``sklearn.``) before any
    import, then checked to be exactly the class named, an estimator, and a ``base`` subclass."""
    import sklearn
    import sklearn.base

    if not (isinstance(path, str) and _DOTTED.fullmatch(path) and path.split(".")[0] == "sklearn"):
        raise DataError(f"{where}: {shown(path)} is not a scikit-learn class")
    module_name, _, name = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        raise DataError(f"{where}: class {path} is not available here") from None
    home = Path(sklearn.__file__).resolve().parent
    cls = getattr(module, name, None)
    if not (Path(getattr(module, "__file__", "") or "").resolve().is_relative_to(home) and inspect.isclass(cls)
            and f"{cls.__module__}.{cls.__qualname__}" == path and issubclass(cls, sklearn.base.BaseEstimator)
            and (base is None or issubclass(cls, base))):
        raise DataError(f"{where}: {path} is not a scikit-learn {getattr(base, '__name__', 'estimator')}")
    return cls


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _own_helpers() -> dict[str, type]:
    """The toolkit's own helper estimators that a component may hold, allowed by exact name."""
    from toolkit.arrays import DenseView

    return {_qualified(DenseView): DenseView}


def fitted_attributes(obj) -> dict:
    """What ``fit`` set on ``obj``: its attributes other than its parameters."""
    params = set(obj.get_params(deep=False)) if hasattr(obj, "get_params") else set()
    return {k: v for k, v in vars(obj).items() if k not in params and not k.startswith("__")}


class StateWriter:
    """Encodes states; the arrays they hold are collected in :attr:`arrays` under unique keys."""

    def __init__(self, prefix: str = "state_") -> None:
        self.prefix = prefix
        self.arrays: dict[str, np.ndarray] = {}

    def _array(self, value: np.ndarray) -> str:
        key = f"{self.prefix}{len(self.arrays)}"
        self.arrays[key] = value
        return key

    def state(self, obj, where: str) -> dict:
        """``obj``'s fitted attributes, encoded (NotStorable names the first that is not plain data)."""
        return {name: self.encode(value, f"{where}.{name}", 0) for name, value in fitted_attributes(obj).items()}

    def encode(self, value, where: str, depth: int):
        from sklearn.base import BaseEstimator

        if depth > MAX_DEPTH:
            raise NotStorable(f"{where}: nested too deeply")
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"__float__": repr(value)}
        if isinstance(value, np.generic) and value.dtype.kind in "biuf":
            return {"__scalar__": self._array(np.asarray(value))}
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "biuf":
                return {"__array__": self._array(value)}
            if value.dtype.kind in "UO" and value.ndim == 1 and all(isinstance(v, str) for v in value.tolist()):
                return {"__strings__": value.tolist(), "dtype": value.dtype.str}
            raise NotStorable(f"{where}: an array of {value.dtype}")
        if isinstance(value, np.random.RandomState):  # its whole state is numbers: restored exactly
            name, keys, pos, has_gauss, cached = value.get_state()
            return {"__random_state__": self._array(keys), "pos": int(pos), "has_gauss": int(has_gauss),
                    "cached_gaussian": float(cached)}
        if sp.issparse(value) and value.format in ("csr", "csc") and value.dtype.kind in "biuf":
            return {"__sparse__": value.format, "data": self._array(value.data), "indices": self._array(value.indices),
                    "indptr": self._array(value.indptr), "shape": list(value.shape)}
        if isinstance(value, list | tuple):
            items = [self.encode(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
            return {"__tuple__" if isinstance(value, tuple) else "__list__": items}
        if isinstance(value, dict):
            if all(isinstance(k, str) for k in value):
                return {"__dict__": {k: self.encode(v, f"{where}.{k}", depth + 1) for k, v in value.items()}}
            return {"__pairs__": [[self.encode(k, where, depth + 1), self.encode(v, f"{where}[{k!r}]", depth + 1)]
                                  for k, v in value.items()]}
        if isinstance(value, BaseEstimator) and (type(value).__module__.split(".")[0] == "sklearn"
                                                  or _qualified(type(value)) in _own_helpers()):
            cls = type(value)
            params = value.get_params(deep=False)
            return {"__estimator__": _qualified(cls),
                    "params": {k: self.encode(v, f"{where}.{k}", depth + 1) for k, v in params.items()},
                    "state": {k: self.encode(v, f"{where}.{k}", depth + 1)
                              for k, v in fitted_attributes(value).items()}}
        raise NotStorable(f"{where}: a {type(value).__name__}")


class StateReader:
    """Decodes states written by :class:`StateWriter`, every node checked (a DataError naming
    ``where`` otherwise); ``arrays`` are the ones read from the model's ``.npz`` file."""

    def __init__(self, arrays: dict[str, np.ndarray], where: str) -> None:
        self.arrays = arrays
        self.where = where

    def restore(self, obj, state: dict) -> None:
        """Set each stored attribute on ``obj`` (built from its stored parameters)."""
        for name, value in self._mapping(state).items():
            self._check_name(obj, name)
            setattr(obj, name, self.decode(value, 0))

    def _check_name(self, obj, name: str) -> None:
        """A stored attribute may not shadow a method or property of the object's class."""
        found = getattr(type(obj), name, None)
        if not _NAME.fullmatch(name) or name.startswith("__") or callable(found) or isinstance(found, property):
            raise DataError(f"{self.where}: {shown(name)} is not a fitted attribute of {type(obj).__name__}")

    def _mapping(self, value) -> dict:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise DataError(f"{self.where}: a state must be a mapping, got {shown(value)}")
        return value

    def _array(self, key) -> np.ndarray:
        if not isinstance(key, str) or key not in self.arrays:
            raise DataError(f"{self.where}: array {shown(key)} is not in arrays.npz")
        return self.arrays[key]

    def decode(self, node, depth: int):
        if depth > MAX_DEPTH:
            raise DataError(f"{self.where}: state nested too deeply")
        if node is None or isinstance(node, bool | int | float | str):
            return node
        if isinstance(node, list):
            raise DataError(f"{self.where}: a bare list in a state")
        node = self._mapping(node)
        kind = next(iter(node), None)
        if kind == "__float__" and node[kind] in ("nan", "inf", "-inf"):
            return float(node[kind])
        if kind == "__scalar__":
            return self._array(node[kind])[()]
        if kind == "__array__":
            return self._array(node[kind])
        if kind == "__strings__" and isinstance(node[kind], list) and all(isinstance(v, str) for v in node[kind]):
            return np.array(node[kind], dtype=np.dtype(str(node.get("dtype", "U"))))
        if kind == "__random_state__":
            keys = self._array(node[kind])
            try:
                state = np.random.RandomState()
                state.set_state(("MT19937", keys, int(node.get("pos", 0)), int(node.get("has_gauss", 0)),
                                 float(node.get("cached_gaussian", 0.0))))
            except (TypeError, ValueError) as err:
                raise DataError(f"{self.where}: a random state that cannot be restored ({err})") from None
            return state
        if kind == "__sparse__" and node[kind] in ("csr", "csc"):
            shape = node.get("shape")
            if not (isinstance(shape, list) and len(shape) == 2 and all(isinstance(n, int) for n in shape)):
                raise DataError(f"{self.where}: a sparse matrix without a valid shape")
            make = sp.csr_matrix if node[kind] == "csr" else sp.csc_matrix
            try:
                return make((self._array(node.get("data")), self._array(node.get("indices")),
                             self._array(node.get("indptr"))), shape=tuple(shape))
            except ValueError as err:
                raise DataError(f"{self.where}: a sparse matrix whose parts disagree ({err})") from None
        if kind in ("__list__", "__tuple__") and isinstance(node[kind], list):
            items = [self.decode(v, depth + 1) for v in node[kind]]
            return tuple(items) if kind == "__tuple__" else items
        if kind == "__dict__":
            return {k: self.decode(v, depth + 1) for k, v in self._mapping(node[kind]).items()}
        if kind == "__pairs__" and isinstance(node[kind], list):
            out = {}
            for pair in node[kind]:
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise DataError(f"{self.where}: a mapping entry must be [key, value]")
                key = self.decode(pair[0], depth + 1)
                try:
                    out[key] = self.decode(pair[1], depth + 1)
                except TypeError:
                    raise DataError(f"{self.where}: a mapping key that cannot be one ({shown(key)})") from None
            return out
        if kind == "__estimator__":
            cls = _own_helpers().get(node[kind]) or sklearn_class(node[kind], self.where)
            params = {k: self.decode(v, depth + 1) for k, v in self._mapping(node.get("params", {})).items()}
            try:
                obj = cls(**params)
            except (TypeError, ValueError) as err:
                raise DataError(f"{self.where}: {node[kind]} does not take the stored parameters ({err})") from None
            for name, value in self._mapping(node.get("state", {})).items():
                self._check_name(obj, name)
                setattr(obj, name, self.decode(value, depth + 1))
            return obj
        raise DataError(f"{self.where}: {shown(kind)} is not a kind of stored value")


__all__ = ["NotStorable", "StateReader", "StateWriter", "fitted_attributes", "sklearn_class"]
