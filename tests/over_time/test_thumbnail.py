"""Thumbnails and the generated songs they are evaluated on."""

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from sklearn_music.datasets import make_music
from sklearn_music.estimators import Conv2DTagger
from sklearn_music.features import MelSpectrogram
from sklearn_music.segments import make_song, make_tempo_music, thumbnail

SR = 8000


@pytest.fixture(scope="module")
def song():
    return make_song(chorus=6.0, sr=SR, chorus_first=False, random_state=0)


def _overlap(start, end, sections):
    choruses = sections[sections.section == "chorus"]
    return (np.minimum(choruses.end_s, end) - np.maximum(choruses.start_s, start)).max()


def test_make_song_structure(song):
    y, sections = song
    assert sections.section.tolist().count("chorus") == 3
    np.testing.assert_allclose(sections.start_s[1:], sections.end_s[:-1])
    assert y.size == round(sections.end_s.iloc[-1] * SR)
    # the three choruses are one recording (own noise and gain aside)
    c = sections[sections.section == "chorus"]
    parts = [y[round(s * SR) : round(s * SR) + 4 * SR] for s in c.start_s]
    assert np.corrcoef(parts[0], parts[1])[0, 1] > 0.95
    assert np.corrcoef(parts[0], parts[2])[0, 1] > 0.95


def test_repetition_thumbnail_finds_the_chorus(song):
    y, sections = song
    found = thumbnail([y, y[: 20 * SR]], duration=6.0, sr=SR, return_audio=True)
    assert list(found.columns) == ["clip", "start_s", "end_s", "score", "audio"]
    start, end = found.start_s[0], found.end_s[0]
    assert end - start == pytest.approx(6.0)
    assert _overlap(start, end, sections) >= 3.0
    assert found.audio[0].shape == (6 * SR,)
    np.testing.assert_array_equal(
        found.audio[0], y[round(start * SR) : round(start * SR) + 6 * SR]
    )
    # a track shorter than the thumbnail is returned whole
    short = thumbnail([y[: 4 * SR]], duration=6.0, sr=SR)
    assert (short.start_s[0], short.end_s[0]) == (0.0, pytest.approx(4.0))


def test_model_thumbnails_and_errors(song):
    y, _ = song
    X, labels = make_music(12, n_classes=2, duration=2.0, sr=SR, random_state=0)
    net = Conv2DTagger(
        module__pool_sizes=((2, 2),) * 3 + ((1, 1),) * 2,
        module__conv_widths=(8,) * 5,
        chunk_size=32,
        max_epochs=1,
        train_split=None,
        random_state=0,
        verbose=0,
    )
    mel = MelSpectrogram(sr=SR, n_fft=256, hop_length=128, n_mels=16)
    model = make_pipeline(mel, net).fit(X, labels)
    length = y.size / SR
    for strategy in ("embedding", "confidence"):
        found = thumbnail([y], strategy=strategy, model=model, duration=6.0)
        start, end = found.start_s[0], found.end_s[0]
        assert 0 <= start < end <= length + 1e-6
        assert end - start == pytest.approx(6.0)
        assert np.isfinite(found.score[0])
    with pytest.raises(ValueError, match="strategy must be one of"):
        thumbnail([y], strategy="loudest", sr=SR)
    with pytest.raises(ValueError, match="needs a fitted model"):
        thumbnail([y], strategy="embedding", sr=SR)
    with pytest.raises(ValueError, match="uses no model"):
        thumbnail([y], model=model, sr=SR)
    with pytest.raises(ValueError, match="duration"):
        thumbnail([y], duration=0, sr=SR)


def test_make_tempo_music():
    X, bpm, styles = make_tempo_music(
        3, tempo=(90, 100), duration=1.0, sr=SR, random_state=0
    )
    assert X.shape == (3, SR) and X.dtype == np.float32
    assert ((bpm >= 90) & (bpm <= 100)).all()
    assert set(styles) <= {"rock", "techno", "ballad", "funk", "ambient"}
    again = make_tempo_music(3, tempo=(90, 100), duration=1.0, sr=SR, random_state=0)
    np.testing.assert_array_equal(again[0], X)
    with pytest.raises(ValueError, match="tempo"):
        make_tempo_music(1, tempo=(100, 90))
