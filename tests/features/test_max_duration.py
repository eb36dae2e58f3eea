"""The front-ends' ``max_duration``: the per-file decoding bound of the input
layer, lifted with ``None`` (issue 13, resource bounds)."""

import numpy as np
import pytest
import soundfile as sf
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_music._decode import MAX_DURATION
from sklearn_music._io import AudioInputError
from sklearn_music.features import (
    CQTSpectrogram,
    HandcraftedFeatures,
    MelSpectrogram,
    STFTSpectrogram,
)

SR = 22050
FRONT_ENDS = [MelSpectrogram, STFTSpectrogram, CQTSpectrogram, HandcraftedFeatures]


@pytest.fixture(scope="module")
def wav(tmp_path_factory):
    """A 2 s tone with some noise, written as a 16-bit WAV."""
    t = np.arange(2 * SR) / SR
    rng = np.random.default_rng(0)
    y = 0.4 * np.sin(2 * np.pi * 440.0 * t) + 0.05 * rng.standard_normal(t.size)
    path = tmp_path_factory.mktemp("max_duration") / "two_seconds.wav"
    sf.write(path, y.astype("float32"), SR, subtype="PCM_16")
    return str(path)


def _make(cls, **params):
    return cls(sr=SR, verbose=0, **params)


@pytest.mark.parametrize("cls", FRONT_ENDS, ids=lambda c: c.__name__)
def test_default_is_the_input_layer_bound(cls):
    est = cls()
    assert est.max_duration == MAX_DURATION == 3600.0
    assert clone(cls(max_duration=None)).get_params()["max_duration"] is None


@pytest.mark.parametrize("cls", FRONT_ENDS, ids=lambda c: c.__name__)
def test_longer_file_is_an_error_naming_it(cls, wav):
    est = _make(cls, max_duration=0.5)
    with pytest.raises(AudioInputError, match=r"two_seconds\.wav") as info:
        est.fit_transform([wav])
    message = str(info.value)
    assert "max_duration=0.5" in message
    assert "max_duration=None" in message


@pytest.mark.parametrize("cls", FRONT_ENDS, ids=lambda c: c.__name__)
def test_none_lifts_the_bound_and_default_works(cls, wav):
    lifted = _make(cls, max_duration=None).fit_transform([wav])
    default = _make(cls).fit_transform([wav])
    assert lifted.shape[0] == 1
    assert np.all(np.isfinite(lifted))
    np.testing.assert_array_equal(np.asarray(lifted), np.asarray(default))


@pytest.mark.parametrize("cls", [MelSpectrogram, HandcraftedFeatures])
def test_duration_reads_a_part_within_the_bound(cls, wav):
    # only the first second is decoded, so a 1.5 s bound does not trip
    part = _make(cls, duration=1.0, max_duration=1.5).fit_transform([wav])
    whole = _make(cls, duration=1.0, max_duration=None).fit_transform([wav])
    np.testing.assert_array_equal(np.asarray(part), np.asarray(whole))


def test_in_memory_clips_are_not_bounded():
    X = np.random.default_rng(1).standard_normal((1, SR)).astype("float32")
    out = _make(MelSpectrogram, max_duration=0.1).fit_transform(X)
    assert out.shape[0] == 1


@pytest.mark.parametrize("cls", FRONT_ENDS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("bad", [0, -1.0, "1h"])
def test_invalid_max_duration_is_rejected(cls, bad, wav):
    with pytest.raises(InvalidParameterError, match="max_duration"):
        _make(cls, max_duration=bad).fit([wav])
