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

import importlib
import json
import os
import warnings
import zipfile

import numpy as np

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
_ARRAYS = "arrays.safetensors"
_TENSORS = "tensors.safetensors"
_MAX_MANIFEST = 64 * 2**20

#: Modules whose classes may be named by a parameter (e.g. ``optimizer``).
TRUSTED_CLASS_MODULES = (
    "sklearn_music.",
    "torch.optim.",
    "torch.nn.modules.",
    "torch.utils.data.",
    "skorch.",
)

# parameters of the neural estimators that only matter while training: one
# that a model file cannot hold is left out with a warning
_TRAINING_ONLY = ("callbacks", "train_split")

#: Types trusted in :mod:`skops.io` members beyond skops' own defaults.
TRUSTED_TYPES = ("sklearn_music.pipeline._read_audio",)


class ModelFileError(ValueError):
    """A model file that cannot be used: damaged, foreign, newer or unsafe."""


class UnsafeValueError(TypeError):
    """A value that a model file cannot hold without pickling it."""


# ----------------------------------------------------------------------
# writing


class _Writer:
    """Encodes an object tree into JSON and the binary members."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}
        self.tensors: dict = {}
        self.skops: dict[str, bytes] = {}

    def array(self, a: np.ndarray) -> dict:
        key = f"a{len(self.arrays)}"
        self.arrays[key] = np.ascontiguousarray(a)
        return {"__ndarray__": key}

    def encode(self, value, where: str):
        from sklearn.base import BaseEstimator

        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, int | float) and type(value) in (int, float):
            if isinstance(value, float) and not np.isfinite(value):
                return {"__float__": repr(value)}
            return value
        if isinstance(value, np.generic):
            return (
                {
                    "__npscalar__": value.dtype.str,
                    "value": self.encode(value.item(), where),
                }
                if value.dtype.kind in "biuf"
                else self._object_array(np.asarray(value), where, scalar=True)
            )
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "biuf" and not value.dtype.byteorder == ">":
                return self.array(value)
            return self._object_array(value, where)
        if isinstance(value, bytes | bytearray):
            return {"__bytes__": self.array(np.frombuffer(bytes(value), np.uint8))}
        if isinstance(value, list):
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v, where) for v in value]}
        if isinstance(value, dict):
            return self._dict(value, where)
        if isinstance(value, type):
            return {"__class__": _class_name(value, where)}
        if _is_torch(value):
            return self._torch(value, where)
        if isinstance(value, np.random.RandomState):
            return {"__randomstate__": self.encode(value.get_state(), where)}
        if isinstance(value, np.random.Generator):
            state = value.bit_generator.state
            return {"__generator__": self.encode(state, where)}
        if isinstance(value, np.dtype):
            return {"__dtype__": value.str}
        if isinstance(value, os.PathLike):
            return {"__path__": os.fspath(value)}
        if isinstance(value, BaseEstimator):
            return self._estimator(value, where)
        raise UnsafeValueError(
            f"{where} is a {type(value).__module__}.{type(value).__qualname__}, "
            "which a model file cannot hold without pickling it"
        )

    def _dict(self, value: dict, where: str):
        if all(isinstance(k, str) for k in value):
            return {
                "__dict__": {
                    k: self.encode(v, f"{where}[{k!r}]") for k, v in value.items()
                }
            }
        return {
            "__items__": [
                [self.encode(k, where), self.encode(v, f"{where}[{k!r}]")]
                for k, v in value.items()
            ]
        }

    def _object_array(self, a: np.ndarray, where: str, scalar: bool = False):
        items = [
            self.encode(v, f"{where}[{i}]") for i, v in enumerate(a.ravel().tolist())
        ]
        return {
            "__objarray__": a.dtype.str if a.dtype.kind in "US" else "O",
            "shape": list(a.shape),
            "items": items,
            "scalar": scalar,
        }

    def _torch(self, value, where: str):
        import torch

        if isinstance(value, torch.Tensor):
            key = f"t{len(self.tensors)}"
            self.tensors[key] = value.detach().cpu().contiguous()
            return {"__tensor__": key}
        if isinstance(value, torch.device):
            return {"__device__": str(value)}
        if isinstance(value, torch.dtype):
            return {"__torchdtype__": str(value).removeprefix("torch.")}
        raise UnsafeValueError(
            f"{where} is a {type(value).__qualname__}, which a model file cannot "
            "hold without pickling it"
        )

    def _estimator(self, est, where: str):
        from sklearn.pipeline import Pipeline

        from .estimators._base import MusicNet

        if isinstance(est, MusicNet):
            return {"__musicnet__": self._musicnet(est, where)}
        cls = type(est)
        name = f"{cls.__module__}.{cls.__qualname__}"
        if isinstance(est, Pipeline) or name.startswith("sklearn_music."):
            state = est.__getstate__()
            encoded = self.encode(dict(state), f"{where}.{cls.__name__}")
            return {"__estimator__": _class_name(cls, where), "state": encoded}
        import skops.io

        data = skops.io.dumps(est)
        refused = _refused_types(data)
        if refused:
            raise UnsafeValueError(
                f"{where} is a {name} holding {', '.join(refused)}, which a model "
                "file cannot hold without pickling it"
            )
        key = f"skops/{len(self.skops)}.skops"
        self.skops[key] = data
        return {"__skops__": key}

    def _musicnet(self, net, where: str) -> dict:
        from .estimators._persistence import weights_header

        net.check_is_fitted()
        name, _ = weights_header(net)
        params = {}
        for key, value in net.get_params(deep=False).items():
            if key.startswith("_") or key in net._unsaved_params:
                continue
            try:
                params[key] = self.encode(value, f"{where}.{key}")
            except UnsafeValueError as exc:
                if key not in _TRAINING_ONLY:
                    raise
                warnings.warn(
                    f"{name}: parameter {key} is not stored ({exc}); the loaded "
                    "estimator has its default",
                    UserWarning,
                    stacklevel=4,
                )
        module = net._unwrapped_module()
        state = {k: v.detach().cpu() for k, v in module.state_dict().items()}
        history = []
        try:
            history = self.encode(_history(net), f"{where}.history_")
        except UnsafeValueError:
            pass
        return {
            "estimator": name,
            "params": params,
            "device": net.get_params(deep=False).get("device"),
            "classes": self.encode(np.asarray(net.classes_), f"{where}.classes_"),
            "multilabel": bool(net.multilabel_),
            "n_features_in": getattr(net, "n_features_in_", None),
            "chunk_size": int(net.chunk_size_),
            "state_dict": {k: self.encode(v, where) for k, v in state.items()},
            "history": history,
        }


def _history(net) -> list:
    from .estimators._checkpoint import _builtin

    return _builtin(list(net.history_)) if hasattr(net, "history_") else []


def _is_torch(value) -> bool:
    return type(value).__module__.split(".")[0] == "torch"


def _class_name(cls: type, where: str) -> str:
    name = f"{cls.__module__}.{cls.__qualname__}"
    if name == "sklearn.pipeline.Pipeline" or name.startswith(TRUSTED_CLASS_MODULES):
        if "<locals>" not in name:
            return name
    raise UnsafeValueError(
        f"{where} is the class {name}, which is not in the model files' "
        "allow-list of classes"
    )


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

    writer = _Writer()
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


# ----------------------------------------------------------------------
# reading


class _Reader:
    """Decodes the object tree of a manifest from the binary members."""

    def __init__(self, archive: zipfile.ZipFile, path: str, device):
        self.archive = archive
        self.path = path
        self.device = device
        self.names = set(archive.namelist())
        self._arrays = None
        self._tensors = None

    def _member(self, name: str) -> bytes:
        if name not in self.names:
            raise ModelFileError(f"'{self.path}' lacks its member {name!r}")
        return self.archive.read(name)

    def array(self, key: str) -> np.ndarray:
        if self._arrays is None:
            from safetensors.numpy import load as load_arrays

            self._arrays = load_arrays(self._member(_ARRAYS))
        return self._arrays[key]

    def tensor(self, key: str):
        if self._tensors is None:
            from safetensors.torch import load as load_tensors

            self._tensors = load_tensors(self._member(_TENSORS))
        return self._tensors[key]

    def decode(self, value):
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "__dict__" in value:
            return {k: self.decode(v) for k, v in value["__dict__"].items()}
        if "__items__" in value:
            return {self.decode(k): self.decode(v) for k, v in value["__items__"]}
        if "__tuple__" in value:
            return tuple(self.decode(v) for v in value["__tuple__"])
        if "__ndarray__" in value:
            return self.array(value["__ndarray__"]).copy()
        if "__float__" in value:
            return float(value["__float__"])
        if "__npscalar__" in value:
            return np.dtype(value["__npscalar__"]).type(self.decode(value["value"]))
        if "__objarray__" in value:
            return self._object_array(value)
        if "__bytes__" in value:
            return self.decode(value["__bytes__"]).tobytes()
        if "__class__" in value:
            return _import_class(value["__class__"])
        if "__tensor__" in value:
            return self.tensor(value["__tensor__"])
        if "__device__" in value:
            import torch

            return torch.device(value["__device__"])
        if "__torchdtype__" in value:
            import torch

            dtype = getattr(torch, value["__torchdtype__"], None)
            if not isinstance(dtype, torch.dtype):
                raise ModelFileError(f"'{self.path}' names an unknown torch dtype")
            return dtype
        if "__randomstate__" in value:
            rs = np.random.RandomState()
            rs.set_state(self.decode(value["__randomstate__"]))
            return rs
        if "__generator__" in value:
            return _generator(self.decode(value["__generator__"]), self.path)
        if "__dtype__" in value:
            return np.dtype(value["__dtype__"])
        if "__path__" in value:
            from pathlib import Path

            return Path(value["__path__"])
        if "__estimator__" in value:
            return self._estimator(value)
        if "__musicnet__" in value:
            return self._musicnet(value["__musicnet__"])
        if "__skops__" in value:
            return self._skops(value["__skops__"])
        raise ModelFileError(f"'{self.path}' holds an unknown value {sorted(value)}")

    def _object_array(self, value) -> np.ndarray:
        items = [self.decode(v) for v in value["items"]]
        kind = value["__objarray__"]
        if kind == "O":
            a = np.empty(len(items), dtype=object)
            a[:] = items if items else a
        else:
            a = np.asarray(items, dtype=np.dtype(kind))
        a = a.reshape(value["shape"])
        return a[()] if value.get("scalar") else a

    def _estimator(self, value):
        cls = _import_class(value["__estimator__"])
        state = self.decode(value["state"])
        obj = cls.__new__(cls)
        if hasattr(obj, "__setstate__"):
            obj.__setstate__(state)
        else:  # pragma: no cover - every estimator has __setstate__
            obj.__dict__.update(state)
        if self.device is not None and "device" in state:
            obj.device = self.device
        return obj

    def _musicnet(self, data: dict):
        from .estimators._persistence import _estimator_classes
        from .utils import resolve_device

        cls = _estimator_classes().get(data["estimator"])
        if cls is None:
            raise ModelFileError(
                f"'{self.path}' holds an unknown estimator {data['estimator']!r}"
            )
        device = self.device
        if device is None:
            device = data.get("device") or "cpu"
            try:
                resolve_device(device)
            except ValueError:
                warnings.warn(
                    f"'{self.path}' was saved with device={device!r}, which this "
                    "machine lacks; loading it on the CPU",
                    UserWarning,
                    stacklevel=5,
                )
                device = "cpu"
        params = {k: self.decode(v) for k, v in data["params"].items()}
        est = cls(**params, device=device)
        est.classes_ = self.decode(data["classes"])
        est.multilabel_ = bool(data["multilabel"])
        if data["n_features_in"] is not None:
            est.n_features_in_ = int(data["n_features_in"])
        est.chunk_size_ = int(data["chunk_size"])
        est.initialize()
        state = {k: self.decode(v) for k, v in data["state_dict"].items()}
        try:
            est._unwrapped_module().load_state_dict(state)
        except (RuntimeError, KeyError) as exc:
            raise ModelFileError(
                f"'{self.path}': the stored weights do not fit "
                f"{data['estimator']} ({exc})"
            ) from None
        from skorch.history import History

        est.history_ = History(self.decode(data.get("history") or []))
        return est

    def _skops(self, name: str):
        import skops.io

        data = self._member(name)
        untrusted = skops.io.get_untrusted_types(data=data)
        refused = _refused_types(data)
        if refused:
            raise ModelFileError(
                f"'{self.path}' holds types that are not trusted: "
                f"{', '.join(sorted(refused))}; it was not written by "
                "sklearn_music.save, or holds an estimator that sklearn-music "
                "does not load without pickle"
            )
        return skops.io.loads(data, trusted=untrusted)


def _refused_types(data: bytes) -> list[str]:
    """The types of a :mod:`skops.io` dump that neither skops nor
    :data:`TRUSTED_TYPES` trusts."""
    import skops.io

    untrusted = skops.io.get_untrusted_types(data=data)
    return sorted(t for t in untrusted if t not in TRUSTED_TYPES)


def _generator(state: dict, path: str) -> np.random.Generator:
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if name not in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64"):
        raise ModelFileError(f"'{path}' holds an unknown random generator")
    bit_generator = getattr(np.random, name)()
    bit_generator.state = state
    return np.random.Generator(bit_generator)


def _import_class(name: str) -> type:
    """The class ``name`` if the allow-list admits it (no other import)."""
    allowed = name == "sklearn.pipeline.Pipeline" or (
        name.startswith(TRUSTED_CLASS_MODULES) and "<" not in name
    )
    if not allowed:
        raise ModelFileError(
            f"a model file names the class {name!r}, which is not allowed"
        )
    module_name, _, qualname = name.rpartition(".")
    while module_name:
        try:
            module = importlib.import_module(module_name)
            break
        except ImportError:
            module_name, _, outer = module_name.rpartition(".")
            qualname = f"{outer}.{qualname}"
    else:
        raise ModelFileError(f"a model file names an unknown class {name!r}")
    obj = module
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    if not isinstance(obj, type):
        raise ModelFileError(f"a model file names an unknown class {name!r}")
    return obj


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
            return _Reader(archive, path, device).decode(manifest["root"])
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
