"""Canonical hashing of parameter values, for cache keys and checkpoint names.

Equal values give equal texts whatever their identity (``joblib.hash`` alone
tells ``((2, 2),) * 4`` from its deep copy, because pickle records shared
objects), and classes and functions are named rather than pickled.
"""

from __future__ import annotations

import hashlib
import types

import numpy as np
from joblib import hash as joblib_hash

__all__ = ["canonical_text", "hash_values"]


def canonical_text(value) -> str:
    """A text that is equal for equal parameter values.

    Parameters
    ----------
    value : object
        ``None``, numbers, strings, NumPy scalars and arrays, lists, tuples
        and dicts of them, classes, functions, or any picklable object.

    Returns
    -------
    text : str
        Containers are written out element by element (dicts with sorted
        keys); NumPy arrays by a digest of their dtype, shape and values;
        classes and functions by their qualified name (functions also by a
        digest of their code, since a lambda's name says little); anything
        else by ``joblib.hash``, or by its type's name if it does not pickle.
    """
    if value is None or isinstance(value, bool | int | float | str):
        return repr(value)
    if isinstance(value, np.generic):
        return repr(value.item())
    if isinstance(value, np.ndarray):
        from ._disk import digest_array

        return f"array({digest_array(value)})"
    if isinstance(value, list | tuple):
        inner = ", ".join(canonical_text(v) for v in value)
        return f"{type(value).__name__}({inner})"
    if isinstance(value, dict):
        items = sorted((repr(k), canonical_text(v)) for k, v in value.items())
        return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
    if isinstance(value, type | types.BuiltinFunctionType):
        return f"{value.__module__}.{value.__qualname__}"
    if isinstance(value, types.FunctionType):
        code = value.__code__
        body = joblib_hash((code.co_code, repr(code.co_consts), code.co_names))
        return f"{value.__module__}.{value.__qualname__}:{body}"
    try:
        return joblib_hash(value)
    except Exception:  # anything that does not pickle
        return f"{type(value).__module__}.{type(value).__qualname__}"


def hash_values(value, *, size: int = 10) -> str:
    """BLAKE2b hex digest of :func:`canonical_text` of ``value``.

    Parameters
    ----------
    value : object
        Usually a dict of parameters.
    size : int, default=10
        Digest size in bytes (the hex string is twice as long).

    Returns
    -------
    digest : str

    Examples
    --------
    >>> from sklearn_music.utils import hash_values
    >>> hash_values({"a": (1, 2)}) == hash_values({"a": (1, 2)})
    True
    """
    text = canonical_text(value)
    return hashlib.blake2b(text.encode(), digest_size=size).hexdigest()
