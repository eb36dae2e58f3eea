"""Safe model files: sklearn_music.save / load never unpickle."""

import json
import os
import pickle
import zipfile

import joblib
import numpy as np
import pytest

import sklearn_music
from sklearn_music import CosineRecommender, MelSpectrogram, make_music
from sklearn_music._serialize import ModelFileError
from sklearn_music.pipeline import make_music_pipeline


@pytest.fixture(scope="module")
def music():
    X, y = make_music(12, duration=1.0, sr=8000, random_state=0)
    return list(X), y


def _roundtrip(obj, tmp_path, **kwargs):
    path = tmp_path / "model.skmusic"
    sklearn_music.save(obj, path)
    return sklearn_music.load(path, **kwargs)


def test_unfitted_transformer_keeps_its_parameters(tmp_path):
    back = _roundtrip(MelSpectrogram(n_mels=32, fmax=3000.0), tmp_path)
    assert type(back) is MelSpectrogram
    assert back.get_params() == MelSpectrogram(n_mels=32, fmax=3000.0).get_params()


def test_handcrafted_pipeline_predicts_the_same(tmp_path, music):
    X, y = music
    pipe = make_music_pipeline("tzanetakis", sr=8000, random_state=0).fit(X, y)
    back = _roundtrip(pipe, tmp_path)
    np.testing.assert_array_equal(back.predict_proba(X), pipe.predict_proba(X))
    assert list(back.classes_) == list(pipe.classes_)


def test_neural_pipeline_predicts_the_same(tmp_path, music):
    X, y = music
    pipe = make_music_pipeline("crnn", sr=8000, max_epochs=1, random_state=0)
    pipe.fit(X, y)
    back = _roundtrip(pipe, tmp_path)
    np.testing.assert_allclose(back.predict_proba(X), pipe.predict_proba(X), atol=1e-6)
    net = back[-1]
    assert len(net.history_) == 1
    assert net.get_params()["max_epochs"] == 1
    # a save_weights file (tensors only) loads through the same function
    pipe[-1].save_weights(tmp_path / "weights.pt")
    weights = sklearn_music.load(tmp_path / "weights.pt")
    S = pipe[0].transform(X)
    expected = net.predict_proba(S)
    np.testing.assert_allclose(weights.predict_proba(S), expected, atol=1e-6)


@pytest.mark.parametrize("algorithm", ["exact", "hnsw"])
def test_recommender_keeps_ids_and_neighbours(tmp_path, algorithm):
    E = np.random.default_rng(0).normal(size=(30, 8))
    ids = [f"t{i}" for i in range(30)]
    if algorithm == "exact":
        ids = list(range(100, 130))  # ints stay ints
    rec = CosineRecommender(algorithm=algorithm).fit(E, ids=ids)
    back = _roundtrip(rec, tmp_path)
    np.testing.assert_array_equal(back.kneighbors(E[:5])[1], rec.kneighbors(E[:5])[1])
    assert [type(i) for i in back.ids_] == [type(i) for i in rec.ids_]
    assert list(back.ids_) == list(rec.ids_)


def test_existing_file_is_kept_unless_overwrite(tmp_path):
    path = tmp_path / "model.skmusic"
    path.write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        sklearn_music.save(MelSpectrogram(), path)
    assert path.read_bytes() == b"precious"
    sklearn_music.save(MelSpectrogram(), path, overwrite=True)
    assert sklearn_music.load(path).n_mels == MelSpectrogram().n_mels


class _Payload:
    """Unpickling this object creates a marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickle_payload_never_runs_without_trust(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.joblib"
    joblib.dump({"pipeline": _Payload(str(marker))}, path)
    with pytest.raises(ModelFileError, match="trust_pickle"):
        sklearn_music.load(path)
    assert not marker.exists()
    plain = tmp_path / "evil.pkl"
    plain.write_bytes(pickle.dumps(_Payload(str(marker))))
    with pytest.raises(ModelFileError, match="pickle"):
        sklearn_music.load(plain)
    assert not marker.exists()
    sklearn_music.load(plain, trust_pickle=True)  # explicitly asked for
    assert marker.exists()


def test_pickle_inside_a_skops_member_is_refused(tmp_path):
    import skops.io

    path = tmp_path / "model.skmusic"
    sklearn_music.save(make_music_pipeline("tzanetakis"), path)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    manifest = json.loads(members["sklearn-music.json"])
    manifest["root"] = {"__skops__": "skops/evil.skops"}
    members["sklearn-music.json"] = json.dumps(manifest).encode()
    members["skops/evil.skops"] = skops.io.dumps(_Payload(str(tmp_path / "x")))
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    with pytest.raises(ModelFileError, match="not trusted"):
        sklearn_music.load(path)
    assert not (tmp_path / "x").exists()


def _rewrite_manifest(path, change):
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    manifest = json.loads(members["sklearn-music.json"])
    change(manifest)
    members["sklearn-music.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def test_classes_outside_the_allow_list_are_refused(tmp_path):
    path = tmp_path / "model.skmusic"
    sklearn_music.save(MelSpectrogram(), path)

    def evil(manifest):
        manifest["root"]["__estimator__"] = "os.system"

    _rewrite_manifest(path, evil)
    with pytest.raises(ModelFileError, match="not allowed"):
        sklearn_music.load(path)


def test_newer_format_is_a_clear_error(tmp_path):
    path = tmp_path / "model.skmusic"
    sklearn_music.save(MelSpectrogram(), path)
    _rewrite_manifest(path, lambda m: m.update(format_version=99))
    with pytest.raises(ModelFileError, match=r"format version 99.*Upgrade"):
        sklearn_music.load(path)


def test_damaged_file_is_an_error_not_a_model(tmp_path, music):
    X, y = music
    pipe = make_music_pipeline("tzanetakis", sr=8000, random_state=0).fit(X, y)
    path = tmp_path / "model.skmusic"
    sklearn_music.save(pipe, path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("arrays.safetensors")
    data[info.header_offset + 30 + len(info.filename) + info.file_size - 5] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError):
        sklearn_music.load(path)


def test_values_only_pickle_could_store_are_refused_at_save(tmp_path):
    from sklearn.preprocessing import FunctionTransformer

    path = tmp_path / "model.skmusic"
    with pytest.raises(TypeError, match="without pickling"):
        sklearn_music.save(
            CosineRecommender(embedder=FunctionTransformer(lambda x: x)), path
        )
    assert not os.path.exists(path)


def test_metadata_is_kept(tmp_path):
    from sklearn_music._serialize import read_manifest

    path = tmp_path / "model.skmusic"
    sklearn_music.save(MelSpectrogram(), path, metadata={"trained_on": "x"})
    manifest = read_manifest(path)
    assert manifest["metadata"] == {"trained_on": "x"}
    assert manifest["format_version"] == 1


def test_recommender_with_an_audio_embedder(tmp_path, music):
    X, y = music
    pipe = make_music_pipeline("tzanetakis", sr=8000, random_state=0).fit(X, y)
    rec = CosineRecommender(embedder=pipe[:-1], genre_classifier=pipe)
    rec.fit(X, ids=[f"clip{i}" for i in range(len(X))])
    back = _roundtrip(rec, tmp_path)
    expected = rec.recommend(X=X[:2], n=3)
    got = back.recommend(X=X[:2], n=3)
    assert got["id"].tolist() == expected["id"].tolist()


def _public_estimators():
    from sklearn.base import BaseEstimator

    classes = []
    for name in sklearn_music.__all__:
        obj = getattr(sklearn_music, name)
        if isinstance(obj, type) and issubclass(obj, BaseEstimator):
            classes.append(obj)
    return classes


@pytest.mark.parametrize("cls", _public_estimators(), ids=lambda c: c.__name__)
def test_every_public_estimator_round_trips_unfitted(cls, tmp_path):
    if cls.__name__.startswith("Accelerated"):
        pytest.skip("needs an accelerate.Accelerator, which is not data")
    est = cls()
    back = _roundtrip(est, tmp_path)
    assert type(back) is cls
    assert repr(back.get_params(deep=False)) == repr(est.get_params(deep=False))


def test_an_accelerator_is_refused_with_a_clear_error(tmp_path):
    accelerate = pytest.importorskip("accelerate")
    from sklearn_music import AcceleratedCRNNClassifier

    est = AcceleratedCRNNClassifier(accelerator=accelerate.Accelerator(cpu=True))
    with pytest.raises(TypeError, match="accelerator"):
        sklearn_music.save(est, tmp_path / "m.skmusic")
