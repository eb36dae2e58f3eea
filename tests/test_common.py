"""scikit-learn's own estimator checks over every public estimator.

Each estimator is checked with small settings that keep the suite fast. The
expected failures are listed per estimator with the reason; everything else
must pass.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_music.estimators import GaussianMixtureClassifier
from sklearn_music.features import (
    CQTSpectrogram,
    HandcraftedFeatures,
    MelSpectrogram,
    STFTSpectrogram,
)

# Reasons shared by the waveform front-ends.
_WAVEFORM_XFAIL = {
    "check_n_features_in_after_fitting": (
        "the 'features' of a 2-D waveform array are samples: a front-end must "
        "accept clips of any length at transform time (fit on 30 s, transform "
        "10 s), so n_features_in_ is informational and not enforced"
    ),
    "check_estimators_dtypes": (
        "the check's int64 data contains an all-zero row, i.e. a silent clip, "
        "which the input layer rejects by design with a ValueError naming it; "
        "float32/float64/int dtypes themselves are accepted (tests/test_io.py)"
    ),
}

ESTIMATORS = [
    MelSpectrogram(n_fft=16, n_mels=4, pcm_scale="dtype"),
    STFTSpectrogram(n_fft=16, pcm_scale="dtype"),
    CQTSpectrogram(n_bins=12, fmin=1000.0, hop_length=8, pcm_scale="dtype"),
    HandcraftedFeatures(pcm_scale="dtype"),
    GaussianMixtureClassifier(),
]

EXPECTED_FAILURES = {
    "MelSpectrogram": _WAVEFORM_XFAIL,
    "STFTSpectrogram": _WAVEFORM_XFAIL,
    "CQTSpectrogram": _WAVEFORM_XFAIL,
    "HandcraftedFeatures": _WAVEFORM_XFAIL,
}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
