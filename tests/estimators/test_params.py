"""Parameters of the neural estimators: constraints, devices, the registry."""

import pickle
import re

import numpy as np
import pytest
import torch
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback

from sklearn_music.estimators import (
    Conv1DClassifier,
    Conv2DTagger,
    CRNNClassifier,
    MusicNet,
    SampleCNNClassifier,
    estimator_class,
)
from sklearn_music.models import ARCHITECTURES

NEURAL = [CRNNClassifier, Conv2DTagger, Conv1DClassifier, SampleCNNClassifier]
# a CRNN that trains in a blink on 16-frame clips
TINY = dict(
    module__pool_sizes=((2, 2),) * 4,
    module__conv_widths=(4, 4, 4, 4),
    module__gru_widths=(4,),
    max_epochs=2,
    batch_size=8,
    train_split=None,
    random_state=0,
)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(12, 16, 16)).astype(np.float32), np.repeat([0, 1], 6)


@pytest.mark.parametrize("cls", NEURAL)
def test_every_parameter_has_a_constraint(cls):
    params = set(cls().get_params(deep=False))
    # skorch's bookkeeping and prefixed values (module__*, ...) aside
    params = {p for p in params if not p.startswith("_") and "__" not in p}
    assert params == set(cls._parameter_constraints)


BAD = [
    ("lr", 0),
    ("lr", "fast"),
    ("max_epochs", 0),
    ("batch_size", 2.5),
    ("train_split", 1.0),
    ("train_split", 1),
    ("callbacks", 3),
    ("device", "tpu"),
    ("device", "auto:1"),
    ("param_budget", -3),
    ("chunk_size", 0),
    ("max_chunks", 1.5),
    ("threshold", 1.0),
    ("patience", 0),
    ("lr_schedule", "step"),
    ("spec_augment", "yes"),
    ("mixup_alpha", -0.1),
    ("amp", 1),
    ("checkpoint_dir", 3),
    ("random_state", "seed"),
    ("verbose", -1),
    ("module", 3),
    ("criterion", "mse"),
    ("optimizer", "adam"),
    ("warm_start", None),
]


@pytest.mark.parametrize("name, value", BAD)
def test_bad_parameters_are_named_with_their_value(name, value, data):
    S, y = data
    est = CRNNClassifier(**TINY).set_params(**{name: value})
    got = re.escape(repr(value))
    message = rf"The '{name}' parameter of CRNNClassifier must be .* Got {got} instead"
    with pytest.raises(InvalidParameterError, match=message):
        est.fit(S, y)
    assert issubclass(InvalidParameterError, ValueError)


def test_partial_fit_validates_too(data):
    S, y = data
    est = CRNNClassifier(**TINY).fit(S, y)
    with pytest.raises(ValueError, match="'mixup_alpha' parameter"):
        est.set_params(mixup_alpha=-1).partial_fit(S, y)


@pytest.mark.parametrize(
    "name, value", [("sr", 0), ("sr", 22050.5), ("pcm_scale", "int16")]
)
def test_bad_waveform_parameters(name, value):
    X = np.random.default_rng(0).normal(size=(4, 3**7)).astype(np.float32)
    est = SampleCNNClassifier(**{name: value})
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of Sample"):
        est.fit(X, [0, 1, 0, 1])


@pytest.mark.parametrize(
    "device", ["cpu", "cuda", "cuda:1", "mps", "auto", None, torch.device("cpu")]
)
def test_device_names(device):
    CRNNClassifier(device=device)._check_params()  # no error


class RecordDevice(Callback):
    """Records the device parameter while the network trains."""

    def initialize(self):
        self.seen_ = set()
        return self

    def on_batch_end(self, net, **kwargs):
        self.seen_.add(net.device)


@pytest.mark.parametrize("device", ["auto", None])
def test_auto_device_is_never_swapped(device, data):
    S, y = data
    recorder = RecordDevice()
    est = CRNNClassifier(device=device, callbacks=[recorder], **TINY).fit(S, y)
    assert dict(est.callbacks_)["RecordDevice"].seen_ == {device}
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert next(est.module_.parameters()).device.type == expected
    assert est.device == device
    proba = est.predict_proba(S)
    assert est.device == device
    restored = pickle.loads(pickle.dumps(est))
    assert restored.device == device
    np.testing.assert_array_equal(restored.predict_proba(S), proba)


@pytest.mark.parametrize("key", sorted(ARCHITECTURES))
def test_estimators_follow_the_registry(key):
    spec = ARCHITECTURES[key]
    cls = estimator_class(key)
    assert issubclass(cls, MusicNet) and cls._architecture == key
    est = cls()
    assert est.module is spec.module  # the default module
    assert est._unit == spec.unit
    est.classes_, est.n_features_in_ = np.array([0, 1, 2]), 5
    assert tuple(est._module_shape_kwargs()) == spec.shape_args


def test_estimator_class_errors():
    with pytest.raises(ValueError, match="unknown architecture 'resnet'"):
        estimator_class("resnet")
