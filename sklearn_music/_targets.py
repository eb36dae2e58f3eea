"""Target formats shared by the estimators and the displays.

Multi-label targets come either as an indicator matrix ``(n_clips, n_tags)``
or as one list of tags per clip (``[["rock", "piano"], ["jazz"]]``), the
latter also as a pandas Series or object array of lists, as the dataset
loaders return them (``df["tags"]``). :func:`as_tag_lists` tells them apart;
:class:`ClassEncoder` encodes any classification target for the neural
estimators.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import DataConversionWarning
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.utils.multiclass import check_classification_targets, type_of_target

__all__ = ["ClassEncoder", "as_tag_lists"]


def _is_tag_list_sequence(y) -> bool:
    return (
        isinstance(y, list | tuple)
        and len(y) > 0
        and all(isinstance(t, list | tuple | set | frozenset) for t in y)
    )


def as_tag_lists(y) -> list | None:
    """``y`` as a list of tag lists, or ``None`` for labels or an indicator.

    Equal-length rows of 0/1 numbers (``Y.tolist()``) are an indicator
    matrix, as in scikit-learn; any other sequence of sequences (or sets) is
    tag lists. A pandas Series or 1-D object array of tag lists is unwrapped.
    """
    if not isinstance(y, list | tuple) and getattr(y, "ndim", None) == 1:
        values = getattr(y, "to_numpy", lambda: np.asarray(y))()
        if values.dtype != object:
            return None
        y = list(values)
    if not _is_tag_list_sequence(y):
        return None
    if len({len(t) for t in y}) == 1 and not isinstance(y[0], set | frozenset):
        try:
            values = np.asarray(y, dtype=float)
        except (TypeError, ValueError):
            return list(y)
        if np.isin(values, (0, 1)).all():
            return None  # rows of 0/1: an indicator matrix
    return list(y)


class ClassEncoder:
    """Classification targets as the neural estimators train on them.

    :meth:`fit_transform` learns the classes from ``y``: labels (multi-class)
    become class indices, tag lists or a 0/1 indicator matrix (multi-label)
    a float indicator matrix. :meth:`transform` encodes the targets of a
    later ``partial_fit`` against those classes, and :meth:`check_known`
    refuses labels that ``fit`` did not see (for ``score``).

    Parameters
    ----------
    name : str
        Estimator name for error messages.
    classes : ndarray or None, default=None
        The classes of an earlier fit (an estimator's ``classes_``).
    multilabel : bool or None, default=None
        Whether that fit was multi-label (``multilabel_``).

    Attributes
    ----------
    classes_ : ndarray
        Class labels, tag names (sorted), or column indices of an indicator
        matrix.
    multilabel_ : bool
    """

    def __init__(self, name: str, *, classes=None, multilabel=None):
        self.name = name
        if classes is not None:
            self.classes_ = np.asarray(classes)
            self.multilabel_ = bool(multilabel)

    def fit_transform(self, y, *, n_samples: int) -> np.ndarray:
        """Learn ``classes_`` and ``multilabel_`` from ``y``, and encode it.

        Returns
        -------
        y_encoded : ndarray of shape (n_samples,), int64, or (n_samples, n_tags),
            float32
        """
        if y is None:
            raise ValueError(
                f"{self.name} requires y to be passed, but the target y is None."
            )
        tag_lists = as_tag_lists(y)
        if tag_lists is not None:
            _check_missing(
                [next((t for t in tags if _is_missing(t)), "") for tags in tag_lists],
                f"{self.name}: a tag of y",
            )
            binarizer = MultiLabelBinarizer()
            try:
                Y = binarizer.fit_transform(tag_lists)
            except TypeError as exc:  # tags that cannot be sorted together
                raise ValueError(_mixed_message(self.name, "tags", exc)) from None
            return self._multilabel(binarizer.classes_, Y, n_samples)
        if isinstance(y, list | tuple) and any(isinstance(v, str) for v in y):
            others = sorted({type(v).__name__ for v in y if not isinstance(v, str)})
            if others:
                raise ValueError(
                    f"{self.name}: y mixes strings with {', '.join(others)} "
                    "labels, which NumPy would silently turn into strings; give "
                    "them all one type."
                )
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. "
                "Please change the shape of y to (n_samples,), for example "
                "using ravel().",
                DataConversionWarning,
                stacklevel=4,
            )
            y = y.ravel()
        if y.ndim == 1:
            _check_missing(y.tolist(), f"{self.name}: y")
        target = type_of_target(y, input_name="y", raise_unknown=True)
        if target == "multilabel-indicator":
            _check_indicator(y, self.name)
            return self._multilabel(np.arange(y.shape[1]), y, n_samples)
        check_classification_targets(y)
        try:
            classes, encoded = np.unique(y, return_inverse=True)
        except TypeError as exc:  # e.g. strings and numbers
            raise ValueError(_mixed_message(self.name, "labels", exc)) from None
        if n_samples < 2:
            raise ValueError(
                f"{self.name} needs at least 2 samples to train; got "
                f"n_samples = {n_samples}."
            )
        if len(classes) < 2:
            raise ValueError(
                f"{self.name} needs at least 2 classes in y; got 1 class "
                f"{classes.tolist()}."
            )
        self.classes_, self.multilabel_ = classes, False
        return _check_len(encoded.astype(np.int64), n_samples)

    def _multilabel(self, classes, Y, n_samples: int) -> np.ndarray:
        if Y.shape[1] < 1:
            raise ValueError("The multi-label target y has no tags (0 columns).")
        self.classes_, self.multilabel_ = classes, True
        return _check_len(Y.astype(np.float32), n_samples)

    def transform(self, y, *, n_samples: int) -> np.ndarray:
        """Encode ``y`` against the classes of the fit; unseen labels or tags
        raise a ``ValueError``."""
        if not self.multilabel_:
            y = np.asarray(y).ravel()
            _check_missing(y.tolist(), f"{self.name}: y")
            unseen = np.setdiff1d(np.unique(y), self.classes_)
            if unseen.size:
                raise ValueError(
                    f"y contains labels not seen in fit: {unseen.tolist()}; "
                    f"partial_fit continues training on the classes "
                    f"{self.classes_.tolist()}."
                )
            encoded = np.searchsorted(self.classes_, y).astype(np.int64)
            return _check_len(encoded, n_samples)
        tag_lists = as_tag_lists(y)
        if tag_lists is None:
            Y = np.asarray(y, dtype=np.float32)
            if Y.ndim != 2 or Y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y must be a (n_clips, {len(self.classes_)}) indicator "
                    f"matrix like in fit; got shape {Y.shape}."
                )
            _check_indicator(Y, self.name)
            return _check_len(Y, n_samples)
        unknown = sorted({t for tags in tag_lists for t in tags} - set(self.classes_))
        if unknown:
            raise ValueError(f"y has tags not seen in fit: {unknown}.")
        lookup = {t: j for j, t in enumerate(self.classes_)}
        Y = np.zeros((len(tag_lists), len(self.classes_)), dtype=np.float32)
        for i, tags in enumerate(tag_lists):
            Y[i, [lookup[t] for t in tags]] = 1
        return _check_len(Y, n_samples)

    def check_known(self, y) -> None:
        """Refuse multi-class labels that were not seen in fit (``score``)."""
        if self.multilabel_:
            return
        unseen = np.setdiff1d(np.unique(np.asarray(y)), self.classes_)
        if unseen.size:
            raise ValueError(
                f"y contains labels not seen in fit: {unseen.tolist()}; the "
                f"estimator knows {self.classes_.tolist()}."
            )


def _check_missing(values: list, what: str) -> None:
    """Refuse None and NaN among labels or tags, naming their positions."""
    missing = [i for i, v in enumerate(values) if _is_missing(v)]
    if missing:
        shown = ", ".join(map(str, missing[:5])) + (", ..." if len(missing) > 5 else "")
        raise ValueError(
            f"{what} is missing (None or NaN) at position(s) {shown} "
            f"({len(missing)} in all); give every clip a label or leave those "
            "clips out."
        )


def _is_missing(v) -> bool:
    return v is None or (isinstance(v, float | np.floating) and v != v)


def _check_indicator(Y, name: str) -> None:
    """Refuse an indicator matrix with values other than 0 and 1."""
    values = np.unique(np.asarray(Y))
    if values.dtype != bool and not np.isin(values, (0, 1)).all():
        shown = values[:6].tolist()
        raise ValueError(
            f"{name}: a multi-label indicator y must hold only 0 and 1 (or "
            f"booleans); got the values {shown}. Map them first, e.g. "
            "(y > 0).astype(int) for -1/+1 targets."
        )


def _mixed_message(name: str, what: str, exc: Exception) -> str:
    return (
        f"{name}: the {what} of y cannot be compared with one another ({exc}); "
        "give them all one type, e.g. all strings."
    )


def _check_len(y, n_samples: int):
    if len(y) != n_samples:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: X has "
            f"{n_samples} clips but y has {len(y)}."
        )
    return y
