"""A corrupt file among 10,000: the fit stops naming it, or is skipped and
reported with X and y kept aligned. Slow (about a minute): ``--run-slow``."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from sklearn.pipeline import Pipeline

from sklearn_music import check_audio_files
from sklearn_music._io import AudioDecodeError
from sklearn_music.estimators import Conv1DClassifier
from sklearn_music.features import MelSpectrogram

SR = 8000
N_FILES = 10_000
BAD = 7_321


@pytest.fixture(scope="module")
def many_files(tmp_path_factory):
    """10,000 short wav files, two tone classes; the label is in the name."""
    folder = tmp_path_factory.mktemp("many")
    rng = np.random.default_rng(0)
    t = np.arange(int(0.25 * SR)) / SR
    paths, labels = [], []
    for i in range(N_FILES):
        label = "low" if i % 2 else "high"
        f0 = (220.0 if label == "low" else 1760.0) * rng.uniform(0.9, 1.1)
        y = 0.3 * np.sin(2 * np.pi * f0 * t) + 0.01 * rng.standard_normal(t.size)
        path = folder / f"{label}_{i:05d}.wav"
        sf.write(path, y.astype(np.float32), SR, subtype="PCM_16")
        paths.append(str(path))
        labels.append(label)
    Path(paths[BAD]).write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really audio" * 4)
    return paths, np.array(labels)


def _pipeline():
    mel = MelSpectrogram(sr=SR, n_fft=256, hop_length=128, n_mels=16, n_jobs=2)
    clf = Conv1DClassifier(
        module__conv_widths=(8,), module__pool_sizes=(2,), module__kernel_size=3,
        module__fc_widths=(16,), max_epochs=2, batch_size=256, lr=3e-3,
        train_split=None, random_state=0,
    )  # fmt: skip
    return Pipeline([("mel", mel), ("clf", clf)])


@pytest.mark.slow
def test_corrupt_file_in_10000_file_fit_stops_naming_it(many_files):
    paths, labels = many_files
    with pytest.raises(AudioDecodeError, match=rf"{labels[BAD]}_{BAD:05d}\.wav"):
        _pipeline().fit(paths, labels)


@pytest.mark.slow
def test_corrupt_file_in_10000_files_is_skipped_and_reported(many_files):
    paths, labels = many_files
    with pytest.warns(UserWarning, match="Skipped 1 of 10000"):
        kept, y, report = check_audio_files(paths, labels, on_error="skip")
    assert len(kept) == len(y) == N_FILES - 1
    assert report["index"].tolist() == [BAD]
    assert report["path"].tolist() == [paths[BAD]]
    # aligned: every kept file still carries its own label
    assert all(Path(p).name.startswith(label) for p, label in zip(kept, y, strict=True))
    pipe = _pipeline().fit(kept, y)
    assert pipe.score(kept[:2000], y[:2000]) > 0.9
