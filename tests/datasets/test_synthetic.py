import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_music import make_music as lazy_make_music
from sklearn_music.datasets import make_music
from sklearn_music.datasets._synthetic import _STYLES, _TAGS, _render_clip
from sklearn_music.features import MelSpectrogram

STYLES = ["rock", "waltz", "techno", "ballad", "funk", "ambient"]
TAGS = ["drums", "bass", "guitar", "piano", "organ", "strings", "pad", "lead", "bell"]
SR = 11025  # half rate keeps the learnability tests fast


def _rms(x):
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def _check_clips(clips):
    for i, x in enumerate(clips):
        assert x.dtype == np.float32 and x.ndim == 1, i
        assert np.all(np.isfinite(x)), i
        assert 0.5 - 1e-6 <= np.abs(x).max() <= 1.0, i
        assert _rms(x) > 0.02, f"clip {i} is (nearly) silent"


def _mel_stats(X, sr=SR):
    """Mean and standard deviation over time of a small log-mel spectrogram."""
    S = MelSpectrogram(sr=sr, n_fft=512, n_mels=40, batch_size=64).fit_transform(X)
    return np.hstack([np.nanmean(S, axis=2), np.nanstd(S, axis=2)])


def test_lazy_export():
    assert lazy_make_music is make_music


def test_shapes_and_dtypes():
    X, y = make_music(12, duration=1.0, random_state=0)
    assert X.shape == (12, 22050) and X.dtype == np.float32
    assert X.flags.c_contiguous
    assert y.shape == (12,) and y.dtype.kind == "U"
    assert set(y) == set(STYLES[:4])
    _check_clips(X)


@pytest.mark.parametrize("n_classes", [1, 2, 4, 6])
def test_classes_are_balanced(n_classes):
    _, y, names = make_music(
        15, n_classes=n_classes, duration=0.2, sr=8000, return_names=True,
        random_state=0,
    )  # fmt: skip
    assert names.tolist() == STYLES[:n_classes]
    _, counts = np.unique(y, return_counts=True)
    assert counts.shape == (n_classes,)
    assert counts.max() - counts.min() <= 1
    # labels are shuffled, not in blocks
    if n_classes > 1:
        assert len(set(y[:n_classes])) > 1 or len(set(y[-n_classes:])) > 1


def test_sr_and_duration():
    X, _ = make_music(3, duration=0.5, sr=8000, random_state=0)
    assert X.shape == (3, 4000)
    X, _ = make_music(2, duration=0.1, sr=16000, random_state=0)
    assert X.shape == (2, 1600)
    _check_clips(X)


def test_same_seed_same_output_other_seed_differs():
    kwargs = dict(n_clips=5, duration=0.5, sr=8000, n_classes=6)
    X1, y1 = make_music(**kwargs, random_state=42)
    X2, y2 = make_music(**kwargs, random_state=42)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, _ = make_music(**kwargs, random_state=np.random.RandomState(42))
    np.testing.assert_array_equal(X1, X3)
    X4, _ = make_music(**kwargs, random_state=43)
    assert not np.allclose(X1, X4)


def test_multilabel_is_deterministic():
    kwargs = dict(n_clips=4, duration=0.5, sr=8000, multilabel=True, random_state=7)
    X1, Y1 = make_music(**kwargs)
    X2, Y2 = make_music(**kwargs)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(Y1, Y2)


def test_ragged():
    X, y = make_music(20, duration=1.0, sr=8000, ragged=True, random_state=0)
    assert isinstance(X, list) and len(X) == 20 and y.shape == (20,)
    lengths = np.array([x.shape[0] for x in X])
    assert lengths.min() >= 0.6 * 8000 - 1 and lengths.max() <= 8000
    assert np.unique(lengths).shape[0] > 10
    _check_clips(X)


def test_ragged_works_with_the_feature_transformers():
    X, _ = make_music(3, duration=1.0, sr=SR, ragged=True, random_state=0)
    S = MelSpectrogram(sr=SR, n_fft=512, n_mels=40).fit_transform(X)
    assert S.shape[:2] == (3, 40)


def test_multilabel_indicator_and_tag_frequencies():
    X, Y, names = make_music(
        120, duration=0.3, sr=8000, multilabel=True, return_names=True,
        random_state=0,
    )  # fmt: skip
    assert names.tolist() == TAGS
    assert X.shape == (120, 2400)
    assert Y.shape == (120, 9) and Y.dtype.kind == "i"
    assert set(np.unique(Y)) == {0, 1}
    assert Y.sum(axis=1).min() >= 1  # every clip has at least one instrument
    freq = Y.mean(axis=0)
    assert np.all((freq > 0.15) & (freq < 0.85)), dict(zip(TAGS, freq, strict=True))
    # clips combine different sets of instruments
    assert len({tuple(row) for row in Y}) > 30
    _check_clips(X)


def test_multilabel_n_tags():
    _, Y, names = make_music(
        30, duration=0.2, sr=8000, multilabel=True, n_tags=3, return_names=True,
        random_state=0,
    )  # fmt: skip
    assert Y.shape == (30, 3)
    assert names.tolist() == TAGS[:3]
    assert Y.sum(axis=1).min() >= 1
    assert np.all(Y.mean(axis=0) > 0.1)


def test_noise_only_adds_noise():
    kwargs = dict(n_clips=3, duration=0.5, sr=8000, random_state=0)
    clean, _ = make_music(**kwargs, noise=0.0)
    little, _ = make_music(**kwargs, noise=0.05)
    lots, _ = make_music(**kwargs, noise=1.0)
    for a, b, c in zip(clean, little, lots, strict=True):
        corr_little = np.corrcoef(a, b)[0, 1]
        corr_lots = np.corrcoef(a, c)[0, 1]
        assert 0.98 < corr_little < 1.0
        assert corr_lots < corr_little
        assert corr_lots > 0.3  # the music is still there


@pytest.mark.parametrize("style", list(_STYLES))
def test_every_instrument_sounds_in_every_style(style):
    # each tag can be drawn in any style in multi-label mode
    rng = np.random.default_rng(0)
    for instrument in _TAGS:
        for n_samples in (800, 4000):  # 0.1 s and 0.5 s
            x = _render_clip(_STYLES[style], (instrument,), n_samples, 8000, 0.0, rng)
            assert x.shape == (n_samples,)
            assert np.all(np.isfinite(x)), instrument
            assert _rms(x) > 0.02, f"{instrument} is silent in {style}"


@threadpool_limits.wrap(limits=1)  # BLAS threads only slow down such tiny fits
def test_styles_are_learnable_and_labels_matter():
    X, y = make_music(80, sr=SR, random_state=0)
    F = _mel_stats(X)
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1))
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    assert cross_val_score(clf, F, y, cv=cv).mean() > 0.8  # chance: 0.25
    shuffled = np.random.default_rng(0).permutation(y)
    assert cross_val_score(clf, F, shuffled, cv=cv).mean() < 0.5


@threadpool_limits.wrap(limits=1)
def test_every_tag_is_audible_in_the_mix():
    # a linear model on clip-level mel statistics detects every instrument
    X, Y = make_music(120, duration=1.0, sr=SR, multilabel=True, random_state=0)
    F = _mel_stats(X)
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, solver="liblinear"))
    auc = []
    for j in range(Y.shape[1]):
        p = cross_val_predict(clf, F, Y[:, j], cv=4, method="predict_proba")[:, 1]
        auc.append(roc_auc_score(Y[:, j], p))
    auc = np.array(auc)
    assert np.all(auc > 0.6), dict(zip(TAGS, auc.round(2), strict=True))
    assert auc.mean() > 0.75


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_clips": 0}, "n_clips"),
        ({"n_clips": 2.5}, "n_clips"),
        ({"n_classes": 0}, "n_classes"),
        ({"n_classes": 7}, "n_classes"),
        ({"duration": 0.0}, "duration"),
        ({"duration": -1.0}, "duration"),
        ({"sr": 1000}, "sr"),
        ({"noise": -0.1}, "noise"),
        ({"multilabel": True, "n_tags": 1}, "n_tags"),
        ({"multilabel": True, "n_tags": 10}, "n_tags"),
        ({"n_tags": 3}, "only used with multilabel=True"),
        ({"random_state": "seed"}, "random_state"),
        ({"ragged": "yes"}, "ragged"),
    ],
)
def test_bad_parameters_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_music(**{"n_clips": 2, "duration": 0.2, **kwargs})
