"""Safe model files: :func:`save` and :func:`load`, which never unpickle.

A model file is a zip archive of data only:

``sklearn-music.json``
    The manifest: ``format`` (``"sklearn-music"``), ``format_version``
    (:data:`FORMAT_VERSION`), the ``sklearn_music_version`` that wrote it,
    free ``metadata`` and the object tree. Parameters and plain fitted
    attributes are JSON; every other value is a reference to one of the
    members below.
``arrays.safetensors``
    NumPy arrays of numbers (and bytes, as ``uint8``), in safetensors.
``tensors.safetensors``
    The state dicts of torch modules, in safetensors.
``skops/<n>.skops``
    Estimators of other libraries (scikit-learn's scalers and mixtures, for
    example), written with :mod:`skops.io` and read back only when every
    type they hold is one :mod:`skops.io` trusts by default or one of
    :data:`TRUSTED_TYPES`.

Classes are rebuilt only from an allow-list: the estimators of
sklearn-music, scikit-learn's :class:`~sklearn.pipeline.Pipeline`, and
classes of the modules in :data:`TRUSTED_CLASS_MODULES` (optimizers, data
loaders, module classes given as parameters). Nothing else is imported and
no stored code runs. The zip format's checksum of every member is verified
on reading, so a damaged file is an error, never a wrong model.
"""

from __future__ import annotations

import json
import os
import zipfile

from ._codec import (
    _ARRAYS,
    _TENSORS,
    TRUSTED_CLASS_MODULES,
    TRUSTED_TYPES,
    ModelFileError,
    Reader,
    Writer,
)
from .utils import atomic_write

__all__ = [
    "FORMAT_VERSION",
    "TRUSTED_CLASS_MODULES",
    "TRUSTED_TYPES",
    "ModelFileError",
    "load",
    "read_manifest",
    "save",
]

#: Version of the file format this sklearn-music writes and the newest it reads.
FORMAT_VERSION = 1
_FORMAT = "sklearn-music"
_MANIFEST = "sklearn-music.json"
_MAX_MANIFEST = 64 * 2**20


def save(
    obj,
    path: str | os.PathLike,
    *,
    metadata: dict | None = None,
    overwrite: bool = False,
) -> None:
    """Write a fitted (or unfitted) estimator to a safe model file.

    Works for every estimator and transformer of sklearn-music, the
    recommender, and :class:`~sklearn.pipeline.Pipeline` objects of them
    (steps of other libraries are stored with :mod:`skops.io`). The file
    holds data only: :func:`load` never runs code from it. The write is
    atomic: a reader sees the previous file or the complete new one.

    Parameters
    ----------
    obj : estimator or Pipeline
        What to store. A neural estimator is stored with its weights, its
        classes and its training history; an ``Accelerated*`` estimator is
        stored as its plain counterpart (it needs no accelerator to
        predict).
    path : str or path-like
        The file to write.
    metadata : dict or None, default=None
        JSON-serialisable information kept beside the model (e.g. what it
        was trained on); read it with :func:`read_manifest`.
    overwrite : bool, default=False
        Replace ``path`` if it exists; by default an existing file is an
        error and is left as it is.

    Raises
    ------
    TypeError
        If ``obj`` holds a value that only pickle could store (a function,
        a lambda, an object of an unknown class); nothing is written.
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.

    See Also
    --------
    load : Read the file back.

    Examples
    --------
    >>> import os, tempfile
    >>> import sklearn_music
    >>> from sklearn_music import MelSpectrogram
    >>> path = os.path.join(tempfile.mkdtemp(), "mel.skmusic")
    >>> sklearn_music.save(MelSpectrogram(n_mels=32), path)
    >>> sklearn_music.load(path).n_mels
    32
    """
    from . import __version__

    writer = Writer()
    root = writer.encode(obj, type(obj).__name__)
    manifest = {
        "format": _FORMAT,
        "format_version": FORMAT_VERSION,
        "sklearn_music_version": __version__,
        "metadata": metadata or {},
        "root": root,
    }
    try:
        text = json.dumps(manifest, allow_nan=False).encode()
    except (TypeError, ValueError) as exc:
        raise TypeError(f"metadata must be JSON-serialisable: {exc}") from None
    members = {_MANIFEST: text}
    if writer.arrays:
        from safetensors.numpy import save as save_arrays

        members[_ARRAYS] = save_arrays(writer.arrays)
    if writer.tensors:
        from safetensors.torch import save as save_tensors

        members[_TENSORS] = save_tensors(writer.tensors)
    members.update(writer.skops)

    def write(f):
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as z:
            for name, data in members.items():
                z.writestr(name, data)

    atomic_write(path, write, overwrite=overwrite)


def _open(path: str) -> zipfile.ZipFile:
    """The archive at ``path``; a pickle or foreign file is a clear error."""
    with open(path, "rb") as f:
        head = f.read(4)
    if head[:1] == b"\x80" or head[:2] in (b"x\x9c", b"x\x01", b"x\xda"):
        raise ModelFileError(
            f"'{path}' is a pickle (joblib) file, not a sklearn-music model file. "
            "Loading a pickle runs any code stored in it; if you trust the file, "
            "load it with trust_pickle=True (CLI: --trust-pickle)."
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelFileError(
            f"'{path}' is not a sklearn-music model file, or it is damaged ({exc})"
        ) from None
    if _MANIFEST not in archive.namelist():
        archive.close()
        raise ModelFileError(f"'{path}' is not a sklearn-music model file")
    return archive


def _read_manifest(archive: zipfile.ZipFile, path: str) -> dict:
    from . import __version__

    info = archive.getinfo(_MANIFEST)
    if info.file_size > _MAX_MANIFEST:
        raise ModelFileError(f"'{path}': its manifest is too large")
    try:
        manifest = json.loads(archive.read(_MANIFEST))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ModelFileError(f"'{path}' is damaged ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
        raise ModelFileError(f"'{path}' is not a sklearn-music model file")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(
            f"'{path}' has model-file format version {version!r}, written by "
            f"sklearn-music {manifest.get('sklearn_music_version')}; this "
            f"sklearn-music ({__version__}) reads versions up to {FORMAT_VERSION}. "
            "Upgrade sklearn-music to load it."
        )
    return manifest


def read_manifest(path: str | os.PathLike) -> dict:
    """The manifest of a model file (its metadata), without loading the model.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.

    Returns
    -------
    manifest : dict
        ``format``, ``format_version``, ``sklearn_music_version`` and
        ``metadata`` (what ``save`` was given).

    Raises
    ------
    ModelFileError
        If the file is not a model file, is damaged or has a newer format.
    """
    path = os.fspath(path)
    with _open(path) as archive:
        manifest = _read_manifest(archive, path)
    manifest.pop("root", None)
    return manifest


def load(
    path: str | os.PathLike, *, device: str | None = None, trust_pickle: bool = False
):
    """Read an estimator written by :func:`save`, running no code from the file.

    Parameters
    ----------
    path : str or path-like
        A model file written by :func:`save` (or ``sklearn-music fit``), or
        by :meth:`~sklearn_music.estimators.MusicNet.save_weights`.
    device : str or None, default=None
        Torch device for every step with a ``device`` parameter (``"cpu"``,
        ``"cuda"``, ``"auto"``). None keeps the saved device, or the CPU
        (with a warning) where this machine lacks it.
    trust_pickle : bool, default=False
        Also read joblib/pickle files. Unpickling runs any code stored in the
        file: pass True only for files you trust as you would trust a
        program.

    Returns
    -------
    obj : estimator or Pipeline
        The stored object, predicting as the saved one did.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ModelFileError
        If the file is damaged, not a model file, of a newer format version,
        or a pickle and ``trust_pickle`` is False.

    See Also
    --------
    save : Write a model file.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"model file not found: '{path}'")
    if trust_pickle and not zipfile.is_zipfile(path):
        import joblib

        return joblib.load(path)
    with _open_any(path) as archive:
        if archive is None:  # a save_weights file: torch tensors only
            from .estimators import load_weights

            return load_weights(path, device=device or "cpu")
        manifest = _read_manifest(archive, path)
        try:
            return Reader(archive, path, device).decode(manifest["root"])
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
            if isinstance(exc, ModelFileError):
                raise
            raise ModelFileError(
                f"'{path}' is damaged or was not written by sklearn_music.save "
                f"({type(exc).__name__}: {exc})"
            ) from None


class _NoArchive:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _open_any(path: str):
    """The model archive, or a null context for a ``save_weights`` file."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
        if _MANIFEST not in names and any(n.endswith("/data.pkl") for n in names):
            return _NoArchive()
    return _open(path)
