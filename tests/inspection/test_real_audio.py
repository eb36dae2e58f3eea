"""Inspection and frame-level feature learning on real recordings (CC0)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from sklearn_music.estimators import DielemanClassifier
from sklearn_music.features import MelSpectrogram, make_dictionary_pipeline
from sklearn_music.inspection import (
    AuralisationDisplay,
    KernelTagDisplay,
    SaliencyDisplay,
    kernel_activation_map,
)

pytestmark = pytest.mark.real_audio


@pytest.fixture
def labelled_loops(music_loops):
    files = [str(p) for p in music_loops]
    y = np.array(["loop" if "loop_" in f else "phrase" for f in files])
    return files, y


def test_inspection_end_to_end_on_files(labelled_loops):
    files, y = labelled_loops
    mel = MelSpectrogram(sr=22050, n_mels=40, duration=2.0)
    pipe = make_pipeline(
        mel,
        DielemanClassifier(
            max_epochs=2, batch_size=4, train_split=None, verbose=0, random_state=0
        ),
    ).fit(files, y)
    tags = KernelTagDisplay.from_estimator(pipe, files, y)
    assert tags.scores.shape == (32, 2) and np.isfinite(tags.scores).all().all()
    sal = SaliencyDisplay.from_estimator(pipe, files, target="loop", index=0)
    assert sal.saliency.shape == (40, 87) and np.isfinite(sal.saliency).all()
    S = mel.transform(files[:1])
    heard = AuralisationDisplay.from_spectrogram(
        S, mel, weights=sal.saliency, random_state=0
    )
    assert heard.audio.shape == (86 * 512,) and np.isfinite(heard.audio).all()
    assert np.abs(heard.audio).max() > 0
    weights = kernel_activation_map(pipe, files, kernel=0, index=1)
    assert weights.shape == (40, 87) and 0 <= weights.min() <= weights.max() <= 1
    plt.close("all")


def test_dictionary_pipeline_on_files(labelled_loops):
    files, y = labelled_loops
    pipe = make_dictionary_pipeline(
        n_atoms=16, mel=MelSpectrogram(n_mels=32, duration=2.0), random_state=0
    ).fit(files, y)
    features = pipe[:-2].transform(files)
    assert features.shape == (len(files), 2 * 2 * 16)
    assert np.isfinite(features).all()
    assert set(pipe.predict(files)) <= set(y)
