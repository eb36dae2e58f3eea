"""Property-based tests of the input layer and the front-ends (hypothesis).

Random shapes, dtypes, lengths, sample rates and values never raise anything
but the documented errors, and row ``i`` of an output always belongs to item
``i``. Kept fast: few examples, small clips.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
import soundfile as sf

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from sklearn_music import (  # noqa: E402
    AudioInputError,
    CQTSpectrogram,
    MelSpectrogram,
    STFTSpectrogram,
    check_audio_input,
    load_audio,
)
from sklearn_music._decode import MAX_SAMPLE_RATE, MIN_SAMPLE_RATE  # noqa: E402

FAST = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

DTYPES = st.sampled_from(
    ["float16", "float32", "float64", "int16", "int32", "uint8", "bool",
     "complex64", "object"]
)  # fmt: skip


@st.composite
def clips(draw, finite_only=False, min_size=0):
    """One 1-D clip of a random dtype, length and values."""
    dtype = (
        draw(DTYPES)
        if not finite_only
        else draw(st.sampled_from(["float32", "float64"]))
    )
    n = draw(st.integers(min_size, 300))
    if dtype == "object":
        values = draw(st.lists(st.floats(allow_nan=True), min_size=n, max_size=n))
        return np.array(values, dtype=object)
    elements = None
    if dtype.startswith("float") or dtype.startswith("complex"):
        elements = st.floats(
            allow_nan=not finite_only,
            allow_infinity=not finite_only,
            width=16 if dtype == "float16" else 32,
        )
    return draw(hnp.arrays(np.dtype(dtype), n, elements=elements))


@FAST
@given(items=st.lists(clips(), min_size=0, max_size=4),
       pcm_scale=st.sampled_from([None, "dtype", 1000.0]))  # fmt: skip
def test_input_layer_raises_only_documented_errors(items, pcm_scale):
    try:
        source = check_audio_input(items, sr=8000, pcm_scale=pcm_scale)
    except AudioInputError:  # AudioTypeError is one too
        return
    assert len(source) == len(items)
    for i in range(len(source)):
        y = source[i]
        assert y.dtype == np.float32 and y.ndim == 1 and y.size > 0
        assert np.isfinite(y).all() and y.any()


@FAST
@given(
    data=st.lists(clips(finite_only=True, min_size=64), min_size=1, max_size=4),
    scale=st.sampled_from([1e-30, 1e-6, 1.0, 1e6, 1e20, 3e38]),
    kind=st.sampled_from(["mel", "stft"]),
    sr=st.sampled_from([8000, 16000, 22050]),
)
def test_spectrograms_are_finite_and_row_i_is_item_i(data, scale, kind, sr):
    clips_ = []
    for y in data:
        y = np.clip(np.nan_to_num(y.astype(np.float64)), -1, 1) * scale
        clips_.append(np.clip(y, -3e38, 3e38).astype(np.float32))
    make = MelSpectrogram if kind == "mel" else STFTSpectrogram
    front = make(
        sr=sr, n_fft=64, hop_length=16, **({"n_mels": 8} if kind == "mel" else {})
    )
    try:
        S = front.transform(clips_)
    except AudioInputError as exc:  # a silent clip, and only that
        assert "silent" in str(exc)
        assert any(not y.any() for y in clips_)
        return
    assert np.isfinite(S[~np.isnan(S)]).all()
    for i, y in enumerate(clips_):
        alone = front.transform([y])[0]
        n = alone.shape[1]
        np.testing.assert_allclose(S[i, :, :n], alone, rtol=1e-5, atol=1e-4)
        assert np.isfinite(alone).all()


@settings(max_examples=6, deadline=None)
@given(scale=st.sampled_from([1e-20, 1.0, 1e20]), n=st.integers(2048, 6000))
def test_cqt_of_finite_audio_is_finite(scale, n):
    y = (np.sin(np.arange(n) * 0.3) * scale).astype(np.float32)
    S = CQTSpectrogram(sr=8000, n_bins=24, fmin=110.0).transform([y])
    assert np.isfinite(S).all()


@FAST
@given(
    rate=st.integers(MIN_SAMPLE_RATE, 96_000),
    channels=st.integers(1, 3),
    n=st.integers(1, 4000),
    subtype=st.sampled_from(["PCM_16", "PCM_24", "FLOAT"]),
    target=st.sampled_from([None, 8000, 22050]),
)
def test_load_audio_of_any_valid_wav(
    tmp_path_factory, rate, channels, n, subtype, target
):
    path = tmp_path_factory.mktemp("wav") / "x.wav"
    y = np.random.default_rng(n).uniform(-0.9, 0.9, size=(n, channels))
    sf.write(path, y, rate, subtype=subtype)
    out = load_audio(path, sr=target)
    assert out.dtype == np.float32 and np.isfinite(out).all()
    expected = n if target is None else n * target / rate
    assert abs(out.size - expected) <= 1


@FAST
@given(rate=st.one_of(st.integers(1, 4_000), st.integers(600_000, 2**31 - 1)))
def test_forged_header_rates(tmp_path_factory, rate):
    from sklearn_music import AudioDecodeError

    path = tmp_path_factory.mktemp("wav") / "forged.wav"
    sf.write(path, np.full(400, 0.1), 8000, subtype="PCM_16")
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, 24, rate)
    struct.pack_into("<I", data, 28, min(rate * 2, 2**32 - 1))
    path.write_bytes(bytes(data))
    if MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        y = load_audio(path, sr=None)
        assert y.size == 400
    else:
        with pytest.raises(AudioDecodeError, match="sampling rate"):
            load_audio(path, sr=None)
