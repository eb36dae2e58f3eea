"""Predictions and embeddings over time: the chunk grid, the tidy table, and
streaming long files in bounded memory."""

import tracemalloc

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from sklearn.pipeline import make_pipeline

from sklearn_music.datasets import make_music
from sklearn_music.estimators import (
    Conv2DTagger,
    OverTime,
    SampleCNNClassifier,
    over_time_frame,
)
from sklearn_music.estimators._over_time import over_time_starts
from sklearn_music.features import MelSpectrogram
from sklearn_music.segments import predict_over_time

SR = 4000
HOP = 64
RATE = SR / HOP


def _mel():
    return MelSpectrogram(sr=SR, n_fft=256, hop_length=HOP, n_mels=16, top_db=np.inf)


def _tagger():
    return Conv2DTagger(
        module__pool_sizes=((2, 2),) * 3 + ((1, 1),) * 2,
        module__conv_widths=(8,) * 5,
        chunk_size=32,
        max_epochs=2,
        train_split=None,
        random_state=0,
    )


@pytest.fixture(scope="module")
def data():
    return make_music(8, n_classes=2, duration=2.0, sr=SR, random_state=0)


@pytest.fixture(scope="module")
def pipe(data):
    X, y = data
    return make_pipeline(_mel(), _tagger()).fit(X, y)


def test_over_time_starts_cover_the_clip():
    np.testing.assert_array_equal(over_time_starts(100, 30, 30), [0, 30, 60, 70])
    np.testing.assert_array_equal(over_time_starts(90, 30, 30), [0, 30, 60])
    np.testing.assert_array_equal(over_time_starts(100, 30, 50), [0, 50, 70])
    np.testing.assert_array_equal(over_time_starts(20, 30, 10), [0])


def test_proba_over_time_grid_and_mean(pipe, data):
    mel, net = pipe[0], pipe[-1]
    S = mel.transform(data[0][:3])[..., :96]  # 3 chunks of 32 frames exactly
    results = net.predict_proba_over_time(S, frame_rate=RATE)
    assert len(results) == 3
    for r in results:
        np.testing.assert_allclose(r.start_s, np.array([0, 32, 64]) / RATE)
        np.testing.assert_allclose(r.end_s, r.start_s + 32 / RATE)
        assert r.values.shape == (3, 2)
        np.testing.assert_allclose(r.values.sum(axis=1), 1, rtol=1e-5)
        np.testing.assert_array_equal(r.columns, net.classes_)
    # side by side chunks: their mean is what predict_proba averages
    if "chunk_hop" in net.get_params(deep=False):
        net.set_params(chunk_hop=1.0)
    mean = np.stack([r.values.mean(axis=0) for r in results])
    np.testing.assert_allclose(mean, net.predict_proba(S), rtol=1e-4, atol=1e-6)
    # chunks differ over time: a per-chunk output, not the clip's copied
    assert not np.allclose(results[0].values[0], results[0].values[1])


def test_hop_in_seconds_and_tidy_frame(pipe, data):
    mel, net = pipe[0], pipe[-1]
    S = mel.transform(data[0][:2])
    frame = net.predict_proba_over_time(S, frame_rate=RATE, hop=0.25, as_frame=True)
    assert list(frame.columns) == ["clip", "start_s", "end_s", *net.classes_]
    first = frame[frame["clip"] == 0]
    assert np.allclose(np.diff(first.start_s)[:-1], round(0.25 * RATE) / RATE)
    assert first.end_s.iloc[-1] == pytest.approx(S.shape[-1] / RATE, abs=1 / RATE)
    emb = net.transform_over_time(S, frame_rate=RATE)
    assert emb[0].values.dtype == np.float32
    assert emb[0].columns[0] == "emb_0"
    assert emb[0].values.shape[1] == net.transform(S).shape[1]


def test_over_time_frame_names_and_errors():
    names = np.array(["a", "b"])
    r = OverTime(np.array([0.0]), np.array([1.0]), np.ones((1, 2)), names)
    frame = over_time_frame([r, r], clips=["x.wav", "y.wav"])
    assert isinstance(frame, pd.DataFrame)
    assert frame["clip"].tolist() == ["x.wav", "y.wav"]
    with pytest.raises(ValueError, match="2 results"):
        over_time_frame([r, r], clips=["x.wav"])


def test_spectrogram_net_needs_frame_rate(pipe, data):
    S = pipe[0].transform(data[0][:1])
    net = pipe[-1]
    if "frame_rate" in net.get_params(deep=False):
        # the estimator's own frame_rate is the default
        result = net.predict_proba_over_time(S)[0]
        assert result.end_s[0] == pytest.approx(32 / net.frame_rate)
    else:
        with pytest.raises(ValueError, match="frame_rate"):
            net.predict_proba_over_time(S)
    with pytest.raises(ValueError, match="hop"):
        pipe[-1].predict_proba_over_time(S, frame_rate=RATE, hop=-1)
    with pytest.raises(ValueError, match="whole fitted pipeline"):
        predict_over_time(pipe[-1], data[0][:1])


def test_streamed_file_equals_whole_spectrogram(pipe, tmp_path, rng):
    """Windows of 2 s over a 9 s file give the chunks of the whole file's
    spectrogram (the front-end has no per-clip normalisation here)."""
    audio = make_music(3, n_classes=2, duration=3.0, sr=SR, random_state=1)[0]
    y = np.concatenate(list(audio)).astype(np.float32)
    path = tmp_path / "long.wav"
    sf.write(path, y, SR, subtype="FLOAT")
    streamed = predict_over_time(pipe, [str(path)], window=2.0, hop=0.3)
    S = pipe[0].transform([y])
    whole = pipe[-1].predict_proba_over_time(S, frame_rate=RATE, hop=0.3)
    np.testing.assert_allclose(streamed[0].start_s, whole[0].start_s)
    np.testing.assert_allclose(streamed[0].values, whole[0].values, atol=2e-4)
    frame = predict_over_time(pipe, [str(path)], kind="embedding", as_frame=True)
    assert frame["clip"].unique().tolist() == [str(path)]
    assert "emb_0" in frame.columns


def test_streamed_waveform_net(data):
    X, y = data
    net = SampleCNNClassifier(
        sr=SR,
        chunk_size=243,
        module__n_blocks=2,
        module__widths=(8, 8),
        module__stem_width=8,
        module__head_width=8,
        max_epochs=1,
        train_split=None,
        random_state=0,
    ).fit(X, y)
    streamed = predict_over_time(net, X[:2], window=0.5, hop=0.1)
    whole = net.predict_proba_over_time(X[:2], hop=0.1)
    for a, b in zip(streamed, whole, strict=True):
        np.testing.assert_allclose(a.start_s, b.start_s)
        np.testing.assert_allclose(a.values, b.values, atol=1e-5)


def _write_long_file(path, minutes: float):
    """A long test recording, written a minute at a time."""
    rng = np.random.default_rng(0)
    t = np.arange(60 * SR) / SR
    with sf.SoundFile(path, "w", samplerate=SR, channels=1, subtype="PCM_16") as f:
        for m in range(int(minutes)):
            tone = 0.3 * np.sin(2 * np.pi * (220 + 20 * m) * t)
            f.write(tone + 0.01 * rng.standard_normal(t.size))


def test_hour_long_files_in_bounded_memory(data, tmp_path):
    """A 20-minute file is streamed with a peak of a few MB of Python-side
    memory; decoding it whole would take 19 MB of float32 samples alone."""
    path = tmp_path / "twenty_minutes.wav"
    _write_long_file(path, 20)
    coarse = MelSpectrogram(sr=SR, n_fft=512, hop_length=256, n_mels=16)
    net = _tagger().set_params(batch_size=64, chunk_size=64)
    pipe = make_pipeline(coarse, net).fit(*data)
    rate = SR / 256
    tracemalloc.start()
    try:
        results = predict_over_time(pipe, [str(path)], window=30.0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    whole_file_bytes = 20 * 60 * SR * 4
    assert peak < 4e6 < whole_file_bytes / 4, peak
    r = results[0]
    assert r.end_s[-1] == pytest.approx(20 * 60, abs=1.5 / rate)
    np.testing.assert_allclose(np.diff(r.start_s)[:-1], 64 / rate)
    assert len(r) == int(np.ceil((20 * 60 * rate) / 64))
