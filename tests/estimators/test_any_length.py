"""Clips of any length: default settings on 5 s and 10 s clips, the short-clip
policy (pad, repeat, skip, raise), short-chunk training and the recipe."""

import numpy as np
import pytest
import torch

from sklearn_music.datasets import make_music
from sklearn_music.estimators import (
    Conv1DClassifier,
    Conv2DTagger,
    CRNNClassifier,
    SampleCNNClassifier,
    ShortChunkCNNClassifier,
)
from sklearn_music.estimators._data import ChunkDataset, chunk_plan, fit_short_clips
from sklearn_music.estimators._recipe import WarmupCosine
from sklearn_music.features import MelSpectrogram

SR = 22050


@pytest.fixture(scope="module")
def five_and_ten_seconds():
    """Mel spectrograms (the default front-end) of 5 s and 10 s clips, in one
    NaN-padded batch, with two classes."""
    X5, y5 = make_music(4, n_classes=2, duration=5.0, random_state=0)
    X10, y10 = make_music(4, n_classes=2, duration=10.0, random_state=1)
    clips = [*X5, *X10]
    y = np.concatenate([y5, y10])
    return MelSpectrogram().fit_transform(clips), y


@pytest.mark.parametrize(
    "cls", [Conv2DTagger, Conv1DClassifier, CRNNClassifier, ShortChunkCNNClassifier]
)
def test_default_estimators_fit_and_predict_5_and_10_s_clips(cls, five_and_ten_seconds):
    """Default architecture, pooling, crop length and policy; one epoch and
    no validation split only to keep the test fast."""
    S, y = five_and_ten_seconds
    assert S.shape[2] == 431  # 10 s; the 5 s clips end in NaN padding
    est = cls(max_epochs=1, train_split=None, random_state=0, verbose=0)
    est.fit(S, y)
    assert est.chunk_size_ == 128 and est.chunk_size_ < 216  # 5 s = 216 frames
    proba = est.predict_proba(S)
    assert proba.shape == (8, 2) and np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert set(est.predict(S[:4])) <= set(y)
    assert est.transform(S[4:]).shape[0] == 4


def test_minimum_length_is_in_every_docstring():
    for cls in (
        Conv2DTagger,
        Conv1DClassifier,
        CRNNClassifier,
        ShortChunkCNNClassifier,
    ):
        assert "Minimum input length at the defaults: 128 frames, 2.97 s" in cls.__doc__
    assert "59,049 samples, 2.68 s" in SampleCNNClassifier.__doc__


# --- the short-clip policy -------------------------------------------------


def _tiny(**kwargs):
    params = dict(
        module__widths=(4, 4),
        module__dense_width=4,
        chunk_size=32,
        max_epochs=2,
        train_split=None,
        random_state=0,
        verbose=0,
    )
    return ShortChunkCNNClassifier(**{**params, **kwargs})


@pytest.fixture(scope="module")
def one_shots():
    """Real-world shape of a folder of one-shot samples: NaN-padded
    spectrograms, clips 0 and 3 shorter than 32 frames."""
    rng = np.random.default_rng(0)
    lengths = [10, 40, 50, 20, 45, 60, 35, 50]
    S = np.full((8, 6, 60), np.nan, np.float32)
    for i, n in enumerate(lengths):
        S[i, :, :n] = rng.standard_normal((6, n)) - 80 + 5 * (i % 2)
    return S, np.array(["a", "b"] * 4), lengths


def test_short_pad_is_the_default_and_works_everywhere(one_shots):
    S, y, _ = one_shots
    est = _tiny().fit(S, y)
    assert est.short == "pad"
    assert est.predict(S).shape == (8,)
    assert est.predict_proba(S[:1]).shape == (1, 2)  # a short clip alone
    assert est.transform(S).shape == (8, 4)


def test_pad_and_repeat_extend_short_clips():
    clip = np.array([[1.0, 2.0, 3.0]], np.float32)
    long = np.zeros((1, 6), np.float32)
    out, lengths = fit_short_clips([clip, long], np.array([3, 6]), 5, "pad", np.min)
    np.testing.assert_array_equal(out[0], [[1, 2, 3, 1, 1]])
    assert out[1] is long and list(lengths) == [5, 6]
    out, _ = fit_short_clips([clip], np.array([3]), 7, "repeat", np.min)
    np.testing.assert_array_equal(out[0], [[1, 2, 3, 1, 2, 3, 1]])


def test_short_raise_names_the_clip_and_lengths_in_seconds(one_shots):
    S, y, _ = one_shots
    with pytest.raises(ValueError) as info:
        _tiny(short="raise").fit(S, y)
    message = str(info.value)
    assert "Clip 0 of X is 0.23 s (10 frames) long" in message
    assert "shorter than the 0.74 s (32 frames)" in message
    assert "2 of 8 clips are that short" in message
    fitted = _tiny().fit(S, y)
    fitted.set_params(short="raise")
    with pytest.raises(ValueError, match=r"Clip 2 of X is 0\.46 s"):
        fitted.predict(S[1:])  # clip 2 of this X is the 20-frame one


def test_short_raise_names_the_file_for_waveform_estimators(tmp_path):
    import soundfile

    paths = []
    for i, seconds in enumerate([0.2, 0.5, 0.5]):
        path = tmp_path / f"clip{i}.wav"
        soundfile.write(path, np.sin(np.arange(int(seconds * SR)) / 7.0) * 0.3, SR)
        paths.append(str(path))
    est = SampleCNNClassifier(
        chunk_size=8000,
        short="raise",
        module__n_blocks=2,
        module__widths=(2, 2),
        module__stem_width=2,
        module__head_width=2,
        max_epochs=1,
        train_split=None,
        verbose=0,
    )
    with pytest.raises(ValueError, match=r"Clip 0 of X \('.*clip0\.wav'\) is 0\.20 s"):
        est.fit(paths, ["a", "b", "a"])


def test_short_skip_leaves_clips_out_of_fit_with_their_labels(one_shots):
    S, y, _ = one_shots
    y = y.astype(object)
    y[[0, 3]] = "only-short"  # a class that only short clips have
    with pytest.warns(UserWarning, match=r"skips 2 of 8 clips .*Clip 0 of X, Clip 3"):
        est = _tiny(short="skip").fit(S, y)
    assert list(est.classes_) == ["a", "b"]  # y stayed aligned with X
    with pytest.warns(UserWarning, match="one row per clip"):
        assert est.predict(S).shape == (8,)
    with pytest.raises(ValueError, match="leaves no clip to fit"):
        _tiny(short="skip").fit(S[[0, 3]], ["a", "b"])


# --- short-chunk training and prediction ---------------------------------


def test_crops_per_clip_and_validation_chunks():
    clips = [np.zeros((2, n), np.float32) for n in (40, 100)]
    train = ChunkDataset(clips, np.array([0, 1]), chunk=20, random=True, crops=3)
    assert len(train) == 6
    assert list(train.clip_index) == [0, 1, 0, 1, 0, 1]
    assert all(train[i][0].shape == (2, 20) for i in range(6))
    valid = ChunkDataset(clips, np.array([0, 1]), chunk=20, random=False, hop=0.5)
    assert len(valid) == len(chunk_plan([40, 100], 20, hop=0.5))
    assert [int(valid[i][1]) for i in range(len(valid))] == list(valid.clip_index)


def test_chunk_hop_sets_the_overlap():
    plan = chunk_plan([100], 20, hop=0.5)
    starts = [s for _, s, _ in plan]
    assert starts[0] == 0 and starts[-1] == 80
    assert max(np.diff(starts)) <= 10
    assert len(chunk_plan([100], 20, hop=1.0)) == 5
    assert len(chunk_plan([100], 20)) == 5  # no hop: ceil(L / chunk)


def test_fit_draws_crops_per_clip_crops_per_epoch(one_shots):
    S, y, _ = one_shots
    est = _tiny(crops_per_clip=3, max_epochs=1, batch_size=4).fit(S, y)
    assert len(est.history_[-1, "batches"]) == 6  # 8 clips x 3 crops / 4


# --- the recipe -------------------------------------------------------------


def test_warmup_cosine_schedule():
    f = WarmupCosine(2, 10)
    assert f(0) == pytest.approx(1 / 3) and f(1) == pytest.approx(2 / 3)
    assert f(2) == pytest.approx(1.0)
    assert f(6) == pytest.approx(0.5)
    assert f(10) == pytest.approx(0.0)
    values = [f(e) for e in range(2, 11)]
    assert values == sorted(values, reverse=True)


def test_default_recipe_and_early_stopping_on_the_metric():
    X, y = make_music(16, n_classes=2, duration=2.0, random_state=0)
    S = MelSpectrogram(n_mels=16).fit_transform(X)
    est = _tiny(chunk_size=None, train_split=0.25, max_epochs=3, patience=1)
    est.fit(S, y)
    assert isinstance(est.optimizer_, torch.optim.AdamW)
    callbacks = dict(est.callbacks_)
    assert callbacks["early_stopping"].monitor == "valid_acc"
    assert callbacks["early_stopping"].lower_is_better is False
    assert isinstance(
        callbacks["lr_scheduler"].lr_scheduler_, torch.optim.lr_scheduler.LambdaLR
    )
    assert "valid_acc" in est.history_[-1]
    est.set_params(monitor="loss", label_smoothing=0.1, lr_schedule="plateau")
    est.fit(S, y)
    assert dict(est.callbacks_)["early_stopping"].monitor == "valid_loss"
    assert est.criterion_.label_smoothing == 0.1


def test_multilabel_validation_metric_is_macro_roc_auc():
    X, y = make_music(16, n_classes=2, duration=2.0, random_state=0)
    S = MelSpectrogram(n_mels=16).fit_transform(X)
    tags = np.stack([y == y[0], y != y[0], np.arange(16) % 2 == 0], axis=1)
    est = _tiny(chunk_size=None, train_split=0.5, max_epochs=2, label_smoothing=0.1)
    est.fit(S, tags.astype(int))
    auc = est.history_[-1, "valid_auc"]
    assert 0.0 <= auc <= 1.0
    assert dict(est.callbacks_)["early_stopping"].monitor == "valid_auc"
