"""The neural estimators on Hugging Face accelerate (multi-GPU, mixed precision).

skorch's :class:`~skorch.hf.AccelerateMixin` hands device placement, mixed
precision, gradient accumulation and distributed data parallelism to an
``accelerate.Accelerator``. :class:`AccelerateMusicMixin` adapts it to
:class:`~sklearn_music.estimators.MusicNet`: the accelerator, not
``device``, decides where tensors live; mixed precision is the
accelerator's (``amp`` must stay False); checkpoints and best weights are
taken from the unwrapped module; and ``save_weights`` writes a file that
:func:`~sklearn_music.estimators.load_weights` reads back as the plain
estimator, which needs no accelerator to predict.

accelerate itself is imported only by the user who builds the
``Accelerator``; this module needs skorch only.
"""

from __future__ import annotations

import torch
from sklearn.utils._param_validation import HasMethods, validate_parameter_constraints
from skorch.callbacks import EarlyStopping
from skorch.hf import AccelerateMixin

from ._base import MusicNet
from ._neural import (
    Conv1DClassifier,
    Conv2DTagger,
    CRNNClassifier,
    SampleCNNClassifier,
)

__all__ = [
    "AccelerateMusicMixin",
    "AcceleratedCRNNClassifier",
    "AcceleratedConv1DClassifier",
    "AcceleratedConv2DTagger",
    "AcceleratedSampleCNNClassifier",
]

# parameters that only make sense with an accelerator: not saved by
# save_weights, which rebuilds the plain estimator
_ACCELERATE_PARAMS = ("accelerator", "unwrap_after_train", "callbacks__print_log__sink")
_ACCELERATE_CONSTRAINTS = {
    "accelerator": [HasMethods(["prepare", "unwrap_model"])],
    "unwrap_after_train": ["boolean"],
}


class _UnwrappedEarlyStopping(EarlyStopping):
    """Early stopping that keeps the best weights of the unwrapped module.

    Under distributed data parallelism the module is wrapped while training
    (its state-dict keys gain a ``module.`` prefix) and unwrapped by
    ``AccelerateMixin.on_train_end`` before this callback restores the best
    weights, so the weights must be taken from the unwrapped module.
    """

    def on_epoch_end(self, net, **kwargs):
        wrapped = net.module_
        net.module_ = net._unwrapped_module()
        try:
            super().on_epoch_end(net, **kwargs)
        finally:
            net.module_ = wrapped


class AccelerateMusicMixin(AccelerateMixin):
    """Mix into a neural estimator to train it with ``accelerate``.

    Put it first among the bases, e.g.
    ``class MyNet(AccelerateMusicMixin, CRNNClassifier)``; the estimator
    then takes an ``accelerator`` argument (an ``accelerate.Accelerator``)
    and ``device`` must stay None. The ready-made classes
    :class:`AcceleratedCRNNClassifier`, :class:`AcceleratedConv2DTagger`,
    :class:`AcceleratedConv1DClassifier` and
    :class:`AcceleratedSampleCNNClassifier` are built this way.

    See Also
    --------
    skorch.hf.AccelerateMixin : The skorch mixin this adapts.
    """

    _unsaved_params = (*MusicNet._unsaved_params, *_ACCELERATE_PARAMS)

    def _check_params(self):
        super()._check_params()
        validate_parameter_constraints(
            _ACCELERATE_CONSTRAINTS,
            self.get_params(deep=False),
            caller_name=type(self).__name__,
        )
        if self.amp:
            raise ValueError(
                "amp=True is the plain estimators' bfloat16 autocast; with an "
                "accelerator, choose mixed precision there instead, e.g. "
                "Accelerator(mixed_precision='bf16'), and keep amp=False."
            )

    def _compute_device(self) -> torch.device:
        # the accelerator places module and batches; `device` stays None
        return torch.device(self.accelerator.device)

    def _unwrapped_module(self) -> torch.nn.Module:
        # keep_fp32_wrapper=False would strip mixed precision from the module
        # in place, in the middle of training; the state dict is the same
        return self.accelerator.unwrap_model(self.module_)

    def _is_main_process(self) -> bool:
        return bool(self.accelerator.is_main_process)

    def __getstate__(self):
        # torch's LR schedulers (e.g. the default warm-up + cosine) wrap
        # ``optimizer.step`` on the optimizer instance, only to warn when the
        # scheduler steps first. torch's own optimizers leave that wrapper
        # out of their pickles; accelerate's AcceleratedOptimizer does not,
        # and the wrapper cannot be pickled. Drop it: the scheduler's
        # callback wraps the step again when training starts again.
        optimizer = self.__dict__.get("optimizer_")
        if optimizer is not None:
            vars(optimizer).pop("step", None)
        return super().__getstate__()

    def __setstate__(self, state):
        # the accelerator, not `device`, decides where tensors live: load the
        # module onto the accelerator's device. Resolving device=None as
        # "auto" would put it on CUDA under an accelerator computing on the
        # CPU, and the first prediction would mix devices.
        target = _accelerator_device(state.get("accelerator"))
        super().__setstate__({**state, "device": target})
        self.device = state.get("device")

    def get_default_callbacks(self):
        callbacks = []
        for name, callback in super().get_default_callbacks():
            if type(callback) is EarlyStopping:
                callback = _UnwrappedEarlyStopping(**callback.get_params())
            callbacks.append((name, callback))
        return callbacks


def _accelerator_device(accelerator) -> str:
    """The device an (unpickled) accelerator computes on; "cpu" if unknown."""
    device = getattr(accelerator, "device", None)
    return "cpu" if device is None else str(device)


_ACCELERATOR_DOC = """\
    accelerator : accelerate.Accelerator
        Decides the device (one GPU per process under ``accelerate launch``),
        mixed precision (``mixed_precision="bf16"`` or ``"fp16"``) and
        gradient accumulation. ``Accelerator(cpu=True)`` trains on the CPU.
    device : None, default=None
        Must stay None: the accelerator places the module and the batches.
    unwrap_after_train : bool, default=True
        Remove the accelerator's wrappers (distributed data parallel, mixed
        precision) from the module after training, so the estimator pickles
        and predicts in float32. Set False to keep training it with
        ``partial_fit`` under the same wrappers.
    **kwargs
        Every parameter of :class:`~sklearn_music.estimators.{base}`, except
        ``amp`` (use the accelerator's ``mixed_precision``).
"""


def _accelerated_doc(base) -> str:
    name = base.__name__
    return f"""{name} trained through Hugging Face ``accelerate``.

    The same estimator as :class:`~sklearn_music.estimators.{name}`, with
    training handed to an ``accelerate.Accelerator`` (skorch's
    :class:`~skorch.hf.AccelerateMixin`): multi-GPU data parallelism when
    the script is started with ``accelerate launch``, mixed precision, and
    gradient accumulation. Predictions, ``transform``, checkpoints
    (``checkpoint_dir``) and ``save_weights`` work as for the plain
    estimator; a file written by ``save_weights`` loads, with
    :func:`~sklearn_music.estimators.load_weights`, as a plain
    :class:`~sklearn_music.estimators.{name}`.

    Parameters
    ----------
{_ACCELERATOR_DOC.format(base=name)}
    Attributes
    ----------
    classes_, multilabel_, n_features_in_, chunk_size_, n_params_, module_, \
history_, checkpoint_dir_
        As for :class:`~sklearn_music.estimators.{name}`.

    See Also
    --------
    {name} : The estimator without accelerate.
    AccelerateMusicMixin : Adds accelerate to any neural estimator.

    Notes
    -----
    Install accelerate with ``pip install sklearn-music[accelerate]``. The
    random streams of a run are reproducible on one process; with several
    processes every process sees a different shard of each epoch.

    Examples
    --------
    >>> from accelerate import Accelerator  # doctest: +SKIP
    >>> from sklearn_music.estimators import Accelerated{name}  # doctest: +SKIP
    >>> est = Accelerated{name}(  # doctest: +SKIP
    ...     accelerator=Accelerator(mixed_precision="bf16"), max_epochs=30
    ... )
"""


class AcceleratedCRNNClassifier(AccelerateMusicMixin, CRNNClassifier):
    __doc__ = _accelerated_doc(CRNNClassifier)


class AcceleratedConv2DTagger(AccelerateMusicMixin, Conv2DTagger):
    __doc__ = _accelerated_doc(Conv2DTagger)


class AcceleratedConv1DClassifier(AccelerateMusicMixin, Conv1DClassifier):
    __doc__ = _accelerated_doc(Conv1DClassifier)


class AcceleratedSampleCNNClassifier(AccelerateMusicMixin, SampleCNNClassifier):
    __doc__ = _accelerated_doc(SampleCNNClassifier)
