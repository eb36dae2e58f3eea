"""The Accelerated* estimators: skorch's AccelerateMixin on our networks."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from skorch.callbacks import Callback

from sklearn_music.datasets import make_music
from sklearn_music.estimators import (
    AcceleratedCRNNClassifier,
    AcceleratedSampleCNNClassifier,
    CRNNClassifier,
    SampleCNNClassifier,
    load_weights,
)
from sklearn_music.features import MelSpectrogram

accelerate = pytest.importorskip("accelerate")

SMALL = dict(
    param_budget=1e4,
    module__pool_sizes=((2, 2),) * 4,
    batch_size=8,
    lr=0.02,
    max_epochs=3,
    mixup_alpha=0.4,  # runs in train_step, which the mixin does not replace
    random_state=0,
)


@pytest.fixture(scope="module")
def data():
    X, y = make_music(20, n_classes=3, duration=1.0, sr=16000, random_state=0)
    mel = MelSpectrogram(sr=16000, n_fft=512, hop_length=256, n_mels=16)
    return X, mel.fit_transform(X), y


@pytest.fixture
def accelerator():
    """A fresh CPU accelerator; accelerate keeps one process-wide state."""
    from accelerate.state import AcceleratorState

    yield accelerate.Accelerator(cpu=True)
    AcceleratorState._reset_state(reset_partial_state=True)


def assert_same_weights(a, b):
    sa, sb = a.module_.state_dict(), b.module_.state_dict()
    assert sa.keys() == sb.keys()
    for key in sa:
        assert torch.equal(sa[key], sb[key]), key


def test_cpu_accelerator_trains_like_the_plain_estimator(data, accelerator, tmp_path):
    _, S, y = data
    est = AcceleratedCRNNClassifier(accelerator=accelerator, **SMALL).fit(S, y)
    plain = CRNNClassifier(**SMALL).fit(S, y)
    assert est.get_params()["device"] is None
    assert type(est.module_) is type(plain.module_)  # unwrapped after training
    assert_same_weights(est, plain)
    np.testing.assert_array_equal(est.predict(S), plain.predict(S))
    assert est.transform(S[:3]).shape == (3, est.module_.embedding_dim)

    # clones share the accelerator; pickles keep device placement to it
    assert clone(est).accelerator is accelerator
    restored = pickle.loads(pickle.dumps(est))
    assert restored.device is None
    np.testing.assert_array_equal(restored.predict_proba(S), est.predict_proba(S))

    # saved weights load as the plain estimator, no accelerator needed
    est.save_weights(tmp_path / "w.pt")
    loaded = load_weights(tmp_path / "w.pt")
    assert type(loaded) is CRNNClassifier
    np.testing.assert_allclose(loaded.predict_proba(S), est.predict_proba(S))


def test_accelerated_fit_resumes_from_checkpoint(data, accelerator, tmp_path):
    _, S, y = data

    class Interrupt(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                raise RuntimeError("interrupted")

    params = dict(SMALL, accelerator=accelerator, checkpoint_dir=tmp_path)
    with pytest.raises(RuntimeError):
        AcceleratedCRNNClassifier(callbacks=[Interrupt()], **params).fit(S, y)
    resumed = AcceleratedCRNNClassifier(**params).fit(S, y)
    assert len(resumed.history_) == SMALL["max_epochs"]
    assert_same_weights(resumed, CRNNClassifier(**SMALL).fit(S, y))


def test_raw_audio_model(data, accelerator):
    X, _, y = data
    params = dict(
        sr=16000, chunk_size=3**7, module__n_blocks=6, param_budget=2e4,
        max_epochs=1, batch_size=8, random_state=0,
    )  # fmt: skip
    est = AcceleratedSampleCNNClassifier(accelerator=accelerator, **params).fit(X, y)
    assert_same_weights(est, SampleCNNClassifier(**params).fit(X, y))


def test_accelerator_settings_errors(data, accelerator):
    _, S, y = data
    with pytest.raises(ValueError, match="mixed_precision"):
        AcceleratedCRNNClassifier(accelerator=accelerator, amp=True).fit(S, y)
    with pytest.raises(ValueError, match="set device=None"):
        AcceleratedCRNNClassifier(accelerator=accelerator, device="cpu", **SMALL).fit(
            S, y
        )


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_bf16_on_cuda(data):
    from accelerate.state import AcceleratorState

    _, S, y = data
    accelerator = accelerate.Accelerator(mixed_precision="bf16")
    try:
        est = AcceleratedCRNNClassifier(accelerator=accelerator, **SMALL).fit(S, y)
        assert next(est.module_.parameters()).device.type == "cuda"
        assert next(est.module_.parameters()).dtype == torch.float32
        proba = est.predict_proba(S)
        assert np.isfinite(proba).all()
        np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    finally:
        AcceleratorState._reset_state(reset_partial_state=True)


def test_pickle_restores_onto_the_accelerators_device(data, accelerator, monkeypatch):
    """Issue 13.12 on the CPU: on a CUDA machine device=None resolves ("auto")
    to CUDA while a CPU accelerator computes on the CPU. Simulated here by
    making "auto" resolve to the meta device: a restore that followed it would
    put the weights there and fail to predict."""
    from sklearn_music.estimators import _device

    _, S, y = data
    est = AcceleratedCRNNClassifier(accelerator=accelerator, **SMALL).fit(S, y)
    expected = est.predict_proba(S)
    blob = pickle.dumps(est)
    monkeypatch.setattr(_device, "resolve_device", lambda device: "meta")
    restored = pickle.loads(blob)
    assert restored.device is None  # the parameter is kept
    devices = {p.device for p in restored.module_.parameters()}
    assert devices == {torch.device(str(accelerator.device))}
    np.testing.assert_allclose(restored.predict_proba(S), expected, atol=1e-6)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cpu_accelerator_pickle_round_trip_on_a_cuda_machine(data, accelerator):
    _, S, y = data
    est = AcceleratedCRNNClassifier(accelerator=accelerator, **SMALL).fit(S, y)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_allclose(restored.predict_proba(S), est.predict_proba(S))
