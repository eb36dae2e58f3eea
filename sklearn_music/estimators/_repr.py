"""Signatures and reprs of the neural estimators, as scikit-learn shows them.

A skorch ``NeuralNet`` subclass typically declares only a few arguments and
passes the rest through ``**kwargs`` (``CRNNClassifier(*, module=...,
**kwargs)``), so :func:`inspect.signature`, the API documentation and
scikit-learn's ``repr`` (which prints the parameters that differ from the
signature's defaults) cannot see ``param_budget``, ``max_epochs`` and the
others; skorch's own ``repr`` prints only the module, and ``get_params``
includes skorch's private bookkeeping (``_params_to_validate``).

:class:`SignatureReprMixin` fixes all three for every subclass:

* the signature of each class is the union of the keyword arguments of the
  ``__init__`` methods along its MRO, followed while an ``__init__`` passes
  ``**kwargs`` (or ``*args``) on, the first default of a name winning,
  checked against ``get_params`` of an instance built with the defaults; so
  ``inspect.signature(CRNNClassifier)`` lists every parameter with its
  default, then ``**kwargs`` (``module__*`` and the other prefixed
  parameters);
* ``get_params`` leaves out names starting with an underscore;
* ``repr`` is scikit-learn's: the class name and the parameters that differ
  from their defaults, also inside a :class:`~sklearn.pipeline.Pipeline`.
"""

from __future__ import annotations

import inspect
import warnings

from sklearn.base import BaseEstimator

__all__ = ["SignatureReprMixin", "full_signature"]

_P = inspect.Parameter


def full_signature(cls: type, extras: dict | None = None) -> inspect.Signature:
    """The keyword arguments ``cls(...)`` accepts, along its ``__init__`` chain.

    Parameters
    ----------
    cls : type
        The class.
    extras : dict, default=None
        Parameters that an ``__init__`` sets from ``**kwargs`` with a default
        (e.g. ``{"iterator_train__shuffle": True}``), added after the named
        ones.

    Returns
    -------
    signature : inspect.Signature
        ``self`` left out; every argument keyword-only (in the order first
        met along the MRO), then ``**kwargs`` if the last ``__init__`` read
        takes them.

    Examples
    --------
    >>> from sklearn_music.estimators import CRNNClassifier
    >>> from sklearn_music.estimators._repr import full_signature
    >>> params = full_signature(CRNNClassifier).parameters
    >>> params["param_budget"].default, params["max_epochs"].default > 0
    (None, True)
    """
    params: dict[str, _P] = {}
    var_keyword = None
    seen_inits = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or init in seen_inits or klass is object:
            continue
        seen_inits.add(init)
        complete = klass is not cls and getattr(init, "_full_signature", False)
        passes_on = False
        for param in list(inspect.signature(init).parameters.values())[1:]:
            if param.kind is _P.VAR_KEYWORD:
                var_keyword, passes_on = param, True
            elif param.kind is _P.VAR_POSITIONAL:
                passes_on = True
            elif param.name not in params:
                params[param.name] = param.replace(kind=_P.KEYWORD_ONLY)
        if complete:  # a parent whose signature this mixin already completed
            break
        if not passes_on:
            var_keyword = None
            break
    for name, default in (extras or {}).items():
        params.setdefault(name, _P(name, _P.KEYWORD_ONLY, default=default))
    # keyword-only arguments without a default may follow those with one
    ordered = list(params.values())
    if var_keyword is not None:
        ordered.append(var_keyword)
    return inspect.Signature(ordered)


def _as_constructed(cls: type, signature: inspect.Signature) -> inspect.Signature:
    """``signature`` checked against an instance built with the defaults.

    Arguments the instance does not keep as parameters (not in
    ``get_params``) are left out, and parameters it sets from ``**kwargs``
    (``iterator_train__shuffle``) are added with their value. A class that
    cannot be built without arguments keeps ``signature``.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            params = cls().get_params(deep=False)
    except Exception:  # required arguments (accelerator=...): keep it
        return signature
    kept = [
        p
        for p in signature.parameters.values()
        if p.name in params or p.kind is _P.VAR_KEYWORD
    ]
    named = {p.name for p in kept}
    added = [
        _P(name, _P.KEYWORD_ONLY, default=value)
        for name, value in params.items()
        if name not in named
    ]
    tail = [p for p in kept if p.kind is _P.VAR_KEYWORD]
    head = [p for p in kept if p.kind is not _P.VAR_KEYWORD]
    return signature.replace(parameters=[*head, *added, *tail])


class SignatureReprMixin:
    """Full signatures, public ``get_params`` and scikit-learn's ``repr``.

    Put it before the skorch ``NeuralNet`` among the bases. Every subclass
    gets ``__init__.__signature__`` from :func:`full_signature` (a subclass
    without its own ``__init__`` gets a thin one that passes everything on,
    so that its signature can differ from its parent's).

    The signature is then checked against an instance built with the
    defaults (when the class can be built without arguments): an argument
    the instance does not keep as a parameter is left out, and a parameter
    that ``__init__`` sets from ``**kwargs`` (``iterator_train__shuffle``)
    is added with its value. So the signature always names exactly what
    ``get_params`` returns, as scikit-learn's ``clone`` expects.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" not in cls.__dict__:

            def __init__(self, *args, **kwargs):
                super(cls, self).__init__(*args, **kwargs)

            __init__.__qualname__ = f"{cls.__qualname__}.__init__"
            __init__.__doc__ = None
            cls.__init__ = __init__
        init = cls.__dict__["__init__"]
        # the signature of the code itself, read by full_signature
        init.__dict__.pop("__signature__", None)
        signature = _as_constructed(cls, full_signature(cls))
        init._full_signature = True
        init.__signature__ = signature.replace(
            parameters=[
                _P("self", _P.POSITIONAL_OR_KEYWORD),
                *signature.parameters.values(),
            ]
        )

    def _get_param_names(self):
        """Public parameters only (skorch also lists its private
        ``_params_to_validate``)."""
        return [n for n in super()._get_param_names() if not n.startswith("_")]

    def __repr__(self, N_CHAR_MAX=700):
        return BaseEstimator.__repr__(self, N_CHAR_MAX=N_CHAR_MAX)
