"""One track in every form: kneighbors, kneighbors_graph and recommend take a
single embedding, waveform or path as a batch of one, all in the same way."""

import warnings

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_music.datasets import make_music
from sklearn_music.features import HandcraftedFeatures
from sklearn_music.recommend import CosineRecommender
from sklearn_music.recommend._catalogue import query_batch

SR = 22050
METHODS = ["kneighbors", "kneighbors_graph", "recommend"]


def query(rec, method, X):
    """The answer of ``method`` to queries ``X``, comparable with ==."""
    if method == "kneighbors":
        return rec.kneighbors(X)
    if method == "kneighbors_graph":
        return rec.kneighbors_graph(X, mode="distance")
    return rec.recommend(X=X)


def assert_same(method, got, expected, *, single):
    """``got`` (one query) answers like the batch of one ``expected``."""
    if method == "kneighbors":
        for a, b in zip(got, expected, strict=True):
            assert a.shape == b.shape and a.shape[0] == 1
            np.testing.assert_allclose(a, b, atol=1e-6)
    elif method == "kneighbors_graph":
        assert got.shape == expected.shape and got.shape[0] == 1
        np.testing.assert_allclose(got.toarray(), expected.toarray(), atol=1e-6)
    else:
        if single:  # one query: no query column, as recommend(track) gives
            assert "query" not in got.columns
            expected = expected.drop(columns="query")
        pd.testing.assert_frame_equal(got, expected, atol=1e-6)


# ---------------------------------------------------------------------------
# embeddings (no embedder)


@pytest.fixture(scope="module")
def embeddings():
    rng = np.random.default_rng(0)
    E = rng.standard_normal((40, 6))
    genres = rng.integers(3, size=40)
    return E, genres, rng.standard_normal((3, 6))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "form",
    ["1-D array", "1-D list", "1-D float32", "Series", "list of one", "2-D row"],
)
def test_one_embedding_in_every_form(embeddings, method, form):
    E, genres, Q = embeddings
    rec = CosineRecommender(n_neighbors=4).fit(E, genres)
    q = Q[0]
    X = {
        "1-D array": q,
        "1-D list": q.tolist(),
        "1-D float32": q.astype(np.float32),
        "Series": pd.Series(q),
        "list of one": [q.tolist()],
        "2-D row": q[np.newaxis],
    }[form]
    expected = query(rec, method, Q[:1])
    single = form not in ("list of one", "2-D row")
    assert_same(method, query(rec, method, X), expected, single=single)


def test_one_embedding_like_nearest_neighbors(embeddings):
    E, _, Q = embeddings
    rec = CosineRecommender(n_neighbors=4).fit(E)
    nn = NearestNeighbors(n_neighbors=4, metric="cosine").fit(E)
    dist, ind = rec.kneighbors(Q[1])
    ref_dist, ref_ind = nn.kneighbors(Q[1][np.newaxis])
    np.testing.assert_array_equal(ind, ref_ind)
    np.testing.assert_allclose(dist, ref_dist, atol=1e-6)
    assert rec.kneighbors(Q[1], return_distance=False).shape == (1, 4)


def test_one_embedding_with_feature_names(embeddings):
    E, _, Q = embeddings
    columns = [f"e{i}" for i in range(E.shape[1])]
    rec = CosineRecommender(n_neighbors=3).fit(pd.DataFrame(E, columns=columns))
    row = pd.Series(Q[0], index=columns)  # a row of a frame keeps its names
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "X does not have valid feature names"
        ind = rec.kneighbors(row, return_distance=False)
        ref = rec.kneighbors(pd.DataFrame(Q[:1], columns=columns))[1]
    np.testing.assert_array_equal(ind, ref)


def test_one_embedding_genre_method(embeddings):
    E, genres, Q = embeddings
    classifier = LogisticRegression().fit(E, genres)
    rec = CosineRecommender(
        n_neighbors=4, method="genre", genre_classifier=classifier
    ).fit(E, genres)
    for method in METHODS:
        expected = query(rec, method, Q[:1])
        assert_same(method, query(rec, method, Q[0]), expected, single=True)


def test_one_embedding_errors(embeddings):
    E, _, Q = embeddings
    rec = CosineRecommender().fit(E)
    with pytest.raises(ValueError, match=r"X has 4 features, but .* expecting 6"):
        rec.kneighbors(Q[0, :4])
    with pytest.raises(ValueError, match=r"file path .* has no embedder"):
        rec.kneighbors("song.wav")
    with pytest.raises(ValueError, match=r"file path .* has no embedder"):
        rec.recommend(X="song.wav")


# ---------------------------------------------------------------------------
# audio (with an embedder)


@pytest.fixture(scope="module")
def audio(tmp_path_factory):
    """A catalogue of 1 s clips, a handcrafted-feature embedder, and one
    3 s query clip (66,150 samples: many times chunk_size) in memory and on
    disk."""
    X, y = make_music(16, n_classes=2, duration=1.0, sr=SR, random_state=0)
    Xq, _ = make_music(2, n_classes=2, duration=3.0, sr=SR, random_state=1)
    embedder = make_pipeline(HandcraftedFeatures(sr=SR), StandardScaler()).fit(X)
    path = tmp_path_factory.mktemp("query") / "query.wav"
    sf.write(path, Xq[0], SR, subtype="FLOAT")
    return X, y, Xq, embedder, path


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "form",
    ["1-D waveform", "list of numbers", "path str", "PathLike", "[waveform]", "[path]"],
)
def test_one_track_of_audio_in_every_form(audio, method, form):
    X, y, Xq, embedder, path = audio
    clip = Xq[0]
    assert clip.shape == (3 * SR,) and clip.shape[0] > 256  # the default chunk
    rec = CosineRecommender(n_neighbors=3, embedder=embedder).fit(X, y)
    given = {
        "1-D waveform": clip,
        "list of numbers": clip.tolist(),
        "path str": str(path),
        "PathLike": path,
        "[waveform]": [clip],
        "[path]": [str(path)],
    }[form]
    expected = query(rec, method, [clip])
    single = not form.startswith("[")
    assert_same(method, query(rec, method, given), expected, single=single)


def test_one_waveform_genre_method(audio):
    X, y, Xq, embedder, _ = audio
    classifier = make_pipeline(
        embedder, LogisticRegression().fit(embedder.transform(X), y)
    )
    rec = CosineRecommender(
        n_neighbors=3, embedder=embedder, method="genre", genre_classifier=classifier
    ).fit(X, y)
    for method in METHODS:
        expected = query(rec, method, [Xq[0]])
        assert_same(method, query(rec, method, Xq[0]), expected, single=True)
    # several clips of other lengths than the catalogue's still form a batch
    assert rec.kneighbors(list(Xq))[1].shape == (2, 3)


# ---------------------------------------------------------------------------
# the shared rule


def test_query_batch_rule():
    one = np.ones(5)
    X, single = query_batch(one, audio=False)
    assert single and X.shape == (1, 5)
    X, single = query_batch(one, audio=True)
    assert single and isinstance(X, list) and X[0] is one
    assert query_batch("a.wav", audio=True) == (["a.wav"], True)
    batch = np.ones((2, 5))
    assert query_batch(batch, audio=False)[0] is batch
    assert query_batch(batch, audio=True) == (batch, False)
    paths = ["a.wav", "b.wav"]
    assert query_batch(paths, audio=True) == (paths, False)
    clips = [one, one]
    assert query_batch(clips, audio=True) == (clips, False)
    assert query_batch(np.array(paths), audio=True)[1] is False
