"""The spectral engine (features/_stft.py): framing, windows, filterbanks, the
log stage, backends and parameters resolved once per transform."""

import warnings

import librosa
import numpy as np
import pytest

from sklearn_music.features import (
    CQTSpectrogram,
    HandcraftedFeatures,
    MelSpectrogram,
    STFTSpectrogram,
    frame_lengths,
)
from sklearn_music.features._stft import (
    LogParams,
    MelParams,
    frame_segments,
    get_window,
    log_stage,
    magnitude_blocks,
    mel_filterbank,
    n_frames,
)


def _signal(n, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 22050
    y = np.sin(2 * np.pi * 440 * t) * np.exp(-3 * t) + 0.1 * rng.standard_normal(n)
    return y.astype(np.float32)


def test_mel_filterbank_is_cached_read_only_and_equals_librosa():
    bands = MelParams(n_mels=40, fmin=30.0, fmax=8000.0, htk=True, norm="none")
    fb = mel_filterbank(22050, 1024, bands)
    assert mel_filterbank(22050, 1024, bands) is fb  # built once
    assert not fb.flags.writeable and fb.dtype == np.float32
    ref = librosa.filters.mel(
        sr=22050, n_fft=1024, n_mels=40, fmin=30.0, fmax=8000.0, htk=True,
        norm=None, dtype=np.float32,
    )  # fmt: skip
    np.testing.assert_array_equal(fb, ref)
    # the public method hands out a fresh, writable copy
    mel = MelSpectrogram(n_fft=1024, n_mels=40, fmin=30.0, fmax=8000.0, htk=True,
                         norm="none")  # fmt: skip
    public = mel.mel_filterbank()
    assert public.flags.writeable and public is not fb
    np.testing.assert_array_equal(public, ref)


def test_window_is_cached_for_names_not_for_arrays():
    w = get_window("hann", 512, 400)
    assert get_window("hann", 512, 400) is w and not w.flags.writeable
    ref = librosa.util.pad_center(
        librosa.filters.get_window("hann", 400, fftbins=True), size=512
    )
    np.testing.assert_array_equal(w, ref.astype(np.float32))
    assert get_window("hann", 512, dtype=np.float64).dtype == np.float64
    custom = np.hamming(300)
    a = get_window(custom, 512, 300)
    assert a.flags.writeable and a is not get_window(custom, 512, 300)
    np.testing.assert_allclose(a[106:406], custom, rtol=1e-6)


@pytest.mark.parametrize("n_fft", [1000, 1001, 7])
@pytest.mark.parametrize("center", [True, False])
def test_frame_count_matches_librosa_for_odd_and_even_n_fft(n_fft, center):
    y = _signal(4096)
    hop = 512
    expected = librosa.util.frame(
        np.pad(y, n_fft // 2) if center else y, frame_length=n_fft, hop_length=hop
    ).shape[1]
    assert n_frames(y.size, n_fft, hop, center) == expected
    margin = n_fft // 2 if center else 0
    assert frame_segments(y, n_fft, hop, margin, "constant")[0] == expected


def test_odd_n_fft_has_no_extra_frame():
    """An odd ``n_fft`` once gave one frame more than librosa, left unset."""
    y = _signal(2048)
    S = MelSpectrogram(n_fft=1001, hop_length=512, n_mels=20).fit_transform([y])
    ref = librosa.power_to_db(
        librosa.feature.melspectrogram(
            y=y, sr=22050, n_fft=1001, hop_length=512, n_mels=20
        ),
        top_db=80,
    )
    assert S.shape[2] == ref.shape[1] == 4
    np.testing.assert_allclose(S[0], ref, atol=1e-3)
    mel = MelSpectrogram(n_fft=1001, hop_length=512, n_mels=20, duration=2048 / 22050)
    S = mel.fit_transform([y, y[:1000]])
    assert S.shape[2] == 4 and list(frame_lengths(S)) == [4, 2]


@pytest.mark.parametrize(
    ("n", "n_fft", "hop"),
    [(5000, 512, 256), (300, 512, 128), (1, 64, 16), (9000, 255, 100)],
)
def test_magnitude_blocks_equal_librosa_stft_across_blocks(n, n_fft, hop):
    y = _signal(n).astype(np.float64)
    with warnings.catch_warnings():  # librosa warns for clips shorter than n_fft
        warnings.simplefilter("ignore", UserWarning)
        stft = librosa.stft(y, n_fft=n_fft, hop_length=hop, pad_mode="constant")
    ref = np.abs(stft).T
    starts, mags = [], []
    for start, raw, mag in magnitude_blocks(y, n_fft, hop, block=7):
        assert raw.shape == (mag.shape[0], n_fft) and mag.dtype == np.float64
        starts.append(start)
        mags.append(mag)
    assert starts == list(range(0, ref.shape[0], 7))
    np.testing.assert_allclose(np.concatenate(mags), ref, rtol=1e-9, atol=1e-9)


def test_whole_framing_is_one_segment_equal_to_the_split_one():
    y = np.arange(10000, dtype=np.float64)
    n, split = frame_segments(y, 512, 128, 256, "constant")
    assert len(split) == 3 and n == 1 + 10000 // 128
    n_whole, whole = frame_segments(y, 512, 128, 256, "constant", whole=True)
    assert n_whole == n and len(whole) == 1 and whole[0][:2] == (0, n)
    np.testing.assert_array_equal(
        whole[0][2], np.concatenate([view for _, _, view in split])
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "log",
    [LogParams(), LogParams(ref="max", top_db=60.0), LogParams(amin=1e-5, ref=2.0,
     top_db=np.inf)],
)  # fmt: skip
def test_log_stage_equals_power_to_db(dtype, log):
    S = np.abs(librosa.stft(_signal(8000))).astype(dtype) ** 2
    ref = librosa.power_to_db(
        S, ref=np.max if log.ref == "max" else log.ref, amin=log.amin,
        top_db=None if np.isinf(log.top_db) else log.top_db,
    )  # fmt: skip
    got = log_stage(S.copy(), log)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, ref, atol=1e-4 if dtype == np.float32 else 1e-9)


def test_torch_backend_of_the_cqt_log_stage_equals_numpy():
    clips = [_signal(11025), _signal(22050, seed=1)]
    kw = dict(n_bins=24, fmin=110.0, hop_length=256, ref="max")
    expected = CQTSpectrogram(**kw).fit_transform(clips)
    on_torch = CQTSpectrogram(**kw)
    on_torch._backend = "torch"
    got = on_torch.fit_transform(clips)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, atol=1e-3)


def test_backend_is_per_instance():
    on_torch = MelSpectrogram()
    on_torch._backend = "torch"
    assert on_torch._device_backend()[0] == "torch"
    assert MelSpectrogram()._device_backend()[0] == "numpy"


@pytest.mark.parametrize(
    ("cls", "kw"),
    [(MelSpectrogram, {}), (STFTSpectrogram, dict(n_fft=256)),
     (CQTSpectrogram, dict(n_bins=24, fmin=110.0))],
)  # fmt: skip
def test_parameters_are_resolved_once_per_transform(cls, kw, monkeypatch):
    calls = []
    original = cls.resolved_params

    def counting(self):
        calls.append(1)
        return original(self)

    monkeypatch.setattr(cls, "resolved_params", counting)
    clips = [_signal(n, seed=n) for n in (13000, 15000, 17000, 19000, 12500)]
    cls(**kw, batch_size=2).transform(clips)
    assert len(calls) == 1
    calls.clear()
    S = cls(**kw, batch_size=2, duration=0.5).transform(clips)  # crops every clip
    assert len(calls) == 1
    assert S.shape[2] == cls(**kw).transform([clips[0][:11025]]).shape[2]


def test_resolved_parameters_are_frozen():
    params = MelSpectrogram(preset="won2020")._resolve()
    with pytest.raises(AttributeError):
        params.n_fft = 1024
    assert params.mel == MelParams(96, 0.0, 8000.0, True, "none")
    assert params.log == LogParams(log="db", top_db=np.inf)
    assert params.n_bins == 96 and params.margin == 256


def test_handcrafted_mel_basis_is_librosa_default():
    from sklearn_music.features._tzanetakis import mel_basis

    np.testing.assert_array_equal(
        mel_basis(22050, 512, 40),
        librosa.filters.mel(sr=22050, n_fft=512, n_mels=40, dtype=np.float64),
    )
    # and the features stay finite for odd analysis sizes
    F = HandcraftedFeatures(n_fft=511, hop_length=100).fit_transform([_signal(9000)])
    assert np.isfinite(F).all()


def test_top_db_inf_disables_the_floor():
    """``numpy.inf`` is the documented way to keep the whole dynamic range."""
    t = np.arange(44100) / 22050
    y = (0.05 * np.sin(2 * np.pi * 440 * t) * np.exp(-12 * t)).astype(np.float32)
    S = MelSpectrogram(top_db=np.inf).fit_transform([y])[0]
    ref = librosa.power_to_db(librosa.feature.melspectrogram(y=y), top_db=None)
    # bins far below the peak carry more float32 rounding
    loud = ref > ref.max() - 60
    np.testing.assert_allclose(S[loud], ref[loud], atol=1e-3)
    np.testing.assert_allclose(S, ref, atol=0.05)
    assert S.max() - S.min() > 100  # no floor at 80 dB below the peak
    with pytest.raises(ValueError, match="top_db"):
        MelSpectrogram(top_db=-1.0).fit([y])
