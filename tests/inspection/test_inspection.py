"""Inspection: kernels, kernel-tag ranking, saliency and auralisation."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.pipeline import make_pipeline

from sklearn_music.datasets import make_music
from sklearn_music.estimators import (
    Conv1DClassifier,
    CRNNClassifier,
    DielemanClassifier,
    SampleCNNClassifier,
)
from sklearn_music.features import MelSpectrogram
from sklearn_music.inspection import (
    AuralisationDisplay,
    KernelDisplay,
    KernelTagDisplay,
    SaliencyDisplay,
    auralise,
    first_layer_kernels,
    kernel_activation_map,
    kernel_activations,
    kernel_tag_ranking,
    kernel_tag_scores,
    saliency_map,
)

N_MELS, N_FRAMES = 16, 40
FAST = dict(max_epochs=1, batch_size=16, train_split=None, verbose=0, random_state=0)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _tagged_clips(n_per_tag=10, seed=0):
    """Noise spectrograms; 'bass' clips hold a tone in band 3, 'high' clips
    one in band 12, 'noise' clips none."""
    rng = np.random.default_rng(seed)
    S, y = [], []
    for tag, band in (("bass", 3), ("high", 12), ("noise", None)):
        for _ in range(n_per_tag):
            clip = rng.normal(-40.0, 3.0, size=(N_MELS, N_FRAMES))
            if band is not None:
                clip[band] += 30.0
            S.append(clip)
            y.append(tag)
    return np.asarray(S, dtype=np.float32), np.asarray(y)


def _band_kernel(band, width=8):
    """A kernel that looks for energy in ``band`` and its absence elsewhere."""
    w = np.full((N_MELS, width), -1.0 / (N_MELS - 1))
    w[band] = 1.0
    return torch.tensor(w, dtype=torch.float32)


@pytest.fixture(scope="module")
def planted():
    """A fitted Dieleman network whose kernels 0 and 1 are set to the tones of
    'bass' and 'high'."""
    S, y = _tagged_clips()
    net = DielemanClassifier(
        module__conv_widths=(6, 4), module__fc_widths=(5,), **FAST
    ).fit(S, y)
    layer = net.module_.first_layer
    with torch.no_grad():
        layer.weight[0] = _band_kernel(3)
        layer.weight[1] = _band_kernel(12)
        layer.bias[:2] = 0.0
    return net, S, y


def test_first_layer_kernels_of_every_spectrogram_model():
    S, y = _tagged_clips(4)
    dieleman = DielemanClassifier(
        module__conv_widths=(5, 4), module__fc_widths=(3,), **FAST
    ).fit(S, y)
    assert first_layer_kernels(dieleman).shape == (5, N_MELS, 8)
    np.testing.assert_array_equal(
        first_layer_kernels(dieleman),
        dieleman.module_.first_layer.weight.detach().numpy(),
    )
    choi = Conv1DClassifier(
        module__conv_widths=(3, 3, 3, 3), module__fc_widths=(4, 4), **FAST
    ).fit(S, y)
    assert first_layer_kernels(choi).shape == (3, 1, 8)  # per band: height 1
    crnn = CRNNClassifier(
        module__conv_widths=(4, 4, 4, 4), module__gru_widths=(3, 3), **FAST
    ).fit(S, y)
    assert first_layer_kernels(crnn).shape == (4, 3, 3)
    pipe = make_pipeline(MelSpectrogram(n_mels=N_MELS), DielemanClassifier(**FAST))
    X, yx = make_music(6, n_classes=2, duration=1.0, random_state=0)
    assert first_layer_kernels(pipe.fit(X, yx)).shape == (32, N_MELS, 8)


def test_unfitted_and_waveform_models_are_refused():
    with pytest.raises(ValueError, match="needs a fitted neural estimator"):
        first_layer_kernels(DielemanClassifier())
    X, y = make_music(4, n_classes=2, duration=0.5, sr=8000, random_state=0)
    wave = SampleCNNClassifier(
        sr=8000, chunk_size=None, module__n_blocks=1, module__widths=(2,),
        module__stem_width=2, module__head_width=2, **FAST,
    ).fit(X, y)  # fmt: skip
    with pytest.raises(ValueError, match="works on spectrogram models"):
        first_layer_kernels(wave)


def test_kernel_tag_ranking_recovers_planted_kernels(planted):
    net, S, y = planted
    scores = kernel_tag_scores(net, S, y)
    assert list(scores.columns) == ["bass", "high", "noise"]
    assert scores.shape == (6, 3)
    ranking = kernel_tag_ranking(scores, n_top=3)
    top = ranking[ranking["rank"] == 1].set_index("kernel")["tag"]
    assert top[0] == "bass" and top[1] == "high"
    # the planted kernels separate their tag by a wide margin (in standard
    # deviations of the kernel's responses)
    assert scores.loc[0, "bass"] > 1.0 > scores.loc[0, "noise"]
    assert scores.loc[1, "high"] > 1.0 > scores.loc[1, "bass"]
    # raw activations: a clip with the tone activates the kernel more than any
    # clip without it
    A = kernel_activations(net, S)
    assert A.shape == (30, 6)
    assert A[y == "bass", 0].min() > A[y != "bass", 0].max()
    assert A[y == "high", 1].min() > A[y != "high", 1].max()


def test_kernel_tag_scores_take_tag_lists_and_indicators(planted):
    net, S, y = planted
    tag_lists = [[t, "loud"] if t != "noise" else ["quiet"] for t in y]
    scores = kernel_tag_scores(net, S, tag_lists, reduce="max", normalize=False)
    assert set(scores.columns) == {"bass", "high", "loud", "quiet"}
    best = scores.idxmax(axis=1)
    assert best[0] == "bass" and best[1] == "high"
    Y = pd.DataFrame({"b": y == "bass", "h": y == "high"}).astype(int)
    scores = kernel_tag_scores(net, S, Y)
    assert list(scores.columns) == ["b", "h"]
    assert scores.loc[0, "b"] > scores.loc[0, "h"]
    with pytest.raises(ValueError, match="reduce must be 'mean' or 'max'"):
        kernel_tag_scores(net, S, y, reduce="median")
    with pytest.raises(ValueError, match="n_top must be an integer >= 1"):
        kernel_tag_ranking(scores, n_top=0)


def test_kernel_activation_map_points_at_the_tone(planted):
    net, S, y = planted
    index = int(np.flatnonzero(y == "high")[0])
    weights = kernel_activation_map(net, S, kernel=1, index=index)
    assert weights.shape == (N_MELS, N_FRAMES)
    assert weights.max() == pytest.approx(1.0) and weights.min() >= 0
    assert np.argmax(weights.sum(axis=1)) == 12
    with pytest.raises(ValueError, match=r"kernel must be in \[0, 6\)"):
        kernel_activation_map(net, S, kernel=6)


@pytest.fixture(scope="module")
def informative():
    """A network trained to tell clips with a burst in bands 10-12, frames
    15-24 (class 1) from plain noise (class 0)."""
    rng = np.random.default_rng(1)
    S = rng.normal(-40.0, 3.0, size=(60, N_MELS, N_FRAMES)).astype(np.float32)
    y = np.arange(60) % 2
    S[y == 1, 10:13, 15:25] += 25.0
    net = DielemanClassifier(
        module__conv_widths=(8, 8), module__fc_widths=(8,), module__dropout=0.0,
        lr=0.01, max_epochs=15, batch_size=16, train_split=None, verbose=0,
        random_state=0,
    ).fit(S, y)  # fmt: skip
    assert net.score(S, y) == 1.0
    return net, S, y


@pytest.mark.parametrize(
    "method, kwargs",
    [("gradient_x_input", {}), ("occlusion", {"patch_size": (1, 5)})],
)
def test_saliency_concentrates_on_the_informative_region(informative, method, kwargs):
    net, S, y = informative
    region = np.zeros((N_MELS, N_FRAMES), dtype=bool)
    region[10:13, 15:25] = True
    for index in np.flatnonzero(y == 1)[:3]:
        sal = saliency_map(net, S, target=1, index=int(index), method=method, **kwargs)
        assert sal.shape == (N_MELS, N_FRAMES) and sal.dtype == np.float32
        positive = np.maximum(sal, 0)
        inside = positive[region].sum() / positive.sum()
        # the region is 4.7 % of the input; most of the evidence lies in it
        assert inside > 0.5, (method, inside)


def test_saliency_default_target_and_errors(informative):
    net, S, y = informative
    i = int(np.flatnonzero(y == 1)[0])
    np.testing.assert_allclose(
        saliency_map(net, S, index=i, method="gradient"),
        saliency_map(net, S, target=1, index=i, method="gradient"),
    )
    assert (saliency_map(net, S, target=1, index=i, method="gradient") >= 0).all()
    with pytest.raises(ValueError, match="unknown target 7"):
        saliency_map(net, S, target=7)
    with pytest.raises(ValueError, match="method must be one of"):
        saliency_map(net, S, method="lime")
    with pytest.raises(ValueError, match=r"index must be in \[0, 60\)"):
        saliency_map(net, S, index=60)
    with pytest.raises(ValueError, match="patch_size must"):
        saliency_map(net, S, method="occlusion", patch_size=(0, 3))


def _tone(freq, sr, seconds=1.0):
    t = np.arange(int(sr * seconds)) / sr
    return np.sin(2 * np.pi * freq * t).astype(np.float32)


def _peak_frequency(audio, sr):
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(audio.size)))
    return np.fft.rfftfreq(audio.size, 1 / sr)[np.argmax(spectrum)]


@pytest.mark.parametrize("freq", [440.0, 1500.0])
def test_auralised_tone_keeps_its_frequency(freq):
    sr = 16000
    mel = MelSpectrogram(sr=sr, n_fft=1024, n_mels=64)
    S = mel.fit_transform(_tone(freq, sr)[np.newaxis])
    audio = auralise(S, mel, random_state=0)
    assert audio.dtype == np.float32
    assert audio.shape == ((S.shape[2] - 1) * 256,)
    # within the width of a mel band around the tone
    assert abs(_peak_frequency(audio, sr) - freq) < 0.06 * freq
    np.testing.assert_array_equal(audio, auralise(S, mel, random_state=0))


def test_auralise_weights_keep_only_the_weighted_part():
    sr = 16000
    mel = MelSpectrogram(sr=sr, n_fft=1024, n_mels=64)
    S = mel.fit_transform((_tone(300.0, sr) + _tone(3000.0, sr))[np.newaxis])[0]
    freqs = mel.mel_filterbank().argmax(axis=1) * sr / 1024  # band centres
    weights = np.zeros_like(S)
    weights[np.abs(freqs - 3000.0) < 300.0] = 1.0
    audio = auralise(S, mel, weights=weights, random_state=0)
    spectrum = np.abs(np.fft.rfft(audio))
    f = np.fft.rfftfreq(audio.size, 1 / sr)
    high = spectrum[np.abs(f - 3000) < 150].max()
    low = spectrum[np.abs(f - 300) < 50].max()
    assert high > 20 * low
    assert abs(_peak_frequency(audio, sr) - 3000.0) < 180.0


def test_auralise_errors():
    mel = MelSpectrogram(sr=8000, n_fft=512, n_mels=32)
    S = mel.fit_transform(_tone(500.0, 8000)[np.newaxis])
    with pytest.raises(ValueError, match="must be the MelSpectrogram"):
        auralise(S, object())
    with pytest.raises(ValueError, match="transformer makes 40"):
        auralise(S, MelSpectrogram(sr=8000, n_fft=512, n_mels=40))
    with pytest.raises(ValueError, match="weights must have the shape"):
        auralise(S, mel, weights=np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"index must be in \[0, 1\)"):
        auralise(S, mel, index=1)
    bad = S.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite values inside"):
        auralise(bad, mel)
    # trailing NaN frames are padding and are dropped
    padded = np.concatenate([S, np.full((1, 32, 5), np.nan, np.float32)], axis=2)
    assert (
        auralise(padded, mel, random_state=0).shape
        == auralise(S, mel, random_state=0).shape
    )


def test_displays_draw(planted):
    net, S, y = planted
    ranking = kernel_tag_ranking(kernel_tag_scores(net, S, y))
    display = KernelDisplay.from_estimator(net, kernels=[0, 1, 2], ranking=ranking)
    assert len(display.images_) == 3 and len(display.axes_) == 3
    assert display.axes_[0].get_title().startswith("0: bass")
    assert display.axes_[1].get_title().startswith("1: high")
    np.testing.assert_allclose(
        display.images_[0].get_array(), first_layer_kernels(net)[0]
    )
    with pytest.raises(ValueError, match="kernels must list kernel numbers"):
        KernelDisplay.from_estimator(net, kernels=[9])

    tags = KernelTagDisplay.from_estimator(net, S, y, n_top=2)
    assert tags.image_.get_array().shape == (6, 3)
    _, ax = plt.subplots()
    assert KernelTagDisplay(tags.scores).plot(ax=ax).ax_ is ax
    assert len(tags.ranking_) == 12
    assert tags.ranking_.iloc[0]["tag"] == "bass"

    sal = SaliencyDisplay.from_estimator(net, S, target="high", index=12)
    assert len(sal.images_) == 2
    assert "'high'" in sal.axes_[1].get_title()
    assert sal.axes_[0].get_xlabel() == "Frame"


def test_displays_with_a_pipeline_on_audio():
    sr = 8000
    X, y = make_music(6, n_classes=2, duration=1.0, sr=sr, random_state=0)
    mel = MelSpectrogram(sr=sr, n_fft=512, n_mels=N_MELS)
    pipe = make_pipeline(mel, DielemanClassifier(**FAST)).fit(X, y)
    sal = SaliencyDisplay.from_estimator(pipe, X, index=2, method="occlusion")
    assert sal.axes_[0].get_xlabel() == "Time (s)"
    assert sal.saliency.shape == sal.spectrogram.shape == (N_MELS, 63)
    heard = AuralisationDisplay.from_spectrogram(
        mel.transform(X), mel, weights=sal.saliency, index=2, random_state=0
    )
    assert heard.sr == sr and heard.audio.shape == (62 * 128,)
    assert len(heard.axes_) == 2
