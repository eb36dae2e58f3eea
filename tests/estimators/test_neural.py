"""The neural estimators: learning, multi-label, lengths, persistence, errors."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline

from sklearn_music.datasets import make_music
from sklearn_music.estimators import (
    Conv1DClassifier,
    Conv2DTagger,
    CRNNClassifier,
    SampleCNNClassifier,
    load_weights,
)
from sklearn_music.features import MelSpectrogram

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")

# Small, fast settings: 40 mel bands, one crop per clip and epoch (the
# default of 4 crops quadruples the time of an epoch).
MEL = dict(sr=16000, n_fft=512, hop_length=256, n_mels=40)
ONE_CROP = dict(crops_per_clip=1, verbose=0)
TINY = {
    CRNNClassifier: dict(param_budget=2e4, **ONE_CROP),
    Conv2DTagger: dict(param_budget=2e4, module__pool_sizes=((2, 2),) * 5, **ONE_CROP),
    Conv1DClassifier: dict(
        param_budget=2e4, module__pool_sizes=(2, 2, 2, 2), **ONE_CROP
    ),
}
# A CRNN whose crops are the shortest training clip (chunk_size=None), for
# tests with short clips.
SHORT_CRNN = dict(
    param_budget=2e4, module__pool_sizes=((2, 2),) * 4, chunk_size=None, **ONE_CROP
)


@pytest.fixture(scope="module")
def music():
    """Four generated styles, 2 s clips, and their mel spectrograms."""
    X, y = make_music(64, n_classes=4, duration=2.0, sr=16000, random_state=0)
    S = MelSpectrogram(**MEL).fit_transform(X)
    return X, y, S


@pytest.mark.parametrize("cls", list(TINY))
def test_spectrogram_estimators_learn(cls, music):
    _, y, S = music
    # a capability check of tiny networks in 20 epochs: without the default
    # SpecAugment, which regularises and so slows such short runs, and all 20
    # epochs (early stopping on the accuracy of 10 validation clips, which
    # ties often, stopped the CRNN at 0.5)
    est = cls(
        max_epochs=20, lr=3e-3, batch_size=8, random_state=0, spec_augment=False,
        patience=None, **TINY[cls],
    )  # fmt: skip
    est.fit(S[:48], y[:48])
    accuracy = est.score(S[48:], y[48:])
    assert accuracy >= 0.6, accuracy  # chance is 0.25
    assert est.predict(S[:2]).dtype == y.dtype
    proba = est.predict_proba(S[48:])
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    emb = est.transform(S[:5])
    assert emb.shape == (5, est.module_.embedding_dim)


def test_samplecnn_learns_from_waveforms(music):
    X, y, _ = music
    est = SampleCNNClassifier(
        sr=16000, chunk_size=3**8, module__n_blocks=7, param_budget=1e5,
        max_epochs=15, batch_size=8, patience=None, random_state=0, **ONE_CROP,
    )  # fmt: skip
    est.fit(X[:48], y[:48])
    assert est.score(X[48:], y[48:]) >= 0.5  # chance is 0.25
    assert est.transform(list(X[:2])).shape[0] == 2


def test_multilabel_tags():
    Xm, Y, names = make_music(
        48, multilabel=True, n_tags=4, duration=2.0, sr=16000, random_state=1,
        return_names=True,
    )  # fmt: skip
    S = MelSpectrogram(**MEL).fit_transform(Xm)
    tag_lists = [[names[j] for j in np.flatnonzero(row)] for row in Y]
    est = CRNNClassifier(
        param_budget=2e4, max_epochs=8, lr=3e-3, random_state=0, **ONE_CROP
    )
    est.fit(S, tag_lists)
    assert est.multilabel_ and list(est.classes_) == sorted(names)
    proba = est.predict_proba(S[:6])
    assert proba.shape == (6, 4) and ((proba >= 0) & (proba <= 1)).all()
    pred = est.predict(S[:6])
    assert pred.shape == (6, 4) and set(np.unique(pred)) <= {0, 1}
    # an indicator matrix works too; classes_ are then column indices
    est2 = clone(est).set_params(max_epochs=1).fit(S, Y)
    assert list(est2.classes_) == [0, 1, 2, 3]
    # a pandas Series of tag lists (a loader's df["tags"]) is tag lists too
    series = pd.Series(tag_lists)
    est3 = clone(est).set_params(max_epochs=1).fit(S, series)
    assert list(est3.classes_) == sorted(names)
    est3.partial_fit(S[:8], series[:8])


def test_padding_never_counts_as_music(music):
    _, y, S = music
    est = CRNNClassifier(max_epochs=2, random_state=0, **SHORT_CRNN)
    est.fit(S[:32], y[:32])
    short = S[40, :, :30]
    ragged = [S[41], short]  # padded with NaN to S[41]'s length
    both = est.predict_proba(ragged)
    alone = est.predict_proba(short[np.newaxis])
    np.testing.assert_allclose(both[1], alone[0], rtol=1e-5, atol=1e-6)
    # training on ragged clips crops only valid frames (chunk = shortest clip)
    S_ragged = S[:16].copy()
    S_ragged[::2, :, 40:] = np.nan
    est2 = CRNNClassifier(max_epochs=1, random_state=0, **SHORT_CRNN)
    est2.fit(S_ragged, y[:16])
    assert est2.chunk_size_ == 40


def test_reproducible_and_persistent(music, tmp_path):
    _, y, S = music
    params = dict(param_budget=2e4, max_epochs=2, random_state=3)
    a = CRNNClassifier(**params).fit(S[:32], y[:32])
    b = CRNNClassifier(**params).fit(S[:32], y[:32])
    np.testing.assert_array_equal(a.predict_proba(S[32:]), b.predict_proba(S[32:]))
    restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(
        restored.predict_proba(S[32:]), a.predict_proba(S[32:])
    )
    path = tmp_path / "crnn.pt"
    a.save_weights(path)
    raw = torch.load(path, weights_only=True)  # no pickled code needed
    assert raw["estimator"] == "CRNNClassifier"
    loaded = load_weights(path)
    np.testing.assert_allclose(
        loaded.predict_proba(S[32:]), a.predict_proba(S[32:]), rtol=1e-6
    )
    assert list(loaded.classes_) == list(a.classes_)


def test_param_budget_and_module_overrides(music):
    _, y, S = music
    est = CRNNClassifier(param_budget=7e4, max_epochs=1, random_state=0)
    est.fit(S[:16], y[:16])
    assert abs(est.n_params_ - 7e4) / 7e4 <= 0.02
    custom = CRNNClassifier(
        module__gru_widths=(8, 8), max_epochs=1, random_state=0
    ).fit(S[:16], y[:16])
    assert custom.module_.embedding_dim == 8
    assert custom.get_params()["module__gru_widths"] == (8, 8)


def test_pipeline_grid_search_and_cross_validation(music):
    X, y, _ = music
    pipe = Pipeline(
        [
            ("mel", MelSpectrogram(**MEL)),
            (
                "clf",
                CRNNClassifier(
                    max_epochs=1,
                    random_state=0,
                    train_split=None,
                    **ONE_CROP,
                    module__pool_sizes=((2, 2),) * 4,
                ),
            ),
        ]
    )
    grid = GridSearchCV(
        pipe,
        {"clf__param_budget": [1e4, 2e4], "mel__n_mels": [32, 40]},
        cv=2,
    )
    grid.fit(X[:24], y[:24])
    assert set(grid.cv_results_["param_clf__param_budget"]) == {1e4, 2e4}
    scores = cross_val_score(clone(pipe), X[:24], y[:24], cv=2)
    assert scores.shape == (2,)
    # ragged clips and file-like inputs travel through the pipeline
    pipe.fit([x[: 16000 + 2000 * (i % 3)] for i, x in enumerate(X[:12])], y[:12])
    assert pipe.predict([X[0][:20000]]).shape == (1,)


@pytest.mark.parametrize("monitor", ["loss", "metric"])
def test_early_stopping_restores_best(music, monitor):
    _, y, S = music
    # the plateau schedule does not depend on max_epochs (warmup_cosine does)
    kw = dict(
        param_budget=2e4, lr=0.05, random_state=0, monitor=monitor,
        lr_schedule="plateau", **ONE_CROP,
    )  # fmt: skip
    est = CRNNClassifier(max_epochs=30, patience=2, **kw).fit(S[:32], y[:32])
    if monitor == "loss":
        best = int(np.argmin(np.asarray(est.history_[:, "valid_loss"])))
    else:  # the first epoch of the highest validation accuracy
        best = int(np.argmax(np.asarray(est.history_[:, "valid_acc"])))
    # training stopped `patience` epochs after the best one ...
    assert len(est.history_) == best + 1 + 2
    # ... and the weights are those of the best epoch, not of the last
    ref = CRNNClassifier(max_epochs=best + 1, patience=None, **kw).fit(S[:32], y[:32])
    np.testing.assert_allclose(
        est.predict_proba(S[32:]), ref.predict_proba(S[32:]), rtol=1e-5, atol=1e-6
    )


def test_augmentation_options_train(music):
    _, y, S = music
    base = dict(param_budget=2e4, max_epochs=2, random_state=0, **ONE_CROP)
    plain = CRNNClassifier(spec_augment=False, **base)
    plain = plain.fit(S[:16], y[:16]).predict_proba(S[16:20])
    masked = CRNNClassifier(spec_augment=True, **base).fit(S[:16], y[:16])
    mixed = CRNNClassifier(mixup_alpha=0.4, lr_schedule="cosine", **base)
    mixed.fit(S[:16], y[:16])
    assert not np.allclose(plain, masked.predict_proba(S[16:20]))
    assert np.isfinite(mixed.predict_proba(S[16:20])).all()


@pytest.mark.parametrize(
    "make_X, match",
    [
        (lambda S: S[:, :, :, None], "expects spectrograms of shape"),
        (lambda S: S[0, 0], "got an array of shape"),
        (lambda S: np.where(np.arange(S.shape[2]) == 5, np.nan, S), "NaN inside clip"),
        (lambda S: S * np.inf, "infinity"),
    ],
)
def test_bad_input(make_X, match, music):
    _, y, S = music
    with pytest.raises(ValueError, match=match):
        CRNNClassifier(max_epochs=1).fit(make_X(S[:8]), y[:8])


def test_errors_after_fit(music):
    _, y, S = music
    est = CRNNClassifier(param_budget=2e4, max_epochs=1, random_state=0)
    with pytest.raises(ValueError, match="at least 2 classes"):
        clone(est).fit(S[:4], ["rock"] * 4)
    est.fit(S[:16], y[:16])
    with pytest.raises(ValueError, match="expecting 40 features"):
        est.predict(S[:2, :32])
    with pytest.raises(ValueError, match="labels not seen in fit"):
        est.score(S[:2], ["polka", "rock"])
    assert est.predict(S[:1, :, :3]).shape == (1,)  # short="pad"
    with pytest.raises(ValueError, match=r"Clip 0 of X is 0\.07 s \(3 frames\)"):
        clone(est).set_params(short="raise").fit(S[:8, :, :3], y[:8])
    est.set_params(short="raise")
    with pytest.raises(ValueError, match=r"shorter than the 2\.97 s \(128 frames\)"):
        est.predict(S[:1, :, :3])
    with pytest.raises(ValueError, match=r"at least 2\.23 s \(96 frames\)"):
        clone(est).set_params(module__pooling="fixed", chunk_size=50).fit(S[:8], y[:8])
    with pytest.raises(ValueError, match="cannot be combined with module__gru"):
        clone(est).set_params(module__gru_widths=(4, 4)).fit(S[:8], y[:8])
    with pytest.raises(ValueError, match="param_budget"):
        CRNNClassifier(param_budget=-3).fit(S[:4], y[:4])


def test_cuda_request_without_gpu(music):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available")
    _, y, S = music
    with pytest.raises(ValueError, match="CUDA is not available"):
        CRNNClassifier(device="cuda", max_epochs=1).fit(S[:8], y[:8])
    auto = CRNNClassifier(device="auto", param_budget=2e4, max_epochs=1)
    assert auto.fit(S[:8], y[:8]).get_params()["device"] == "auto"


@cuda
@pytest.mark.gpu
def test_cuda_training_and_cpu_reload(music, tmp_path):
    _, y, S = music
    est = CRNNClassifier(
        device="cuda", amp=True, param_budget=2e4, max_epochs=2, random_state=0
    ).fit(S[:32], y[:32])
    path = tmp_path / "gpu.pt"
    est.save_weights(path)
    cpu = load_weights(path, device="cpu")
    np.testing.assert_allclose(
        cpu.predict_proba(S[32:]), est.predict_proba(S[32:]), atol=2e-2
    )


def test_pickle_from_a_cuda_machine_loads_on_cpu(music):
    """A pickle whose estimator says device="cuda" (as one saved on a GPU
    machine) loads here with a warning and predicts on the CPU."""
    if torch.cuda.is_available():
        pytest.skip("needs a machine without CUDA")
    _, y, S = music
    est = CRNNClassifier(param_budget=2e4, max_epochs=1, random_state=0)
    est.fit(S[:16], y[:16])
    expected = est.predict_proba(S[16:24])
    est.device = "cuda"  # what the estimator holds when trained on a GPU
    with pytest.warns(UserWarning, match="CUDA"):
        restored = pickle.loads(pickle.dumps(est))
    assert restored.device == "cpu"
    np.testing.assert_allclose(restored.predict_proba(S[16:24]), expected, rtol=1e-6)
