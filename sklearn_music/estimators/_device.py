"""``device="auto"`` for skorch networks, without ever changing the parameter.

skorch moves what it builds, and every batch, to ``net.device``, and maps
unpickled tensors there; it has no notion of "auto". :class:`AutoDeviceMixin`
resolves the parameter where a device is needed (:meth:`_compute_device`)
and overrides the skorch steps that read ``net.device`` so that they use the
resolved device instead; ``device`` itself keeps the value the user gave,
through ``fit``, ``predict`` and pickling.
"""

from __future__ import annotations

from contextlib import contextmanager

import torch
from sklearn.utils._param_validation import StrOptions

from ..utils import resolve_device

__all__ = ["AutoDeviceMixin", "DeviceNames"]


class DeviceNames(StrOptions):
    """Parameter constraint: a torch device name, ``"auto"``, or ``"cpu"``,
    ``"cuda"``, ``"mps"`` with an optional index (``"cuda:1"``)."""

    def __init__(self):
        super().__init__({"auto", "cpu", "cuda", "mps"})

    def is_satisfied_by(self, val):
        if not isinstance(val, str):
            return False
        name, colon, index = val.partition(":")
        if not colon:
            return name in self.options
        return name in self.options - {"auto"} and index.isdigit()

    def __str__(self):
        return "a device name among {'cpu', 'cuda', 'cuda:N', 'mps', 'auto'}"


class AutoDeviceMixin:
    """Run a skorch ``NeuralNet`` on ``device`` with "auto" resolved.

    Put it before ``NeuralNet`` among the bases. ``device=None`` means
    "auto" too (skorch would leave everything where it was created).
    :meth:`infer` moves batches to the resolved device; estimators that
    place batches some other way override :meth:`_compute_device`.
    """

    def _compute_device(self) -> torch.device:
        """The device that training and prediction run on: ``device`` with
        "auto" (and None) resolved; the parameter itself is never changed.

        Raises a ``ValueError`` when CUDA is requested but not available.
        """
        device = self.device
        return torch.device(resolve_device("auto" if device is None else device))

    # skorch moves the modules and criteria it builds to ``self.device``;
    # these place them on the resolved device instead
    def _initialize_module(self, reason=None):
        return self._initialize_placed("module", self.initialize_module, reason)

    def _initialize_criterion(self, reason=None):
        return self._initialize_placed("criterion", self.initialize_criterion, reason)

    def _initialize_placed(self, kind: str, initialize, reason):
        """Build the modules (or criteria) with ``initialize`` and move them
        to the resolved device, as skorch's ``_initialize_<kind>`` does."""

        def names():  # initialize() may register more modules or criteria
            return self._modules if kind == "module" else self._criteria

        with self._current_init_context(kind):
            if self.initialized_ and self.verbose:
                params = {}
                for name in names():
                    params.update(self.get_params_for(name))
                print(reason or self._format_reinit_msg(kind, params))
            initialize()
            device = self._compute_device()
            for name in names():
                part = getattr(self, name + "_")
                if isinstance(part, torch.nn.Module):
                    part = self.torch_compile(part.to(device), name=name)
                    setattr(self, name + "_", part)
        return self

    @contextmanager
    def _seeded(self, seed: int):
        """Seed torch (and the CUDA device in use) with ``seed`` inside,
        leaving the global generators as they were outside."""
        device = self._compute_device()
        devices = []
        if torch.cuda.is_available() and device.type == "cuda":
            devices = [device.index or 0]
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            yield

    def __setstate__(self, state):
        requested = state.get("device")
        if requested not in (None, "auto"):
            super().__setstate__(state)
            return
        # skorch loads the tensors onto `device`; None and "auto" name none,
        # so load them where "auto" points on this machine, and then set the
        # parameter back to what was pickled
        super().__setstate__({**state, "device": resolve_device("auto")})
        self.device = requested

    def _check_device(self, requested_device, map_device):
        # skorch falls back to torch.device("cpu") when a pickle from a GPU
        # machine meets one without CUDA; keep the parameter a string
        return str(super()._check_device(requested_device, map_device))
