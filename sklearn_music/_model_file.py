"""Model files of the CLI: a fitted pipeline and its metadata.

``sklearn-music fit`` writes, and ``predict``, ``tag`` and ``recommend``
read, a file of :func:`sklearn_music.save` (data only: parameters as JSON,
tensors as safetensors, other libraries' steps through :mod:`skops.io`)
whose metadata (:data:`MODEL_FORMAT`) holds ``model`` (the model key, e.g.
``"crnn"``), ``task`` (``"multiclass"`` or ``"multilabel"``), ``classes``,
``trained_on`` and ``validation``. Reading it runs no code from the file.

Files of the former format (a joblib pickle) are read only with
``trust_pickle=True`` (``--trust-pickle``): unpickling runs any code stored
in the file. These functions are internal; they are documented for
contributors.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from ._serialize import ModelFileError

__all__ = [
    "MODEL_FORMAT",
    "ModelFileError",
    "ModelVersionWarning",
    "configure_model",
    "final_step",
    "load_model",
    "model_info",
    "save_model",
]

#: Value of the ``format`` key of a model file.
MODEL_FORMAT = "sklearn-music-model/2"
# the joblib bundles of version 1 are read with trust_pickle=True
_FORMATS = (MODEL_FORMAT, "sklearn-music-model/1")

_FOREIGN = "was not written by `sklearn-music fit`"


class ModelVersionWarning(UserWarning):
    """A model file written by another version of sklearn-music."""


def _steps(estimator) -> list:
    """The estimators of a (possibly nested) pipeline, in order."""
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, Pipeline):
        return [s for _, step in estimator.steps for s in _steps(step)]
    if estimator is None or estimator == "passthrough":
        return []
    return [estimator]


def final_step(estimator):
    """The last estimator of a (possibly nested) pipeline, or ``estimator``."""
    return _steps(estimator)[-1]


def model_info(estimator) -> tuple[str, list]:
    """The task and classes of a fitted classifier or pipeline.

    Parameters
    ----------
    estimator : estimator or Pipeline
        Fitted; its final step has ``classes_``.

    Returns
    -------
    task : {"multiclass", "multilabel"}
        ``"multilabel"`` when the final step has a true ``multilabel_``.
    classes : list
        The classes (or tags) as Python scalars.
    """
    final = final_step(estimator)
    task = "multilabel" if getattr(final, "multilabel_", False) else "multiclass"
    return task, [c.item() if hasattr(c, "item") else c for c in final.classes_]


def save_model(
    path: str | os.PathLike,
    pipeline,
    *,
    model: str,
    trained_on: dict | None = None,
    validation: dict | None = None,
    overwrite: bool = False,
) -> dict:
    """Write a fitted model and its metadata to a model file.

    Parameters
    ----------
    path : str or path-like
        The file to write, atomically.
    pipeline : estimator or Pipeline
        The fitted model.
    model : str
        Its model key, e.g. ``"crnn"``.
    trained_on : dict or None, default=None
        What it was trained on, e.g. ``{"data": "music/", "n_clips": 120}``.
    validation : dict or None, default=None
        Its held-out score, e.g. ``{"metric": "accuracy", "score": 0.9}``.
    overwrite : bool, default=False
        Replace an existing file (else :class:`FileExistsError`).

    Returns
    -------
    bundle : dict
        What was written (see the module's description).
    """
    from . import __version__
    from ._serialize import save

    task, classes = model_info(pipeline)
    metadata = {
        "format": MODEL_FORMAT,
        "model": model,
        "task": task,
        "classes": classes,
        "trained_on": trained_on,
        "validation": validation,
    }
    save(pipeline, path, metadata=metadata, overwrite=overwrite)
    return {**metadata, "pipeline": pipeline, "sklearn_music_version": __version__}


def _read(path: str | os.PathLike, trust_pickle: bool):
    """The bundle (or bare model) in ``path``, unpickled only if trusted."""
    import zipfile

    from ._serialize import load, read_manifest

    if not Path(path).is_file():
        raise FileNotFoundError(f"model file not found: '{path}'")
    if zipfile.is_zipfile(path) or not trust_pickle:
        manifest = read_manifest(path)  # a pickle is refused here
        model = load(path)
        metadata = manifest["metadata"]
        if metadata.get("format") != MODEL_FORMAT:
            return model
        return {
            **metadata,
            "pipeline": model,
            "sklearn_music_version": manifest["sklearn_music_version"],
        }
    import joblib

    try:
        return joblib.load(path)
    except Exception as exc:  # a damaged or foreign file fails in many ways
        raise ModelFileError(
            f"cannot read model file '{path}': it is damaged or {_FOREIGN} "
            f"({type(exc).__name__}: {exc})"
        ) from None


def load_model(path: str | os.PathLike, *, trust_pickle: bool = False) -> dict:
    """Read a model file written by :func:`save_model` (``sklearn-music fit``).

    Parameters
    ----------
    path : str or path-like
        The file. A file of :func:`sklearn_music.save` holding a bare fitted
        classifier or pipeline is accepted too; its ``model`` is the class
        name of its final step.
    trust_pickle : bool, default=False
        Also read a joblib file (the former format, or a pickled pipeline).
        Unpickling runs any code stored in the file: only for files you
        trust.

    Returns
    -------
    bundle : dict
        ``pipeline`` (the fitted model), ``model`` (its kind), ``task``
        (``"multiclass"`` or ``"multilabel"``), ``classes``,
        ``sklearn_music_version`` and, for files written by
        :func:`save_model`, ``trained_on`` and ``validation``.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ModelFileError
        If the file is damaged, is not a model file, is a pickle and
        ``trust_pickle`` is False, or holds a model of another version that
        this one cannot use.

    Warns
    -----
    ModelVersionWarning
        If the file was written by another version of sklearn-music.
    """
    from . import __version__

    bundle = _read(path, trust_pickle)
    if not isinstance(bundle, dict):
        if not (hasattr(bundle, "predict") and hasattr(bundle, "classes_")):
            raise ModelFileError(
                f"'{path}' holds a {type(bundle).__name__}, not a fitted "
                "sklearn-music model"
            )
        task, classes = model_info(bundle)
        bundle = {
            "format": MODEL_FORMAT,
            "pipeline": bundle,
            "model": type(final_step(bundle)).__name__,
            "task": task,
            "classes": classes,
            "sklearn_music_version": None,
        }
    if bundle.get("format") not in _FORMATS or "pipeline" not in bundle:
        raise ModelFileError(
            f"'{path}' is not a model file written by `sklearn-music fit`"
        )
    saved = bundle.get("sklearn_music_version")
    if saved is not None and saved != __version__:
        warnings.warn(
            f"'{path}' was written by sklearn-music {saved}; this is {__version__}",
            ModelVersionWarning,
            stacklevel=2,
        )
    try:  # an estimator pickled by another version may lack new parameters
        bundle["pipeline"].get_params(deep=True)
    except AttributeError as exc:
        raise ModelFileError(
            f"'{path}' holds a model of another version of sklearn-music that "
            f"this one ({__version__}) cannot use ({exc}); fit it again"
        ) from None
    return bundle


def configure_model(model, *, device: str, n_jobs: int | None = None, verbose=0):
    """Set the device, workers and verbosity of every step of a loaded model.

    Parameters
    ----------
    model : estimator or Pipeline
        A fitted model, changed in place.
    device : str
        Torch device (``"cpu"``, ``"cuda"``, ``"auto"``, ...), set on every
        step that has a ``device`` parameter; fitted torch modules are moved
        to it.
    n_jobs : int or None, default=None
        Set on every step that has ``n_jobs``; None leaves them as they are.
    verbose : int, default=0
        Every step with ``verbose`` gets ``1`` if positive, else ``0``.

    Raises
    ------
    ValueError
        If ``device`` names a CUDA device that is not available.
    """
    from .utils import resolve_device

    resolved = resolve_device(device)  # fails early when CUDA is missing
    for step in _steps(model):
        params = step.get_params(deep=False)
        updates = {}
        if "device" in params:
            updates["device"] = device
        if "n_jobs" in params and n_jobs is not None:
            updates["n_jobs"] = n_jobs
        if "verbose" in params:
            updates["verbose"] = int(verbose > 0)
        if updates:
            step.set_params(**updates)
        module = getattr(step, "module_", None)
        if module is not None:
            module.to(resolved)
