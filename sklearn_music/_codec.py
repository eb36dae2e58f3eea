"""Encoding and decoding of the object tree of a model file (see
:mod:`sklearn_music._serialize`): JSON for parameters and plain values,
references to safetensors members for arrays and tensors, :mod:`skops.io`
members for other libraries' estimators, and classes from an allow-list only.
"""

from __future__ import annotations

import importlib
import os
import warnings
import zipfile

import numpy as np

__all__ = [
    "TRUSTED_CLASS_MODULES",
    "TRUSTED_TYPES",
    "ModelFileError",
    "Reader",
    "UnsafeValueError",
    "Writer",
]

_ARRAYS = "arrays.safetensors"
_TENSORS = "tensors.safetensors"

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


class Writer:
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

        fitted = hasattr(est, "classes_") or hasattr(est, "y_mean_")  # regressors
        if isinstance(est, MusicNet) and not fitted:
            # unfitted: its parameters are all there is
            params = {
                key: self.encode(value, f"{where}.{key}")
                for key, value in est.get_params(deep=False).items()
                if not key.startswith("_")
            }
            return {"__params__": _class_name(type(est), where), "params": params}
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

    def _targets(self, net, where: str) -> dict:
        """The classes of a classifier, the target scaling of a regressor."""
        from .estimators._persistence import target_state

        if not hasattr(net, "classes_"):
            return target_state(net)
        return {
            "classes": self.encode(np.asarray(net.classes_), f"{where}.classes_"),
            "multilabel": bool(net.multilabel_),
        }

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
            **self._targets(net, where),
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


# ----------------------------------------------------------------------
# reading


class Reader:
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
        if "__params__" in value:
            cls = _import_class(value["__params__"])
            params = {k: self.decode(v) for k, v in value["params"].items()}
            if self.device is not None and "device" in params:
                params["device"] = self.device
            return cls(**params)
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
        if "regression" in data:
            from .estimators._persistence import restore_targets

            restore_targets(est, data)
        else:
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
