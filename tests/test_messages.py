"""Error messages that point at the real problem (issue 14, point 5)."""

from __future__ import annotations

import numpy as np
import pytest

from sklearn_music import AudioInputError, check_audio_input
from sklearn_music.features import MelSpectrogram

SR = 22050


def test_a_folder_in_a_list_is_reported_as_a_folder(tmp_path):
    folder = tmp_path / "songs"
    folder.mkdir()
    with pytest.raises(AudioInputError, match="is a folder, not an audio file") as e:
        check_audio_input([str(folder)], sr=SR)
    assert "item 0 of X" in str(e.value) and "not found" not in str(e.value)
    with pytest.raises(AudioInputError, match="is a folder"):
        MelSpectrogram().fit_transform([folder])  # PathLike too


def test_another_sampling_rate_is_suggested_for_a_wider_2d_array():
    rng = np.random.default_rng(0)
    mel = MelSpectrogram().fit(rng.standard_normal((2, 2 * SR)).astype(np.float32))
    at_44k = rng.standard_normal((2, 2 * 44100)).astype(np.float32)
    with pytest.raises(AudioInputError) as e:
        mel.transform(at_44k)
    message = str(e.value)
    assert "expecting 44100 features" in message
    assert "sampling rate" in message and "sr=22050 Hz" in message
    assert "4.00 s per clip here, 2.00 s in fit" in message


@pytest.mark.parametrize("shape, axis", [((2, 2, 3000), 1), ((2, 3000, 2), 2)])
def test_a_stereo_array_gets_the_downmix_hint(shape, axis):
    X = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    hint = rf"downmix first, e.g. X.mean\(axis={axis}\)"
    with pytest.raises(AudioInputError, match=hint):
        MelSpectrogram().fit_transform(X)
    # the list case says the same
    with pytest.raises(AudioInputError, match="Downmix multi-channel audio first"):
        MelSpectrogram().fit_transform([X[0]])


def test_samplecnn_messages_count_samples_not_frames():
    from sklearn_music.estimators import SampleCNNClassifier

    X = np.random.default_rng(0).standard_normal((4, 3000)).astype(np.float32)
    y = [0, 1, 0, 1]
    for params in (dict(short="raise"), dict(chunk_size=100)):
        clf = SampleCNNClassifier(max_epochs=1, verbose=0, **params)
        with pytest.raises(ValueError) as e:
            clf.fit(X, y)
        message = str(e.value)
        assert "samples" in message and "frame" not in message, message


def test_check_audio_files_reports_a_folder_as_a_folder(tmp_path):
    import warnings

    import soundfile as sf

    from sklearn_music import check_audio_files

    good = tmp_path / "good.wav"
    sf.write(good, np.sin(np.arange(8000) * 0.05), 8000)
    folder = tmp_path / "album"
    folder.mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kept, _, report = check_audio_files([str(good), str(folder)], on_error="warn")
    assert kept == [str(good)]
    assert report["error"].tolist() == ["AudioInputError"]
    assert "is a folder, not an audio file" in report["message"][0]
