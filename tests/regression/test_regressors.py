"""Neural regressors: targets, training, prediction over time, transfer."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import is_regressor
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline

import sklearn_music
from sklearn_music.datasets import make_music
from sklearn_music.estimators import (
    Conv2DRegressor,
    Conv2DTagger,
    SampleCNNRegressor,
    regressor_class,
)
from sklearn_music.features import MelSpectrogram
from sklearn_music.models import ARCHITECTURES

SR = 4000
SMALL = dict(
    module__pool_sizes=((2, 2),) * 3 + ((1, 1),) * 2,
    module__conv_widths=(8,) * 5,
    chunk_size=24,
    train_split=None,
    batch_size=8,
    random_state=0,
    verbose=0,
)


def _set_if_known(net, **params):
    """Set the parameters ``net`` has (the chunking options are recent)."""
    known = net.get_params(deep=False)
    return net.set_params(**{k: v for k, v in params.items() if k in known})


def _small(cls, **params):
    """A fast estimator: one crop per clip and epoch, no augmentation."""
    net = cls(**{**SMALL, **params})
    return _set_if_known(net, crops_per_clip=1, spec_augment=False)


@pytest.fixture(scope="module")
def loudness():
    """Clips at gains from -20 to 0 dB; the target is the gain in dB."""
    X, _ = make_music(24, n_classes=3, duration=1.0, sr=SR, random_state=0)
    gain_db = np.linspace(-20, 0, len(X))
    X = X * 10 ** (gain_db[:, None] / 20)
    mel = MelSpectrogram(sr=SR, n_fft=256, hop_length=64, n_mels=16, top_db=np.inf)
    return mel.fit_transform(X), gain_db, X


def test_regressor_learns_a_continuous_target(loudness):
    S, gain_db, _ = loudness
    net = _small(Conv2DRegressor, max_epochs=12, lr=1e-2, lr_schedule=None)
    net.fit(S, gain_db)
    pred = net.predict(S)
    assert pred.shape == (24,) and pred.dtype.kind == "f"
    assert net.score(S, gain_db) > 0.6
    # predictions on the targets' scale, not the standardised one
    assert abs(pred.mean() - gain_db.mean()) < 3
    np.testing.assert_allclose(net.y_mean_, [gain_db.mean()])
    assert is_regressor(net) and not hasattr(net, "predict_proba")
    assert not hasattr(net, "classes_")
    assert net.transform(S).shape[0] == 24


def test_multi_output_names_and_over_time(loudness):
    S, gain_db, _ = loudness
    y = pd.DataFrame({"gain": gain_db, "twice": 2 * gain_db + 5})
    net = _small(Conv2DRegressor, max_epochs=2).fit(S, y)
    assert net.n_outputs_ == 2 and net.target_names_ == ["gain", "twice"]
    assert net.predict(S).shape == (24, 2)
    S3 = S[:3, :, :48]  # two chunks side by side: their mean is predict's
    _set_if_known(net, chunk_hop=1.0)
    frame = net.predict_over_time(S3, frame_rate=SR / 64, as_frame=True)
    assert list(frame.columns) == ["clip", "start_s", "end_s", "gain", "twice"]
    means = frame.groupby("clip")[["gain", "twice"]].mean().to_numpy()
    np.testing.assert_allclose(means, net.predict(S3), rtol=1e-4, atol=1e-4)
    # a column vector stays 2-D, a 1-D y gives 1-D predictions
    net.fit(S, gain_db[:, None])
    assert net.predict(S).shape == (24, 1)


def test_bad_targets_are_named(loudness):
    S, gain_db, _ = loudness
    net = _small(Conv2DRegressor, max_epochs=1)
    bad = gain_db.copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        net.fit(S, bad)
    with pytest.raises(ValueError, match="24 clips but y has 23"):
        net.fit(S, gain_db[:-1])
    with pytest.raises(ValueError, match="label_smoothing"):
        _small(Conv2DRegressor, label_smoothing=0.1).fit(S, gain_db)
    net.fit(S, gain_db)
    with pytest.raises(ValueError, match="2 target columns"):
        net.partial_fit(S, np.c_[gain_db, gain_db])


def test_validation_split_reports_r2(loudness):
    S, gain_db, _ = loudness
    net = _small(Conv2DRegressor, max_epochs=3, train_split=0.25, patience=2)
    net.fit(S, gain_db)
    assert "valid_r2" in net.history_[-1]
    stopper = dict(net.callbacks_).get("early_stopping")
    assert stopper is None or stopper.monitor in ("valid_r2", "valid_loss")


def test_waveform_regressor(loudness):
    _, gain_db, X = loudness
    net = SampleCNNRegressor(
        sr=SR,
        chunk_size=243,
        module__n_blocks=2,
        module__widths=(8, 8),
        module__stem_width=8,
        module__head_width=8,
        max_epochs=2,
        train_split=None,
        random_state=0,
        verbose=0,
    ).fit(X, gain_db)
    assert net.predict(X).shape == (24,)
    over = net.predict_over_time(X[:1], hop=0.25)
    assert over[0].columns.tolist() == ["target"]


def test_every_architecture_has_a_regressor():
    for key in ARCHITECTURES:
        cls = regressor_class(key)
        assert cls._architecture == key
        assert getattr(sklearn_music, cls.__name__) is cls


def test_frozen_tagger_embeddings_feed_a_sklearn_regressor(loudness):
    """Transfer: a tagger trained on style labels, frozen, as the feature
    extractor of a Ridge regression of another target."""
    S, gain_db, _ = loudness
    styles = np.repeat(["a", "b", "c"], 8)
    tagger = _small(Conv2DTagger, max_epochs=2).fit(S, styles)
    before = [p.detach().clone() for p in tagger.module_.parameters()]
    transfer = make_pipeline(FrozenEstimator(tagger), Ridge(alpha=1.0))
    transfer.fit(S, gain_db)
    for a, b in zip(before, tagger.module_.parameters(), strict=True):
        assert np.array_equal(a.numpy(), b.detach().numpy())  # still frozen
    np.testing.assert_allclose(
        transfer[:-1].transform(S), tagger.transform(S), rtol=1e-6
    )
    assert transfer.predict(S).shape == (24,)
    assert np.isfinite(transfer.score(S, gain_db))


def test_regressors_persist(loudness, tmp_path):
    """save_weights/load_weights and sklearn_music.save/load give back a
    regressor with the same predictions and targets."""
    from sklearn_music import load, save
    from sklearn_music.estimators import load_weights

    S, gain_db, _ = loudness
    y = pd.DataFrame({"gain": gain_db, "neg": -gain_db})
    net = _small(Conv2DRegressor, max_epochs=1).fit(S, y)
    net.save_weights(tmp_path / "reg.pt")
    again = load_weights(tmp_path / "reg.pt")
    assert type(again) is Conv2DRegressor
    np.testing.assert_allclose(again.predict(S), net.predict(S), rtol=1e-5)
    assert again.target_names_ == ["gain", "neg"] and not hasattr(again, "classes_")
    save(make_pipeline(MelSpectrogram(), net), tmp_path / "reg.skm")
    loaded = load(tmp_path / "reg.skm")[-1]
    assert type(loaded) is Conv2DRegressor
    np.testing.assert_allclose(loaded.predict(S), net.predict(S), rtol=1e-5)
