"""Spectrogram front-ends: librosa parity, presets, lengths, devices, plumbing."""

import pickle

import librosa
import numpy as np
import pytest
import torch
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_music import load_audio
from sklearn_music._io import AudioInputError
from sklearn_music.features import (
    PRESETS,
    CQTSpectrogram,
    MelSpectrogram,
    STFTSpectrogram,
    frame_lengths,
)

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def _music(rng, seconds=2.0, sr=22050):
    """A decaying chord with a noisy onset: a broad-band test signal."""
    t = np.arange(int(seconds * sr)) / sr
    y = sum(np.sin(2 * np.pi * f * t) / k for k, f in enumerate([220, 277, 330], 1))
    y = y * np.exp(-2 * (t % 0.5)) + 0.05 * rng.standard_normal(t.size)
    return (0.3 * y).astype(np.float32)


def _librosa_db(y, sr=22050, **kw):
    return librosa.power_to_db(
        librosa.feature.melspectrogram(y=y, sr=sr, **kw),
        ref=1.0, amin=1e-10, top_db=80,
    )  # fmt: skip


@pytest.mark.real_audio
def test_mel_parity_with_librosa_on_real_music(music_loops):
    clips = [load_audio(p, sr=22050) for p in music_loops]
    S = MelSpectrogram().fit_transform(clips)
    assert S.dtype == np.float32 and S.shape[:2] == (len(clips), 128)
    worst = 0.0
    for i, y in enumerate(clips):
        ref = _librosa_db(y)
        assert frame_lengths(S)[i] == ref.shape[1]
        worst = max(worst, np.abs(S[i, :, : ref.shape[1]] - ref).max())
    assert worst < 1e-3  # dB, max abs over all clips, bins and frames


def test_mel_parity_default_and_custom_params(rng):
    y = _music(rng)
    S = MelSpectrogram().fit_transform(y[None])[0]
    np.testing.assert_allclose(S, _librosa_db(y), atol=1e-3, rtol=0)
    kw = dict(n_fft=1024, hop_length=300, win_length=800, n_mels=40, fmin=60.0,
              fmax=7000.0, htk=True, window="hamming", pad_mode="reflect")  # fmt: skip
    S = MelSpectrogram(**kw).fit_transform(y[None])[0]
    np.testing.assert_allclose(S, _librosa_db(y, **kw), atol=1e-3, rtol=0)
    S = MelSpectrogram(center=False, power=1.0, norm="none").fit_transform(y[None])[0]
    ref = _librosa_db(y, center=False, power=1.0, norm=None)
    np.testing.assert_allclose(S, ref, atol=1e-3, rtol=0)


def test_stft_and_cqt_parity(rng):
    y = _music(rng)
    S = STFTSpectrogram(n_fft=512).fit_transform([y])[0]
    ref = librosa.power_to_db(np.abs(librosa.stft(y, n_fft=512)) ** 2, top_db=80)
    # single FFT bins ~60 dB below the peak carry float32 FFT rounding (~1e-3 dB);
    # the mel bands above average it away
    np.testing.assert_allclose(S, ref, atol=2e-3, rtol=0)
    C = CQTSpectrogram().fit_transform([y])[0]
    ref = librosa.amplitude_to_db(np.abs(librosa.cqt(y, sr=22050)), ref=1.0, top_db=80)
    np.testing.assert_allclose(C, ref, atol=1e-3, rtol=0)


def test_presets_reproduce_reference_front_ends(rng):
    y16 = _music(rng, sr=16000)
    mel = dict(n_fft=512, hop_length=256, n_mels=96, fmax=8000, pad_mode="reflect")
    # won2020: torchaudio-style HTK mel without norm, 10*log10, no top_db
    P = librosa.feature.melspectrogram(y=y16, sr=16000, htk=True, norm=None, **mel)
    S = MelSpectrogram(preset="won2020").fit_transform([y16])[0]
    np.testing.assert_allclose(S, librosa.power_to_db(P, top_db=None), atol=1e-3)
    # musicnn: log10(1 + 10000 * mel)
    P = librosa.feature.melspectrogram(y=y16, sr=16000, **mel)
    S = MelSpectrogram(preset="musicnn").fit_transform([y16])[0]
    np.testing.assert_allclose(S, np.log10(1 + 10000 * P), rtol=1e-4, atol=1e-4)
    # choi2017: 12 kHz, 96 mels up to 6 kHz, power squared again (20*log10)
    y12 = _music(rng, sr=12000)
    P = librosa.feature.melspectrogram(
        y=y12, sr=12000, n_fft=512, hop_length=256, n_mels=96, fmax=6000,
        pad_mode="reflect",
    )  # fmt: skip
    S = MelSpectrogram(preset="choi2017").fit_transform([y12])[0]
    np.testing.assert_allclose(S, librosa.power_to_db(P**2, top_db=80), atol=1e-3)
    # panns: 32 kHz, 64 mels 50-14000 Hz, no top_db
    y32 = _music(rng, sr=32000)
    P = librosa.feature.melspectrogram(
        y=y32, sr=32000, n_fft=1024, hop_length=320, n_mels=64, fmin=50,
        fmax=14000, pad_mode="reflect",
    )  # fmt: skip
    S = MelSpectrogram(preset="panns").fit_transform([y32])[0]
    np.testing.assert_allclose(S, librosa.power_to_db(P, top_db=None), atol=1e-3)


def test_explicit_params_override_preset():
    mel = MelSpectrogram(preset="won2020", n_mels=128)
    p = mel.resolved_params()
    assert p["n_mels"] == 128 and p["sr"] == 16000 and p["htk"] is True
    assert MelSpectrogram().resolved_params()["hop_length"] == 512
    assert set(PRESETS) == {"choi2017", "won2020", "musicnn", "panns"}
    assert mel.mel_filterbank().shape == (128, 257)


def test_top_db_is_per_clip_not_per_batch(rng):
    t = np.arange(44100) / 22050
    quiet = (0.05 * np.sin(2 * np.pi * 440 * t) * np.exp(-12 * t)).astype(np.float32)
    loud = 10 * _music(rng)
    alone = MelSpectrogram().fit_transform([quiet])[0]
    both = MelSpectrogram(batch_size=2).fit_transform([loud, quiet])
    np.testing.assert_array_equal(alone, both[1])
    # the decay spans > 80 dB, so the floor sits 80 dB below this clip's own peak
    assert alone.min() == pytest.approx(alone.max() - 80, abs=1e-3)
    assert alone.max() < both[0].max() - 20  # far below the loud clip's peak


def test_ragged_clips_padding_is_nan_and_lengths_travel(rng):
    y = _music(rng, seconds=3.0)
    clips = [y, y[:22050], y[:5000]]
    S = MelSpectrogram(batch_size=2).fit_transform(clips)
    lengths = frame_lengths(S)
    assert list(lengths) == [1 + c.size // 512 for c in clips]
    assert np.isnan(S[2, :, lengths[2] :]).all()
    assert not np.isnan(S[2, :, : lengths[2]]).any()
    # every clip equals its own single-clip transform
    for i, c in enumerate(clips):
        alone = MelSpectrogram().fit_transform([c])[0]
        np.testing.assert_allclose(S[i, :, : lengths[i]], alone, atol=1e-4)
    filled = MelSpectrogram(fill_value=-100.0).fit_transform(clips)
    assert (filled[2, :, lengths[2] :] == -100).all()


def test_duration_crops_and_pads(rng):
    y = _music(rng, seconds=3.0)
    mel = MelSpectrogram(duration=2.0)
    S = mel.fit_transform([y, y[:11025]])
    n = 1 + 44100 // 512
    assert S.shape == (2, 128, n)
    np.testing.assert_allclose(
        S[0], MelSpectrogram().fit_transform([y[:44100]])[0], atol=1e-4
    )
    assert list(frame_lengths(S)) == [n, 1 + 11025 // 512]


def test_files_equal_arrays_and_duration_reads_less(audio_files):
    paths = [str(audio_files["flac"]), str(audio_files["wav"])]
    clips = [load_audio(p, sr=22050) for p in paths]
    np.testing.assert_array_equal(
        MelSpectrogram(n_jobs=2).fit_transform(paths),
        MelSpectrogram().fit_transform(clips),
    )
    S = MelSpectrogram(duration=0.5).fit_transform(paths)
    assert S.shape[2] == 1 + round(0.5 * 22050) // 512


def test_row_order_matches_input_order(rng):
    clips = [
        rng.standard_normal(n).astype(np.float32) for n in (4000, 9000, 2000, 7000)
    ]
    S = MelSpectrogram(batch_size=3).fit_transform(clips)
    for i in [3, 0, 2, 1]:
        alone = MelSpectrogram().fit_transform([clips[i]])[0]
        np.testing.assert_allclose(S[i, :, : alone.shape[1]], alone, atol=1e-4)


def test_ref_max_and_linear(rng):
    y = _music(rng)
    S = MelSpectrogram(ref="max").fit_transform([y])[0]
    ref = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=22050), ref=np.max)
    np.testing.assert_allclose(S, ref, atol=1e-3)
    lin = MelSpectrogram(log="none").fit_transform([y])[0]
    np.testing.assert_allclose(
        lin, librosa.feature.melspectrogram(y=y, sr=22050), rtol=1e-4, atol=1e-6
    )


def test_stateless_pickle_and_pipeline_memory(tmp_path, rng, monkeypatch):
    X = np.stack([_music(rng), _music(rng)])
    mel = MelSpectrogram(n_mels=32)
    unfitted = mel.transform(X)  # stateless: works before fit
    clone = pickle.loads(pickle.dumps(mel.fit(X)))
    np.testing.assert_array_equal(clone.transform(X), unfitted)

    computed = []
    original = MelSpectrogram._compute

    def counting(self, clips, p, names, dest=None):
        computed.append(len(clips))
        return original(self, clips, p, names, dest)

    monkeypatch.setattr(MelSpectrogram, "_compute", counting)
    flatten = FunctionTransformer(np.reshape, kw_args={"shape": (2, -1)})
    pipe = Pipeline(
        [("mel", MelSpectrogram(n_mels=16)), ("flat", flatten)],
        memory=str(tmp_path),
    )
    first = pipe.fit_transform(X)
    assert computed == [2]
    second = Pipeline(pipe.steps, memory=str(tmp_path)).fit_transform(X)
    assert computed == [2]  # the mel step came from the cache
    np.testing.assert_array_equal(first, second)
    pipe.set_params(mel__n_mels=8).fit_transform(X)  # new parameters: recomputed
    assert computed == [2, 2]


def test_verbose_shows_progress(rng, capsys):
    MelSpectrogram(verbose=2, batch_size=1).fit_transform(
        [rng.standard_normal(3000) for _ in range(3)]
    )
    err = capsys.readouterr().err
    assert "MelSpectrogram" in err and "clip" in err
    MelSpectrogram(verbose=0).fit_transform([rng.standard_normal(3000)])
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(fmax=20000.0), "Nyquist"),
        (dict(fmin=5000.0, fmax=4000.0), "fmin=5000.0 must be below"),
        (dict(win_length=4096), "win_length=4096 must be <= n_fft=2048"),
        (dict(preset="vggish"), "preset"),
        (dict(log="ln"), "log"),
        (dict(batch_size=0), "batch_size"),
    ],
)
def test_bad_parameters(params, match, rng):
    with pytest.raises((ValueError, RuntimeError), match=match):
        MelSpectrogram(**params).fit_transform([rng.standard_normal(4096)])


def test_cuda_unavailable_is_a_clear_error(rng):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    with pytest.raises(ValueError, match="CUDA is not available"):
        MelSpectrogram(device="cuda").fit_transform([rng.standard_normal(4096)])
    # "auto" falls back to the CPU
    assert MelSpectrogram(device="auto").fit_transform([rng.standard_normal(4096)]).size


def test_center_false_too_short(rng):
    with pytest.raises(ValueError, match="clip 1 has 100 samples, fewer than n_fft"):
        MelSpectrogram(center=False).fit_transform(
            [rng.standard_normal(4096), rng.standard_normal(100)]
        )


def test_cqt_nyquist_check(rng):
    with pytest.raises(ValueError, match="Nyquist"):
        CQTSpectrogram(sr=8000).fit_transform([rng.standard_normal(8000)])


def test_bad_audio_is_reported_by_transformers():
    with pytest.raises(AudioInputError, match="clip 1 contains NaN"):
        MelSpectrogram().fit_transform([np.ones(100), np.array([np.nan, 1.0])])


def _on_torch(transformer):
    """``transformer`` set to run the torch (CUDA) code path on the CPU."""
    transformer._backend = "torch"
    return transformer


@pytest.mark.parametrize("power", [2.0, 1.0, 1.5])
def test_torch_path_equals_cpu_path(rng, power):
    """The CUDA code path (torch.stft + torch projection), run on the CPU."""
    clips = [_music(rng, seconds=s) for s in (1.0, 2.5)]
    expected = [
        MelSpectrogram(power=power, n_mels=40).fit_transform(clips),
        STFTSpectrogram(power=power, n_fft=256).fit_transform(clips),
    ]
    got = [
        _on_torch(MelSpectrogram(power=power, n_mels=40)).fit_transform(clips),
        _on_torch(STFTSpectrogram(power=power, n_fft=256)).fit_transform(clips),
    ]
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_array_equal(np.isnan(g), np.isnan(e))
        # two float32 FFTs (torch vs pocketfft) differ by ~1e-3 dB on single
        # linear bins ~60 dB below the peak; mel bands agree far closer
        np.testing.assert_allclose(g, e, atol=5e-3)


@cuda
@pytest.mark.gpu
def test_cuda_matches_cpu(rng):
    clips = [_music(rng, seconds=s) for s in (1.0, 2.5)]
    cpu = MelSpectrogram().fit_transform(clips)
    gpu = MelSpectrogram(device="cuda").fit_transform(clips)
    np.testing.assert_allclose(gpu, cpu, atol=1e-3)


@pytest.mark.parametrize(
    "pad_mode", ["constant", "edge", "reflect", "symmetric", "wrap"]
)
@pytest.mark.parametrize(
    ("n_fft", "hop", "n"),
    [(2048, 512, 30000), (512, 160, 4100), (256, 300, 5000), (256, 64, 1023),
     (1024, 1024, 9000), (512, 512, 2100), (400, 133, 7777)],
)  # fmt: skip
def test_frames_of_unpadded_clip_equal_frames_of_padded_clip(pad_mode, n_fft, hop, n):
    """Only the ends are padded: every frame equals librosa-style full padding."""
    from sklearn_music.features._stft import frame_segments

    y = np.random.default_rng(n).standard_normal(n).astype(np.float32)
    margin = n_fft // 2
    full = np.lib.stride_tricks.sliding_window_view(
        np.pad(y, margin, mode=pad_mode), n_fft
    )[::hop]
    n_frames, segments = frame_segments(y, n_fft, hop, margin, pad_mode)
    assert n_frames == full.shape[0]
    got = np.concatenate([view for _, _, view in segments])
    assert [s[0] for s in segments] == sorted(s[0] for s in segments)
    assert segments[0][0] == 0 and segments[-1][1] == n_frames
    np.testing.assert_array_equal(got, full)


@pytest.mark.parametrize("center", [True, False])
def test_mel_parity_for_hops_that_do_not_divide_the_window(rng, center):
    y = _music(rng, seconds=3.0)
    kw = dict(n_fft=1000, hop_length=333, n_mels=48, center=center, pad_mode="edge")
    got = MelSpectrogram(**kw).fit_transform(y[None])[0]
    np.testing.assert_allclose(got, _librosa_db(y, **kw), atol=1e-3)
