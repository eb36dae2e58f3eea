"""``module=``: any torch module whose constructor takes the shape arguments."""

import pickle

import numpy as np
import pytest
import torch

from sklearn_music.estimators import (
    Conv1DClassifier,
    Conv2DTagger,
    CRNNClassifier,
    SampleCNNClassifier,
)
from sklearn_music.models import Conv1DModule, CRNNModule, SampleCNNModule

FAST = dict(
    max_epochs=15,
    lr=0.05,
    batch_size=8,
    train_split=None,
    random_state=0,
    chunk_size=None,  # crops of the shortest clip, so that min_input_length counts
    crops_per_clip=1,
    verbose=0,
)


class UserModule(torch.nn.Module):
    """A user's spectrogram network: time average, a hidden layer, logits."""

    def __init__(self, n_mels, n_outputs, hidden=8):
        super().__init__()
        self.hidden = torch.nn.Linear(n_mels, hidden)
        self.out = torch.nn.Linear(hidden, n_outputs)

    def forward(self, x):
        return self.out(torch.relu(self.hidden(x.mean(dim=-1))))


class UserEmbedModule(UserModule):
    """The same with an embedding and a minimum input length."""

    min_input_length = 4

    def embed(self, x):
        return torch.relu(self.hidden(x.mean(dim=-1)))


class UserWaveModule(torch.nn.Module):
    """A user's waveform network: energy in a few frames, then logits."""

    def __init__(self, n_outputs, frames=4):
        super().__init__()
        self.frames = frames
        self.out = torch.nn.Linear(frames, n_outputs)

    def forward(self, x):
        pooled = torch.nn.functional.adaptive_avg_pool1d(x[:, None] ** 2, self.frames)
        return self.out(pooled[:, 0])


@pytest.fixture(scope="module")
def spectrograms():
    """Short random 'spectrograms' whose first band tells the class."""
    rng = np.random.default_rng(0)
    y = np.repeat(["calm", "loud"], 12)
    S = rng.normal(size=(24, 6, 10)).astype(np.float32)
    S[y == "loud", 0] += 3.0
    return S, y


@pytest.mark.parametrize("cls", [CRNNClassifier, Conv2DTagger, Conv1DClassifier])
def test_user_module_with_every_spectrogram_estimator(cls, spectrograms):
    S, y = spectrograms
    est = cls(module=UserModule, module__hidden=4, **FAST).fit(S, y)
    assert type(est.module_) is UserModule
    assert est.module_.hidden.out_features == 4
    assert est.module_kwargs_ == {"n_mels": 6, "n_outputs": 2, "hidden": 4}
    assert list(est.classes_) == ["calm", "loud"]
    assert est.predict(S[:5]).shape == (5,)
    assert est.predict_proba(S).shape == (24, 2)
    assert est.score(S, y) >= 0.9
    # without embed there is no embedding to return
    with pytest.raises(TypeError, match="UserModule has no embed method"):
        est.transform(S[:2])
    # a model file cannot rebuild it; a pickle can
    with pytest.raises(ValueError, match=r"module=UserModule is not\. Pickle"):
        est.save_weights("unused.pt")
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict_proba(S), est.predict_proba(S))


def test_user_module_multilabel_tags(spectrograms):
    S, y = spectrograms
    tags = [["loud", "drums"] if label == "loud" else ["calm"] for label in y]
    est = Conv2DTagger(module=UserModule, **FAST).fit(S, tags)
    assert est.multilabel_ and list(est.classes_) == ["calm", "drums", "loud"]
    assert est.predict(S[:3]).shape == (3, 3)


def test_user_module_embedding_and_minimum_length(spectrograms):
    S, y = spectrograms
    est = CRNNClassifier(module=UserEmbedModule, **FAST).fit(S, y)
    assert est.transform(S[:3]).shape == (3, 8)
    assert est.transform(S[:3]).dtype == np.float32
    # a clip shorter than the crops is padded to their length (short="pad") ...
    assert est.predict(S[:1, :, :3]).shape == (1,)
    # ... or refused (short="raise")
    est.set_params(short="raise")
    with pytest.raises(ValueError, match=r"Clip 0 of X is 0\.07 s \(3 frames\)"):
        est.predict(S[:1, :, :3])
    # crops shorter than the module's minimum are refused
    with pytest.raises(
        ValueError,
        match=r"UserEmbedModule needs inputs of at least 0\.09 s \(4 frames\)",
    ):
        CRNNClassifier(module=UserEmbedModule, **FAST).fit(S[:, :, :3], y)
    # a module without min_input_length takes clips of any length
    plain = CRNNClassifier(module=UserModule, **FAST).fit(S, y)
    assert plain.predict(S[:2, :, :1]).shape == (2,)


def test_module_instance_is_trained_as_built(spectrograms):
    S, y = spectrograms
    module = UserModule(6, 2, hidden=3)
    est = CRNNClassifier(module=module, **FAST).fit(S, y)
    assert est.module_ is module
    assert est.module_kwargs_ == {}
    # module__* parameters rebuild it from its class, as in skorch
    est = CRNNClassifier(module=module, module__hidden=5, **FAST).fit(S, y)
    assert type(est.module_) is UserModule and est.module_.hidden.out_features == 5


def test_user_waveform_module():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 8)
    X = rng.normal(size=(16, 400)).astype(np.float32)
    X[y == 1] *= 3.0
    est = SampleCNNClassifier(module=UserWaveModule, sr=16000, **FAST).fit(X, y)
    assert est.module_kwargs_ == {"n_outputs": 2}
    assert est.score(X, y) >= 0.9


def test_param_budget_needs_a_registered_architecture(spectrograms):
    S, y = spectrograms
    with pytest.raises(ValueError, match="module=UserModule is not one of them"):
        CRNNClassifier(module=UserModule, param_budget=1e4, **FAST).fit(S, y)
    with pytest.raises(ValueError, match="an instance of CRNNModule is already built"):
        CRNNClassifier(module=CRNNModule(6, 2), param_budget=1e4, **FAST).fit(S, y)
    with pytest.raises(ValueError, match="takes spectrograms, but module=SampleC"):
        CRNNClassifier(module=SampleCNNModule, **FAST).fit(S, y)


def test_another_registered_architecture_gets_its_budget(spectrograms):
    """param_budget sizes the registered module that is passed, whatever the
    estimator's own architecture."""
    S, y = spectrograms
    est = CRNNClassifier(
        module=Conv1DModule,
        module__pool_sizes=(1, 1, 1, 1),
        param_budget=2e4,
        **dict(FAST, max_epochs=1),
    ).fit(S, y)
    assert type(est.module_) is Conv1DModule
    assert abs(est.n_params_ - 2e4) / 2e4 <= 0.02
