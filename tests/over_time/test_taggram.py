"""TaggramDisplay: the heat map holds the probabilities, chunk by chunk."""

import matplotlib
import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from sklearn_music.datasets import make_music
from sklearn_music.estimators import Conv2DTagger
from sklearn_music.features import MelSpectrogram
from sklearn_music.plotting import TaggramDisplay
from sklearn_music.segments import predict_over_time

matplotlib.use("Agg")

SR = 4000


@pytest.fixture(scope="module")
def tagger():
    X, y = make_music(
        8, n_classes=3, duration=2.0, sr=SR, multilabel=True, random_state=0
    )
    net = Conv2DTagger(
        module__pool_sizes=((2, 2),) * 3 + ((1, 1),) * 2,
        module__conv_widths=(8,) * 5,
        chunk_size=32,
        max_epochs=1,
        train_split=None,
        random_state=0,
        verbose=0,
    )
    mel = MelSpectrogram(sr=SR, n_fft=256, hop_length=64, n_mels=16)
    return make_pipeline(mel, net).fit(X, y), X


def test_taggram_mesh_holds_the_probabilities(tagger):
    import matplotlib.pyplot as plt

    model, X = tagger
    display = TaggramDisplay.from_estimator(model, X, index=1, hop=0.25)
    result = predict_over_time(model, X[1:2], hop=0.25)[0]
    drawn = np.asarray(display.mesh_.get_array()).reshape(len(result.columns), -1)
    np.testing.assert_allclose(drawn, result.values.T, rtol=1e-5)
    assert display.audio_ax_ is not None  # the waveform above
    labels = [t.get_text() for t in display.ax_.get_yticklabels()]
    assert labels == [str(c) for c in result.columns]
    assert display.ax_.get_xlim() == pytest.approx((0.0, result.end_s[-1]))
    plt.close("all")


def test_taggram_top_tags_spectrogram_and_errors():
    import matplotlib.pyplot as plt

    p = np.array([[0.1, 0.9, 0.5], [0.2, 0.7, 0.6]])
    times = dict(start_s=np.array([0.0, 1.0]), end_s=np.array([2.0, 3.0]))
    wave = np.random.default_rng(0).standard_normal(3 * SR).astype(np.float32)
    display = TaggramDisplay(p, tags=["a", "b", "c"], waveform=wave, sr=SR, **times)
    display.plot(tags=2, audio="spectrogram")
    assert [t.get_text() for t in display.ax_.get_yticklabels()] == ["b", "c"]
    assert display.audio_ax_.get_ylabel() == "Frequency (Hz)"
    with pytest.raises(ValueError, match="Unknown tag"):
        display.plot(tags=["z"])
    with pytest.raises(ValueError, match="one value per chunk"):
        TaggramDisplay(p, tags=["a", "b", "c"], start_s=[0.0], end_s=[1.0]).plot()
    with pytest.raises(ValueError, match="name the 3 columns"):
        TaggramDisplay(p, tags=["a"], **times).plot()
    plt.close("all")
