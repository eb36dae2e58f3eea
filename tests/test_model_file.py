"""Model files: :mod:`sklearn_music._model_file`."""

from __future__ import annotations

import joblib
import numpy as np
import pytest
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import sklearn_music
from sklearn_music import __version__
from sklearn_music._model_file import (
    MODEL_FORMAT,
    ModelFileError,
    ModelVersionWarning,
    configure_model,
    final_step,
    load_model,
    model_info,
    save_model,
)
from sklearn_music._serialize import read_manifest
from sklearn_music.estimators import GaussianMixtureClassifier


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(0, 1, (20, 3)), rng.normal(4, 1, (20, 3))])
    y = np.array(["a"] * 20 + ["b"] * 20)
    pipe = Pipeline([("scale", StandardScaler()), ("clf", GaussianMixtureClassifier())])
    return pipe.fit(X, y), X


def test_save_and_load_round_trip(fitted, tmp_path):
    pipe, X = fitted
    path = tmp_path / "m.skmusic"
    bundle = save_model(
        path, pipe, model="gmm", trained_on={"data": "d", "n_clips": 40},
        validation={"metric": "accuracy", "score": 1.0},
    )  # fmt: skip
    assert bundle["format"] == MODEL_FORMAT == "sklearn-music-model/2"
    assert (bundle["task"], bundle["classes"]) == ("multiclass", ["a", "b"])
    assert all(type(c) is str for c in bundle["classes"])  # not numpy strings
    loaded = load_model(path)
    assert {k: v for k, v in loaded.items() if k != "pipeline"} == {
        k: v for k, v in bundle.items() if k != "pipeline"
    }
    np.testing.assert_array_equal(loaded["pipeline"].predict(X), pipe.predict(X))
    assert read_manifest(path)["sklearn_music_version"] == __version__
    # a model file is data, never a pickle
    with pytest.raises(Exception):  # noqa: B017 - any error will do
        joblib.load(path)


def test_existing_files_are_kept(fitted, tmp_path):
    pipe, _ = fitted
    path = tmp_path / "m.skmusic"
    path.write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        save_model(path, pipe, model="gmm")
    assert path.read_bytes() == b"precious"
    save_model(path, pipe, model="gmm", overwrite=True)
    assert load_model(path)["model"] == "gmm"


def test_a_bare_fitted_model_is_accepted(fitted, tmp_path):
    pipe, _ = fitted
    sklearn_music.save(pipe, tmp_path / "bare.skmusic")
    bundle = load_model(tmp_path / "bare.skmusic")
    assert bundle["model"] == "GaussianMixtureClassifier"
    assert final_step(bundle["pipeline"]) is bundle["pipeline"][-1]
    joblib.dump(pipe, tmp_path / "bare.joblib")  # a pickle only when trusted
    with pytest.raises(ModelFileError, match="trust_pickle"):
        load_model(tmp_path / "bare.joblib")
    bundle = load_model(tmp_path / "bare.joblib", trust_pickle=True)
    assert bundle["sklearn_music_version"] is None


def test_unusable_files_are_refused(fitted, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"model file not found: '.*nope'"):
        load_model(tmp_path / "nope")
    (tmp_path / "junk").write_bytes(b"not a model")
    with pytest.raises(ModelFileError, match=r"not a sklearn-music model file"):
        load_model(tmp_path / "junk")
    with pytest.raises(ModelFileError, match=r"cannot read model file .* damaged"):
        load_model(tmp_path / "junk", trust_pickle=True)
    joblib.dump({"format": "other/1", "pipeline": None}, tmp_path / "other")
    with pytest.raises(ModelFileError, match="is not a model file"):
        load_model(tmp_path / "other", trust_pickle=True)
    joblib.dump([1, 2], tmp_path / "list")
    with pytest.raises(ModelFileError, match="holds a list, not a fitted"):
        load_model(tmp_path / "list", trust_pickle=True)
    assert issubclass(ModelFileError, ValueError)


def test_another_version_warns_or_is_refused(fitted, tmp_path):
    pipe, _ = fitted
    bundle = save_model(tmp_path / "m", pipe, model="gmm")
    bundle["sklearn_music_version"] = "0.0.1"
    bundle["format"] = "sklearn-music-model/1"  # the former, pickled format
    joblib.dump(bundle, tmp_path / "old")
    with pytest.warns(ModelVersionWarning, match="written by sklearn-music 0.0.1"):
        load_model(tmp_path / "old", trust_pickle=True)
    # as pickled by a version whose estimator lacked a parameter
    del bundle["pipeline"].named_steps["clf"].n_components
    joblib.dump(bundle, tmp_path / "older")
    with (
        pytest.warns(ModelVersionWarning),
        pytest.raises(ModelFileError, match=r"another version .* fit it again"),
    ):
        load_model(tmp_path / "older", trust_pickle=True)


def test_model_info_of_a_tagger():
    class Tagger:
        classes_ = np.array(["x", "y"])
        multilabel_ = True

    assert model_info(Tagger()) == ("multilabel", ["x", "y"])


def test_configure_model_sets_every_step():
    from sklearn_music.pipeline import make_music_pipeline

    pipe = make_music_pipeline("crnn", device="cpu", n_jobs=1)
    configure_model(pipe, device="cpu", n_jobs=3, verbose=2)
    mel, net = pipe.named_steps["mel"], pipe.named_steps["clf"]
    assert (mel.device, mel.n_jobs, mel.verbose) == ("cpu", 3, 1)
    assert (net.device, net.verbose) == ("cpu", 1)
    configure_model(pipe, device="cpu", verbose=0)
    assert (mel.n_jobs, mel.verbose, net.verbose) == (3, 0, 0)
