"""The pipeline factory :mod:`sklearn_music.pipeline`."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import soundfile as sf
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklearn_music.datasets import make_music
from sklearn_music.estimators import GaussianMixtureClassifier, estimator_class
from sklearn_music.features import (
    PRESETS,
    CQTSpectrogram,
    HandcraftedFeatures,
    MelSpectrogram,
    STFTSpectrogram,
)
from sklearn_music.models import ARCHITECTURES
from sklearn_music.pipeline import (
    FRONT_ENDS,
    MEL_PARAMS,
    NETWORK_PARAMS,
    make_front_end,
    make_music_pipeline,
    model_params,
    pipeline_models,
)

SPECTROGRAM = [k for k, s in ARCHITECTURES.items() if s.input_kind == "spectrogram"]
WAVEFORM = [k for k, s in ARCHITECTURES.items() if s.input_kind == "waveform"]


def test_pipeline_models_follow_the_registry(monkeypatch):
    assert pipeline_models() == (*ARCHITECTURES, "tzanetakis")
    monkeypatch.setitem(ARCHITECTURES, "toynet", ARCHITECTURES["crnn"])
    assert "toynet" in pipeline_models()
    assert model_params("toynet") == model_params("crnn")


@pytest.mark.parametrize("model", SPECTROGRAM)
def test_spectrogram_network_gets_a_mel_front_end(model):
    pipe = make_music_pipeline(
        model, preset="won2020", n_mels=40, sr=16000, duration=2.0,
        param_budget=1e4, max_epochs=3, batch_size=4, lr=1e-2, device="cpu",
        n_jobs=2, random_state=7, verbose=1,
    )  # fmt: skip
    assert [name for name, _ in pipe.steps] == ["mel", "clf"]
    mel, net = pipe.named_steps["mel"], pipe.named_steps["clf"]
    assert type(mel) is MelSpectrogram
    assert type(net) is estimator_class(model)
    assert {k: mel.get_params()[k] for k in
            ["preset", "n_mels", "sr", "duration", "device", "n_jobs", "verbose"]
            } == {"preset": "won2020", "n_mels": 40, "sr": 16000, "duration": 2.0,
                  "device": "cpu", "n_jobs": 2, "verbose": 1}  # fmt: skip
    assert {k: net.get_params()[k] for k in
            ["param_budget", "max_epochs", "batch_size", "lr", "device",
             "random_state", "verbose"]
            } == {"param_budget": 1e4, "max_epochs": 3, "batch_size": 4,
                  "lr": 1e-2, "device": "cpu", "random_state": 7,
                  "verbose": 1}  # fmt: skip


def test_parameters_left_to_none_keep_the_defaults():
    pipe = make_music_pipeline()
    default = make_music_pipeline("crnn")
    assert repr(pipe) == repr(default)
    mel, net = pipe.named_steps["mel"], pipe.named_steps["clf"]
    assert mel.get_params() == MelSpectrogram().get_params()
    expected = estimator_class("crnn")().get_params(deep=False)
    assert net.get_params(deep=False) == expected


@pytest.mark.parametrize("model", WAVEFORM)
def test_waveform_network_reads_audio_itself(model, tmp_path):
    pipe = make_music_pipeline(model, param_budget=2e4, random_state=0)
    assert [name for name, _ in pipe.steps] == ["clf"]
    assert pipe.named_steps["clf"].sr == 22050
    assert pipe.named_steps["clf"].param_budget == 2e4

    pipe = make_music_pipeline(model, sr=8000, duration=1.5)
    assert [name for name, _ in pipe.steps] == ["audio", "clf"]
    read = pipe.named_steps["audio"]
    assert isinstance(read, FunctionTransformer)
    assert read.kw_args == {"sr": 8000, "duration": 1.5}
    assert pipe.named_steps["clf"].sr == 8000
    X, _ = make_music(2, n_classes=2, duration=2.0, sr=8000, random_state=0)
    files = [tmp_path / f"{i}.wav" for i in range(2)]
    for path, clip in zip(files, X, strict=True):
        sf.write(path, clip, 8000)
    waves = read.fit_transform(files)  # decoded, the first 1.5 s
    assert len(waves) == 2 and all(w.shape == (12000,) for w in waves)


def test_tzanetakis_pipeline_fits_and_predicts():
    pipe = make_music_pipeline(
        "tzanetakis", sr=16000, device="cuda", n_jobs=1, random_state=3
    )  # device is ignored: nothing in it runs on torch
    steps = [(name, type(step)) for name, step in pipe.steps]
    assert steps == [
        ("features", HandcraftedFeatures),
        ("scale", StandardScaler),
        ("clf", GaussianMixtureClassifier),
    ]
    assert pipe.named_steps["features"].sr == 16000
    assert pipe.named_steps["features"].feature_set == "tzanetakis"
    assert pipe.named_steps["clf"].random_state == 3
    assert make_music_pipeline("tzanetakis").named_steps["features"].sr == 22050

    X, y = make_music(16, n_classes=2, duration=2.0, sr=16000, random_state=0)
    pred = pipe.fit(X, y).predict(X)
    assert pred.shape == (16,) and set(pred) <= set(y)
    assert np.mean(pred == y) >= 0.75


@pytest.mark.parametrize(
    "model, params, message",
    [
        ("samplecnn", {"preset": "won2020"}, "preset does not apply to model "
         "'samplecnn'"),
        ("samplecnn", {"preset": "won2020", "n_mels": 40},
         "preset and n_mels do not apply"),
        ("tzanetakis", {"max_epochs": 3}, "max_epochs does not apply to model "
         "'tzanetakis'"),
        ("tzanetakis", {"n_mels": 40, "lr": 0.1}, "n_mels and lr do not apply"),
        ("resnet", {}, r"unknown model 'resnet'; the known ones are \('conv1d'"),
    ],
)  # fmt: skip
def test_refuses_what_does_not_apply(model, params, message):
    with pytest.raises(ValueError, match=message):
        make_music_pipeline(model, **params)


@pytest.mark.parametrize("model", [*ARCHITECTURES, "tzanetakis"])
def test_model_params_say_what_is_refused(model):
    takes = model_params(model)
    values = {
        "preset": "won2020", "n_mels": 40, "sr": 16000, "duration": 2.0,
        "param_budget": 1e4, "max_epochs": 2, "batch_size": 4, "lr": 0.1,
    }  # fmt: skip
    assert set(takes) <= set(values)
    for name, value in values.items():
        if name in takes:
            make_music_pipeline(model, **{name: value})
        else:
            with pytest.raises(ValueError, match=f"{name} does not apply"):
                make_music_pipeline(model, **{name: value})
    assert set(MEL_PARAMS) <= set(takes) or model not in SPECTROGRAM
    assert set(NETWORK_PARAMS) <= set(takes) or model == "tzanetakis"


@pytest.mark.parametrize(
    "kind, cls",
    [
        ("mel", MelSpectrogram),
        ("stft", STFTSpectrogram),
        ("cqt", CQTSpectrogram),
        ("tzanetakis", HandcraftedFeatures),
        ("extended", HandcraftedFeatures),
    ],
)
def test_make_front_end(kind, cls):
    assert kind in FRONT_ENDS
    front = make_front_end(kind, sr=16000, duration=1.0, n_jobs=2, verbose=1)
    assert type(front) is cls
    params = front.get_params()
    assert (params["sr"], params["duration"], params["n_jobs"], params["verbose"]) == (
        16000, 1.0, 2, 1,
    )  # fmt: skip
    if cls is HandcraftedFeatures:
        assert params["feature_set"] == kind
        assert make_front_end(kind).sr == 22050
    else:
        assert params["device"] == "cpu"
        assert make_front_end(kind, device="auto").device == "auto"
    if kind != "mel":
        with pytest.raises(ValueError, match=f"preset does not apply to front-end "
                           f"'{kind}'"):  # fmt: skip
            make_front_end(kind, preset="won2020")


def test_make_front_end_mel_options_and_errors():
    mel = make_front_end(preset=sorted(PRESETS)[0], n_mels=64)
    assert (mel.preset, mel.n_mels) == (sorted(PRESETS)[0], 64)
    with pytest.raises(ValueError, match="unknown front-end 'chroma'"):
        make_front_end("chroma")


def test_model_files_of_the_single_module_cli_still_load():
    # before the CLI became a package, the audio step of a waveform pipeline
    # was pickled as sklearn_music.cli._read_audio
    import sklearn_music.cli
    from sklearn_music.pipeline import _read_audio

    assert pickle.loads(b"csklearn_music.cli\n_read_audio\n.") is _read_audio
    assert sklearn_music.cli._read_audio is _read_audio
    with pytest.raises(AttributeError, match="no attribute '_nothing'"):
        sklearn_music.cli._nothing  # noqa: B018
