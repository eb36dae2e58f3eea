"""The torch (CUDA) backend of the spectral engine, run on the CPU: the same
output as the numpy backend for every padding mode, log stage and input
layout, with the per-clip work batched on the device."""

import librosa
import numpy as np
import pytest
import torch

import sklearn_music.features._stft_torch as backend
from sklearn_music.features import MelSpectrogram, STFTSpectrogram
from sklearn_music.features._stft import LogParams
from sklearn_music.features._stft import log_stage as numpy_log_stage


def _music(seed, seconds):
    rng = np.random.default_rng(seed)
    n = int(seconds * 22050)
    t = np.arange(n) / 22050
    f0 = rng.uniform(100, 800)
    y = np.sin(2 * np.pi * f0 * t) * np.exp(-2 * t) + 0.05 * rng.standard_normal(n)
    return y.astype(np.float32)


def _pair(cls, **kw):
    """(numpy-backend transformer, torch-backend transformer)."""
    on_torch = cls(**kw)
    on_torch._backend = "torch"
    return cls(**kw), on_torch


def _assert_same(got, expected, atol, rtol=0.0):
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, atol=atol, rtol=rtol)


@pytest.mark.parametrize(
    "pad_mode", ["constant", "reflect", "symmetric", "edge", "wrap", "mean"]
)
def test_padding_on_the_device_equals_numpy_pad(pad_mode):
    # ragged clips; the 100-sample clip is shorter than the 128-sample margin,
    # which numpy reflects more than once (padded on the host then)
    clips = [_music(0, 0.5), _music(1, 0.31), _music(2, 0.2)]
    if pad_mode != "constant":
        clips.append(_music(3, 100 / 22050))
    ref, ours = _pair(STFTSpectrogram, n_fft=256, pad_mode=pad_mode, top_db=np.inf)
    # float32 FFTs (torch vs pocketfft) differ by ~1e-4 relative on single
    # linear bins far below the peak
    _assert_same(ours.fit_transform(clips), ref.fit_transform(clips), 5e-3, 2e-4)


@pytest.mark.parametrize("pad_mode", ["reflect", "symmetric", "edge", "wrap"])
def test_device_pad_fills_heads_and_tails_of_ragged_clips(pad_mode):
    rng = np.random.default_rng(0)
    sizes = np.array([40, 17, 33])
    margin = 8
    clips = [rng.standard_normal(n).astype(np.float32) for n in sizes]
    x = backend._upload(clips, sizes, margin, "cpu")
    backend._device_pad(x, torch.from_numpy(sizes), margin, pad_mode)
    for row, y, n in zip(x.numpy(), clips, sizes, strict=True):
        np.testing.assert_array_equal(
            row[: n + 2 * margin], np.pad(y, margin, pad_mode)
        )


@pytest.mark.parametrize(
    "kw",
    [
        {},
        dict(ref="max", top_db=60.0),
        dict(top_db=np.inf, amin=1e-5, ref=2.0),
        dict(log="db20", power=1.0),
        dict(log="log1p", log_gain=100.0),
        dict(log="none"),
        dict(center=False),
    ],
)
def test_log_stages_equal_the_numpy_backend(kw):
    clips = [_music(0, 1.0), _music(1, 0.4)]  # ragged: per-clip peaks
    ref, ours = _pair(MelSpectrogram, n_mels=40, **kw)
    expected = ref.fit_transform(clips)
    atol = 1e-3 * max(1.0, float(np.nanmax(np.abs(expected))) / 100)
    _assert_same(ours.fit_transform(clips), expected, atol=atol)


def test_log_stage_of_a_ragged_batch_uses_each_clips_own_frames():
    rng = np.random.default_rng(0)
    S = rng.uniform(0, 1, (2, 5, 7)).astype(np.float32)
    S[1, :, 4:] = 1e6  # after the end of clip 1: must not set its peak
    lengths = np.array([7, 4])
    log = LogParams(ref="max", top_db=20.0)
    got = backend.log_stage(torch.from_numpy(S.copy()), lengths, log).numpy()
    for b, n in enumerate(lengths):
        expected = numpy_log_stage(S[b, :, :n].copy(), log)
        np.testing.assert_allclose(got[b, :, :n], expected, atol=1e-4)


def test_parity_with_librosa_and_batch_size_does_not_change_the_output():
    clips = np.stack([_music(seed, 2.0) for seed in range(5)])
    ref = [librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=22050),
                               top_db=80) for y in clips]  # fmt: skip
    outputs = []
    for batch_size in (1, 2, 5):
        mel = MelSpectrogram(batch_size=batch_size)
        mel._backend = "torch"
        outputs.append(mel.fit_transform(clips))
    for S in outputs:
        np.testing.assert_array_equal(S, outputs[0])
    assert (
        max(np.abs(o - r).max() for o, r in zip(outputs[0], ref, strict=True)) <= 1e-3
    )


def test_chunks_of_the_batch_give_the_same_output(monkeypatch):
    clips = [_music(seed, 0.6) for seed in range(4)] + [_music(9, 0.3)]
    mel = MelSpectrogram(n_mels=32, batch_size=8)
    mel._backend = "torch"
    whole = mel.fit_transform(clips)
    calls = []
    original = torch.stft
    monkeypatch.setattr(backend, "_CHUNK_BYTES", {"cpu": 1, "cuda": 1})
    monkeypatch.setattr(
        torch, "stft", lambda *a, **k: calls.append(1) or original(*a, **k)
    )
    _assert_same(mel.fit_transform(clips), whole, atol=0)
    assert len(calls) == len(clips)  # one clip per chunk


def test_one_transfer_each_way_straight_into_the_output(monkeypatch):
    """A 2-D array goes to the device as one view (no host copy) and comes
    back with one copy into the transform's output; no per-clip slicing."""
    X = np.stack([_music(seed, 0.5) for seed in range(6)])
    mel = MelSpectrogram(n_mels=32, batch_size=6)
    mel._backend = "torch"
    expected = mel.fit_transform(X)
    shared, cpu_calls = [], []
    original_pad = torch.nn.functional.pad

    def spy_pad(x, *a, **k):
        shared.append(np.shares_memory(x.numpy(), X))
        return original_pad(x, *a, **k)

    original_cpu = torch.Tensor.cpu
    monkeypatch.setattr(torch.nn.functional, "pad", spy_pad)
    monkeypatch.setattr(
        torch.Tensor, "cpu", lambda t, *a, **k: cpu_calls.append(1) or original_cpu(t)
    )
    np.testing.assert_array_equal(mel.transform(X), expected)
    assert shared == [True] and cpu_calls == []


@pytest.mark.parametrize("layout", ["read-only", "float64 list", "ragged list"])
def test_every_input_layout_gives_the_numpy_backend_output(layout):
    X = np.stack([_music(seed, 0.5) for seed in range(3)])
    if layout == "read-only":
        X.flags.writeable = False
    elif layout == "float64 list":
        X = [y.astype(np.float64) for y in X]
    else:
        X = [X[0], X[1][:5000], X[2]]
    ref, ours = _pair(MelSpectrogram, n_mels=32, duration=0.6)
    _assert_same(ours.fit_transform(X), ref.fit_transform(X), atol=1e-3)


def test_cqt_log_stage_with_dest():
    specs = [np.abs(np.random.default_rng(0).standard_normal((4, n))) for n in (6, 3)]
    specs = [S.astype(np.float32) for S in specs]
    dest = [np.full((4, 6), -7.0, np.float32) for _ in specs]
    backend.log_batch(specs, LogParams(ref="max"), "cpu", dest)
    for S, D in zip(specs, dest, strict=True):
        n = S.shape[1]
        np.testing.assert_allclose(
            D[:, :n], numpy_log_stage(S.copy(), LogParams(ref="max")), atol=1e-4
        )
        assert (D[:, n:] == -7.0).all()  # the rest is left alone
