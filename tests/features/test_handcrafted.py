"""HandcraftedFeatures: shapes, names, input forms, known signals, plumbing."""

import warnings

import librosa
import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from sklearn.base import clone
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_music._io import AudioInputError
from sklearn_music.features import HandcraftedFeatures

SR = 22050
SETS = ["tzanetakis", "extended"]
N_FEATURES = {"tzanetakis": 30, "extended": 518}


def _tone(freq, seconds=2.0, amp=0.5, sr=SR):
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _music(rng, seconds=3.0, sr=SR):
    """A pulsing chord with some noise: broad-band, pitched and rhythmic."""
    t = np.arange(int(seconds * sr)) / sr
    y = sum(np.sin(2 * np.pi * f * t) / k for k, f in enumerate([220, 277, 330], 1))
    y = y * np.exp(-3 * (t % 0.5)) + 0.05 * rng.standard_normal(t.size)
    return (0.3 * y).astype(np.float32)


def _clicks(bpm, rng, seconds=6.0, sr=SR):
    """Short decaying noise bursts every beat."""
    y = np.zeros(int(seconds * sr))
    n = int(0.01 * sr)
    burst = rng.standard_normal(n) * np.exp(-np.arange(n) / (0.002 * sr))
    for start in np.arange(0, seconds - 0.02, 60 / bpm):
        i = round(start * sr)
        y[i : i + n] += burst
    return (0.5 * y).astype(np.float32)


def _column(hf, F, name):
    return F[:, list(hf.get_feature_names_out()).index(name)]


@pytest.fixture(scope="module")
def clips():
    """Three different 2 s clips as a 2-D array."""
    rng = np.random.default_rng(1)
    return np.stack(
        [_music(rng, 2.0), _tone(440), (0.1 * rng.standard_normal(2 * SR))]
    ).astype(np.float32)


@pytest.fixture(scope="module")
def features(clips):
    return {fs: HandcraftedFeatures(feature_set=fs).transform(clips) for fs in SETS}


@pytest.mark.parametrize("feature_set", SETS)
def test_shapes_dtype_and_names(feature_set, clips, features):
    hf = HandcraftedFeatures(feature_set=feature_set)
    names = hf.get_feature_names_out()  # works unfitted: the transformer is stateless
    F = features[feature_set]
    assert F.shape == (len(clips), N_FEATURES[feature_set])
    assert F.dtype == np.float64 and np.isfinite(F).all()
    assert names.dtype == object and len(names) == F.shape[1]
    assert len(set(names)) == len(names) and all(isinstance(n, str) for n in names)
    assert hf.fit(clips).get_feature_names_out().tolist() == names.tolist()
    assert hf.__sklearn_tags__().transformer_tags.preserves_dtype == ["float64"]


def test_feature_names_layout():
    tz = HandcraftedFeatures().get_feature_names_out().tolist()
    assert tz[:3] == [
        "timbre_centroid_mean",
        "timbre_centroid_var",
        "timbre_rolloff_mean",
    ]
    assert "timbre_mfcc_05_var" in tz and "timbre_low_energy" in tz
    assert sum(n.startswith("timbre_") for n in tz) == 19
    assert sum(n.startswith("rhythm_") for n in tz) == 6
    assert sum(n.startswith("pitch_") for n in tz) == 5
    ext = HandcraftedFeatures(feature_set="extended").get_feature_names_out().tolist()
    assert ext[:2] == ["mfcc_00_mean", "mfcc_00_std"]
    expected = ["mfcc_03_std", "chroma_cens_A_max", "tonnetz_major_y_skew"]
    expected += ["spectral_contrast_06_kurtosis", "spectral_rolloff_median"]
    assert set(expected) <= set(ext)


def test_deterministic_and_order_preserved(clips, features):
    hf = HandcraftedFeatures()
    F = features["tzanetakis"]
    np.testing.assert_array_equal(hf.transform(clips), F)
    np.testing.assert_array_equal(hf.transform(clips[::-1]), F[::-1])
    # a clip's features do not depend on the other clips
    np.testing.assert_array_equal(hf.transform(clips[1:2]), F[1:2])


def test_ragged_list_series_and_paths_match_arrays(clips, features, tmp_path):
    hf = HandcraftedFeatures()
    F = features["tzanetakis"]
    ragged = [clips[0], clips[1][: SR // 2], clips[2]]
    expected = F.copy()
    expected[1] = hf.transform(clips[1:2, : SR // 2])[0]
    np.testing.assert_array_equal(hf.transform(ragged), expected)
    paths = []
    for i, y in enumerate(clips):
        paths.append(tmp_path / f"clip{i}.wav")
        sf.write(paths[-1], y, SR, subtype="FLOAT")  # lossless float32
    np.testing.assert_array_equal(hf.transform([str(p) for p in paths]), F)
    np.testing.assert_array_equal(hf.transform(pd.Series(paths)), F)


@pytest.mark.parametrize("feature_set", SETS)
def test_short_clips_are_finite_without_warnings(feature_set):
    rng = np.random.default_rng(0)
    hf = HandcraftedFeatures(feature_set=feature_set)
    lengths = [1, 2, 3, 5, 100, 511, 513, 3000]
    clips = [(0.1 * rng.standard_normal(n) + 0.01).astype(np.float32) for n in lengths]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F = hf.transform(clips)
    assert F.shape == (len(lengths), N_FEATURES[feature_set])
    assert np.isfinite(F).all()


def test_pure_tones_pitch_histogram():
    hf = HandcraftedFeatures()
    F = hf.transform([_tone(440.0), _tone(261.63), _tone(110.0)])
    np.testing.assert_array_equal(
        _column(hf, F, "pitch_unfolded_midi_peak1"), [69, 60, 45]
    )
    np.testing.assert_array_equal(_column(hf, F, "pitch_folded_class_peak1"), [9, 0, 9])
    assert (_column(hf, F, "pitch_folded_amp_peak1") > 0.8).all()
    assert (_column(hf, F, "pitch_sum") > 0.8).all()


def test_chord_interval_is_a_fifth():
    hf = HandcraftedFeatures()
    chord = _tone(261.63) + _tone(329.63) + _tone(392.0)  # C major, C4 E4 G4
    F = hf.transform(chord[None])
    assert _column(hf, F, "pitch_folded_class_peak1")[0] == 0  # C
    assert _column(hf, F, "pitch_folded_interval_peak1_peak2")[0] == 1  # C -> G


def test_timbre_reacts_to_frequency_and_noise(rng):
    hf = HandcraftedFeatures()
    low, high = _tone(300.0), _tone(3000.0)
    noise = (0.1 * rng.standard_normal(2 * SR)).astype(np.float32)
    F = hf.transform([low, high, noise])
    centroid = _column(hf, F, "timbre_centroid_mean")
    np.testing.assert_allclose(centroid[:2], [300, 3000], rtol=0.05)
    assert (
        _column(hf, F, "timbre_rolloff_mean")[1]
        > _column(hf, F, "timbre_rolloff_mean")[0]
    )
    zcr = _column(hf, F, "timbre_zcr_mean")
    assert zcr[2] > 10 * zcr[0]
    assert (
        _column(hf, F, "timbre_flux_mean")[2]
        > 10 * _column(hf, F, "timbre_flux_mean")[0]
    )
    pitch_sum = _column(hf, F, "pitch_sum")
    assert pitch_sum[0] > 5 * pitch_sum[2]


def test_low_energy_of_bursts():
    hf = HandcraftedFeatures()
    t = np.arange(4 * SR) / SR
    bursts = _tone(110.0, 4.0) * ((t % 1.0) < 0.2)  # loud 20 % of the time
    F = hf.transform([bursts, _tone(110.0, 4.0)])
    low_energy = _column(hf, F, "timbre_low_energy")
    assert low_energy[0] > 0.7 and low_energy[0] > low_energy[1] + 0.2


@pytest.mark.parametrize("bpm", [90, 120, 150])
def test_click_track_tempo(bpm, rng):
    hf = HandcraftedFeatures()
    F = hf.transform([_clicks(bpm, rng), (0.1 * rng.standard_normal(6 * SR))])
    peaks = [_column(hf, F, f"rhythm_bpm_peak{k}")[0] for k in (1, 2)]
    assert abs(peaks[0] - bpm) < 2
    assert min(abs(peaks[1] - bpm / 2), abs(peaks[1] - bpm * 2)) < 2
    strength = _column(hf, F, "rhythm_sum")
    assert strength[0] > 2 * strength[1]


def test_extended_matches_librosa(rng):
    y = _music(rng)
    hf = HandcraftedFeatures(feature_set="extended")
    F = hf.transform(y[None])
    names = list(hf.get_feature_names_out())

    def stat(prefix, name):
        cols = [i for i, n in enumerate(names) if n.startswith(prefix)]
        return np.array([F[0, i] for i in cols if names[i].endswith("_" + name)])

    mfcc = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=20)
    np.testing.assert_allclose(stat("mfcc_", "mean"), mfcc.mean(axis=1), atol=1e-3)
    np.testing.assert_allclose(stat("mfcc_", "std"), mfcc.std(axis=1), atol=1e-3)
    centroid = librosa.feature.spectral_centroid(y=y, sr=SR)
    np.testing.assert_allclose(
        stat("spectral_centroid", "max"), centroid.max(), rtol=1e-4
    )
    contrast = librosa.feature.spectral_contrast(y=y, sr=SR)
    np.testing.assert_allclose(
        stat("spectral_contrast_", "median"), np.median(contrast, axis=1), atol=1e-3
    )


def test_duration_crops(clips):
    hf = HandcraftedFeatures(duration=0.5)
    np.testing.assert_array_equal(
        hf.transform(clips), HandcraftedFeatures().transform(clips[:, : SR // 2])
    )


def test_parameters_change_the_analysis(clips, features):
    F = HandcraftedFeatures(n_fft=1024, hop_length=512, texture_window=0.5)
    assert not np.allclose(F.transform(clips), features["tzanetakis"])


def test_n_jobs_matches_serial_with_paths_decoded_in_workers(clips, features, tmp_path):
    paths = []
    for i, y in enumerate(clips):
        paths.append(str(tmp_path / f"clip{i}.wav"))
        sf.write(paths[-1], y, SR, subtype="FLOAT")
    hf = HandcraftedFeatures(n_jobs=2)
    np.testing.assert_allclose(hf.transform(paths), features["tzanetakis"], rtol=1e-10)
    bad = [clips[0], clips[1].copy()]
    bad[1][10] = np.nan
    with pytest.raises(AudioInputError, match="clip 1"):
        hf.transform(bad)


def test_bad_input_raises_clear_errors(clips):
    hf = HandcraftedFeatures()
    bad = clips.copy()
    bad[1, 5] = np.nan
    with pytest.raises(AudioInputError, match="clip 1 contains NaN"):
        hf.transform(bad)
    with pytest.raises(AudioInputError, match="silent"):
        hf.transform(np.zeros((2, 100)))
    with pytest.raises(AudioInputError, match="integer samples"):
        hf.transform(np.ones((2, 100), dtype=np.int16))
    with pytest.raises(FileNotFoundError, match=r"missing\.wav"):
        hf.transform(["missing.wav"])


def test_bad_parameters_raise():
    y = _tone(440.0, 0.5)[None]
    with pytest.raises(ValueError, match="feature_set"):
        HandcraftedFeatures(feature_set="mfcc").fit_transform(y)
    with pytest.raises(ValueError, match="n_mels=10 is too small"):
        HandcraftedFeatures(feature_set="extended", n_mels=10).fit_transform(y)
    with pytest.raises(ValueError, match="sr > 12800"):
        HandcraftedFeatures(feature_set="extended", sr=8000).fit_transform(y)
    with pytest.raises(ValueError, match="texture_window"):
        HandcraftedFeatures(texture_window=0).fit_transform(y)


def test_set_output_pandas(clips, features):
    hf = clone(HandcraftedFeatures()).set_output(transform="pandas")
    X = pd.Series(list(clips), index=["a", "b", "c"])
    df = hf.fit_transform(X)
    assert isinstance(df, pd.DataFrame)
    assert df.columns.tolist() == hf.get_feature_names_out().tolist()
    assert df.index.tolist() == ["a", "b", "c"]
    np.testing.assert_array_equal(df.to_numpy(), features["tzanetakis"])


def test_verbose_progress_bar(clips, capsys):
    HandcraftedFeatures(verbose=2).transform(clips[:1])  # 2: from the start
    assert "HandcraftedFeatures" in capsys.readouterr().err


def test_pipeline_separates_tones_from_noise_bursts():
    rng = np.random.default_rng(0)
    t = np.arange(int(1.5 * SR)) / SR

    def tone():
        f0 = rng.uniform(100, 300)
        return np.sin(2 * np.pi * f0 * t) + 0.5 * np.sin(4 * np.pi * f0 * t)

    def bursts():
        gate = (t % rng.uniform(0.2, 0.4)) < 0.05
        return rng.standard_normal(t.size) * gate + 0.01 * rng.standard_normal(t.size)

    X = [0.3 * (tone() if k % 2 == 0 else bursts()) for k in range(24)]
    y = np.arange(24) % 2
    model = make_pipeline(
        HandcraftedFeatures(), StandardScaler(), KNeighborsClassifier(3)
    )
    model.fit(X[:16], y[:16])
    assert model.score(X[16:], y[16:]) >= 0.85
