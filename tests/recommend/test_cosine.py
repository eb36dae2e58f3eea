"""CosineRecommender on embeddings: exactness, the genre-aware ranking,
catalogue growth, persistence and errors."""

import pickle
import sys

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits

from sklearn_music.recommend import CosineRecommender
from sklearn_music.recommend._cosine import _TILE


def clustered(rng, n, d=16, n_clusters=4, spread=0.6):
    """Embeddings around a few random directions, and the cluster of each."""
    centres = rng.standard_normal((n_clusters, d))
    labels = rng.integers(n_clusters, size=n)
    return centres[labels] + spread * rng.standard_normal((n, d)), labels


def overlap(a, b):
    """Mean fraction of shared neighbours per row (recall of a against b)."""
    return np.mean([len(set(r) & set(s)) / len(s) for r, s in zip(a, b, strict=True)])


@pytest.fixture
def catalogue(rng):
    """300 catalogue embeddings and 40 queries from the same 4 clusters."""
    E, labels = clustered(rng, 340)
    return E[:300], labels[:300], E[300:], labels[300:]


# ---------------------------------------------------------------------------
# exact search


@pytest.mark.parametrize("chunk_size", [1, 7, 256])
def test_same_neighbours_as_sklearn(rng, chunk_size):
    # more than one catalogue tile, the last one not a multiple of the block
    E = rng.standard_normal((_TILE + 1003, 8))
    Q = rng.standard_normal((30, 8))
    rec = CosineRecommender(n_neighbors=7, chunk_size=chunk_size).fit(E)
    nn = NearestNeighbors(n_neighbors=7, metric="cosine", algorithm="brute").fit(E)
    for X in (Q, None) if chunk_size > 1 else (Q,):
        dist, ind = rec.kneighbors(X)
        ref_dist, ref_ind = nn.kneighbors(X)
        np.testing.assert_array_equal(ind, ref_ind)
        np.testing.assert_allclose(dist, ref_dist, atol=1e-6)
        assert dist.dtype == np.float32
        assert (np.diff(dist, axis=1) >= 0).all()


def test_few_queries_split_the_catalogue_between_threads(rng):
    # fewer query chunks than BLAS threads: threads share the catalogue
    E, labels = clustered(rng, 2 * _TILE + 517, d=6)
    Q = rng.standard_normal((3, 6))
    En = E / np.linalg.norm(E, axis=1, keepdims=True)
    Qn = Q / np.linalg.norm(Q, axis=1, keepdims=True)
    with threadpool_limits(limits=2, user_api="blas"):
        rec = CosineRecommender(n_neighbors=6, chunk_size=2).fit(E, labels)
        ind = rec.kneighbors(Q, return_distance=False)
        np.testing.assert_array_equal(ind, np.argsort(-Qn @ En.T, axis=1)[:, :6])
        # catalogue tracks as queries, each excluded from its own neighbours
        rows = [0, 5000, len(E) - 1]
        rec.set_params(method="genre", genre_weight=0.1)
        table = rec.recommend(rows, n=6)
    score = 0.9 * En[rows] @ En.T + 0.1 * (labels[rows][:, None] == labels)
    score[np.arange(3), rows] = -np.inf
    expected = np.argsort(-score, axis=1, kind="stable")[:, :6]
    np.testing.assert_array_equal(table["id"].to_numpy().reshape(3, 6), expected)


@pytest.mark.parametrize("n_neighbors", [1, 5, 40, 299])
def test_any_number_of_neighbours(catalogue, n_neighbors):
    E, _, _, _ = catalogue
    rec = CosineRecommender().fit(E)
    nn = NearestNeighbors(metric="cosine", algorithm="brute").fit(E)
    dist, ind = rec.kneighbors(n_neighbors=n_neighbors)
    ref_dist, ref_ind = nn.kneighbors(n_neighbors=n_neighbors)
    # float32 and float64 may order near-ties differently
    np.testing.assert_allclose(dist, ref_dist, atol=1e-6)
    assert overlap(ind, ref_ind) > 0.999
    assert ind.shape == (300, n_neighbors)
    assert not (ind == np.arange(300)[:, np.newaxis]).any()


@pytest.mark.parametrize("chunk_size", [1, 256])
def test_more_neighbours_than_a_tile(rng, chunk_size):
    E = rng.standard_normal((_TILE + 600, 4))
    Q = rng.standard_normal((3, 4))
    En = E / np.linalg.norm(E, axis=1, keepdims=True)
    Qn = Q / np.linalg.norm(Q, axis=1, keepdims=True)
    rec = CosineRecommender(chunk_size=chunk_size).fit(E)
    k = _TILE + 100
    dist, ind = rec.kneighbors(Q, n_neighbors=k)
    np.testing.assert_allclose(dist, np.sort(1 - Qn @ En.T)[:, :k], atol=1e-6)
    assert all(len(set(row)) == k for row in ind)
    rows = [0, 7, len(E) - 1]
    table = rec.recommend(rows, n=len(E) - 1)  # all the other tracks
    for row, group in table.groupby("query"):
        assert sorted(group["id"]) == sorted(set(range(len(E))) - {row})


def test_duplicates_and_scale(rng):
    E = rng.standard_normal((50, 4))
    E[10] = 3 * E[3]  # same direction as track 3
    E[11] = E[3]
    rec = CosineRecommender(n_neighbors=2).fit(E)
    dist, ind = rec.kneighbors()
    assert set(ind[3]) == {10, 11}
    np.testing.assert_allclose(dist[3], 0, atol=1e-6)
    assert (dist >= 0).all()
    dist, ind = rec.kneighbors(E[[3]])
    assert set(ind[0]) <= {3, 10, 11}


def test_input_not_modified_and_dtypes(rng):
    E = rng.standard_normal((20, 5))
    copy = E.copy()
    rec = CosineRecommender(n_neighbors=3).fit(E)
    np.testing.assert_array_equal(E, copy)
    assert rec.embeddings_.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(rec.embeddings_, axis=1), 1, rtol=1e-6)
    ref = rec.kneighbors(E[:4], return_distance=False)
    for X in (E.astype(np.float32), (E * 1000).astype(np.int64)):
        ind = CosineRecommender(n_neighbors=3).fit(X).kneighbors(X[:4])[1]
        assert ind.shape == ref.shape
    # tiny and huge magnitudes normalise without underflow or overflow
    ind = CosineRecommender(n_neighbors=3).fit(E * 1e-200).kneighbors(E[:4] * 1e200)
    np.testing.assert_array_equal(ind[1], ref)


def test_kneighbors_graph_like_sklearn(catalogue):
    E, _, Q, _ = catalogue
    rec = CosineRecommender(n_neighbors=4).fit(E)
    nn = NearestNeighbors(n_neighbors=4, metric="cosine", algorithm="brute").fit(E)
    for X in (Q, None):
        for mode in ("connectivity", "distance"):
            A = rec.kneighbors_graph(X, mode=mode)
            B = nn.kneighbors_graph(X, mode=mode)
            assert A.format == "csr" and A.shape == B.shape
            np.testing.assert_allclose(A.toarray(), B.toarray(), atol=1e-6)
    with pytest.raises(ValueError, match="Unsupported mode"):
        rec.kneighbors_graph(mode="weights")


def test_feature_names_and_dataframes(catalogue):
    E, _, Q, _ = catalogue
    columns = [f"e{i}" for i in range(E.shape[1])]
    rec = CosineRecommender().fit(pd.DataFrame(E, columns=columns))
    assert list(rec.feature_names_in_) == columns
    ind = rec.kneighbors(pd.DataFrame(Q, columns=columns), return_distance=False)
    np.testing.assert_array_equal(
        ind, CosineRecommender().fit(E).kneighbors(Q, return_distance=False)
    )


# ---------------------------------------------------------------------------
# recommend


def test_recommend_by_id_and_by_embedding(catalogue):
    E, labels, Q, _ = catalogue
    ids = [f"track-{i:03d}" for i in range(len(E))]
    genres = np.array(["rock", "jazz", "pop", "folk"])[labels]
    rec = CosineRecommender(n_neighbors=3).fit(E, genres, ids=ids)
    dist, ind = rec.kneighbors()

    one = rec.recommend("track-007")
    assert list(one.columns) == ["id", "similarity", "genre"]
    assert list(one["id"]) == [ids[j] for j in ind[7]]
    np.testing.assert_allclose(one["similarity"], 1 - dist[7], atol=1e-6)
    assert list(one["genre"]) == list(genres[ind[7]])

    several = rec.recommend(["track-007", "track-100"], n=2)
    assert list(several.columns) == ["query", "id", "similarity", "genre"]
    assert list(several["query"]) == ["track-007"] * 2 + ["track-100"] * 2
    assert list(several["id"][:2]) == list(one["id"][:2])

    new = rec.recommend(X=Q[0])  # a single 1-D embedding
    assert list(new.columns) == ["id", "similarity", "genre"] and len(new) == 3
    batch = rec.recommend(X=Q[:2])
    assert list(batch["query"]) == [0, 0, 0, 1, 1, 1]
    pd.testing.assert_frame_equal(batch[:3].drop(columns="query"), new)

    with pytest.raises(ValueError, match=r"Unknown track id.*'nope'"):
        rec.recommend(["track-001", "nope"])
    with pytest.raises(ValueError, match=r"exactly one of track .* got both"):
        rec.recommend("track-001", X=Q)
    with pytest.raises(ValueError, match="got neither"):
        rec.recommend()


def test_recommend_default_ids_are_row_numbers(catalogue):
    E, _, _, _ = catalogue
    rec = CosineRecommender(n_neighbors=2).fit(E)
    table = rec.recommend(5)
    assert list(table.columns) == ["id", "similarity"]
    np.testing.assert_array_equal(table["id"], rec.kneighbors()[1][5])


# ---------------------------------------------------------------------------
# genre-aware ranking (method 2)


def test_genre_rerank_follows_the_documented_score(catalogue):
    E, labels, Q, _ = catalogue
    classifier = LogisticRegression().fit(E, labels)
    predicted = classifier.predict(Q)
    w = 0.2
    rec = CosineRecommender(
        n_neighbors=10, method="genre", genre_weight=w, genre_classifier=classifier
    ).fit(E, labels)
    dist, ind = rec.kneighbors(Q)
    # brute force: the documented score of every catalogue track
    En = E / np.linalg.norm(E, axis=1, keepdims=True)
    Qn = Q / np.linalg.norm(Q, axis=1, keepdims=True)
    score = (1 - w) * Qn @ En.T + w * (labels[np.newaxis] == predicted[:, None])
    expected = np.argsort(-score, axis=1, kind="stable")[:, :10]
    np.testing.assert_array_equal(ind, expected)
    np.testing.assert_allclose(
        dist, 1 - np.take_along_axis(score, expected, axis=1), atol=1e-5
    )
    table = rec.recommend(X=Q[:1], n=10)
    assert list(table.columns) == ["query", "id", "similarity", "score", "genre"]
    np.testing.assert_allclose(table["score"], 1 - dist[0], atol=1e-6)
    # weight 0 is cosine similarity alone
    rec.set_params(genre_weight=0)
    np.testing.assert_array_equal(
        rec.kneighbors(Q, return_distance=False),
        CosineRecommender(n_neighbors=10).fit(E).kneighbors(Q, return_distance=False),
    )


def test_genre_restrict(rng):
    E, labels = clustered(rng, 200, n_clusters=3, spread=2.0)
    labels[:4] = 5  # a genre with only 4 tracks
    rec = CosineRecommender(n_neighbors=6, method="genre", genre_mode="restrict").fit(
        E, labels
    )
    dist, ind = rec.kneighbors()
    same = labels[ind] == labels[:, np.newaxis]
    # tracks of the genre first (by cosine), others only as fill-up
    assert same[4:].all()
    assert same[:4, :3].all() and not same[:4, 3:].any()
    assert (dist[:4, 3:] > 2).all() and (dist[:, :3] <= 2).all()
    assert (np.diff(dist, axis=1) >= 0).all()
    # recommend leaves the fill-ups out
    assert len(rec.recommend(0)) == 3 and len(rec.recommend(10)) == 6
    # a heavy rerank weight orders like restrict
    heavy = rec.set_params(genre_mode="rerank", genre_weight=0.7)
    np.testing.assert_array_equal(heavy.kneighbors(return_distance=False), ind)


def test_catalogue_genres_from_the_classifier(catalogue):
    E, labels, Q, _ = catalogue
    classifier = LogisticRegression().fit(E, labels)
    rec = CosineRecommender(method="genre", genre_classifier=classifier).fit(E)
    np.testing.assert_array_equal(rec.genres_, classifier.predict(E))
    assert "genre" in rec.recommend(0).columns
    # a label the catalogue lacks matches no track: plain cosine order
    predicted = classifier.predict(Q)
    lacking = predicted[0]
    rec.fit(E, np.where(labels == lacking, lacking + 1, labels))
    rows = np.flatnonzero(predicted == lacking)
    ind = rec.kneighbors(Q[rows], return_distance=False)
    ref = CosineRecommender().fit(E).kneighbors(Q[rows], return_distance=False)
    np.testing.assert_array_equal(ind, ref)


def test_genre_method_needs_genres(catalogue):
    E, labels, Q, _ = catalogue
    with pytest.raises(ValueError, match="needs the genres of the catalogue"):
        CosineRecommender(method="genre").fit(E)
    rec = CosineRecommender(method="genre").fit(E, labels)
    rec.kneighbors()  # catalogue queries keep their own genre
    rec.recommend(3)
    with pytest.raises(ValueError, match="needs a genre_classifier"):
        rec.kneighbors(Q)
    rec = CosineRecommender().fit(E).set_params(method="genre")
    with pytest.raises(ValueError, match="needs the genres of the catalogue"):
        rec.kneighbors()
    with pytest.raises(NotFittedError, match="never fits it"):
        CosineRecommender(genre_classifier=LogisticRegression()).fit(E)


# ---------------------------------------------------------------------------
# growing the catalogue


def test_partial_fit_equals_fit(catalogue):
    E, labels, Q, _ = catalogue
    full = CosineRecommender(n_neighbors=5).fit(E, labels)
    grown = CosineRecommender(n_neighbors=5)
    for start in range(0, 300, 70):
        grown.partial_fit(E[start : start + 70], labels[start : start + 70])
    np.testing.assert_array_equal(grown.ids_, np.arange(300))
    np.testing.assert_array_equal(grown.genres_, labels)
    assert grown.n_samples_fit_ == 300
    for X in (Q, None):
        np.testing.assert_array_equal(
            grown.kneighbors(X, return_distance=False),
            full.kneighbors(X, return_distance=False),
        )


def test_partial_fit_rejects_duplicate_ids(catalogue):
    E, _, _, _ = catalogue
    rec = CosineRecommender().fit(E[:10], ids=[f"t{i}" for i in range(10)])
    with pytest.raises(ValueError, match=r"already in the catalogue: \['t3', 't7'\]"):
        rec.partial_fit(E[10:13], ids=["t3", "new", "t7"])
    with pytest.raises(ValueError, match=r"repeated within this batch: \['x'\]"):
        rec.partial_fit(E[10:13], ids=["x", "y", "x"])
    with pytest.raises(ValueError, match="repeated within this batch"):
        CosineRecommender().fit(E[:3], ids=[1, 2, 1])
    assert rec.n_samples_fit_ == 10  # nothing was added
    rec.partial_fit(E[10:12], ids=["long-name-1", "long-name-2"])
    assert list(rec.ids_[-2:]) == ["long-name-1", "long-name-2"]
    # default ids are row numbers: integers beside strings are refused
    with pytest.raises(ValueError, match=r"ids of the catalogue are strings.*pass ids"):
        rec.partial_fit(E[12:13])
    assert rec.n_samples_fit_ == 12
    rec.partial_fit(E[12:13], ids=["t12"])
    assert rec.recommend("t12", n=1).shape == (1, 2)
    with pytest.raises(ValueError, match=r"expected shape \(2,\), got \(3,\)"):
        rec.partial_fit(E[:2], ids=["a", "b", "c"])


def test_partial_fit_genres_and_dimensions(catalogue):
    E, labels, _, _ = catalogue
    rec = CosineRecommender().fit(E[:50], labels[:50])
    with pytest.raises(ValueError, match="pass y for the new tracks"):
        rec.partial_fit(E[50:60])
    with pytest.raises(ValueError, match=r"X has 15 features, but .* expecting 16"):
        rec.partial_fit(E[50:60, :15], labels[50:60])
    plain = CosineRecommender().fit(E[:50])
    with pytest.raises(ValueError, match="fitted without genres"):
        plain.partial_fit(E[50:60], labels[50:60])


def test_partial_fit_genres_from_the_classifier(catalogue):
    E, labels, _, _ = catalogue
    names = np.array(["rock", "jazz", "pop", "folk"])[labels]
    classifier = LogisticRegression().fit(E, names)
    rec = CosineRecommender(genre_classifier=classifier).fit(E[:50], names[:50])
    rec.partial_fit(E[50:60])  # genres predicted for the new tracks
    np.testing.assert_array_equal(rec.genres_[50:], classifier.predict(E[50:60]))
    rec.partial_fit(E[60:62], ["a much longer genre", "x"])
    assert list(rec.genres_[-2:]) == ["a much longer genre", "x"]
    assert rec.recommend(60, n=1)["genre"].iloc[0] in set(rec.genres_)


# ---------------------------------------------------------------------------
# errors


def test_bad_input_is_named(catalogue):
    E, _, Q, _ = catalogue
    bad = E.copy()
    bad[[4, 9]] = 0
    with pytest.raises(ValueError, match=r"Row\(s\) 4, 9 of X are zero vectors"):
        CosineRecommender().fit(bad)
    rec = CosineRecommender().fit(E)
    with pytest.raises(ValueError, match=r"Row\(s\) 1 of X are zero vectors"):
        rec.kneighbors(np.vstack([Q[:1], np.zeros((1, 16))]))
    for value in (np.nan, np.inf):
        bad = E.copy()
        bad[7, 2] = value
        with pytest.raises(ValueError, match=r"NaN or infinity in row\(s\) 7"):
            CosineRecommender().fit(bad)
    with pytest.raises(ValueError, match=r"X has 8 features, but .* expecting 16"):
        rec.kneighbors(Q[:, :8])
    with pytest.raises(ValueError, match="0 sample"):
        CosineRecommender().fit(np.empty((0, 16)))


def test_too_many_neighbours(catalogue):
    E, _, Q, _ = catalogue
    rec = CosineRecommender().fit(E[:10])
    rec.kneighbors(Q, n_neighbors=10)
    with pytest.raises(ValueError, match=r"n_neighbors=11 is larger than the catalo"):
        rec.kneighbors(Q, n_neighbors=11)
    rec.kneighbors(n_neighbors=9)
    with pytest.raises(ValueError, match="larger than the 9 other tracks"):
        rec.kneighbors(n_neighbors=10)
    with pytest.raises(ValueError, match="larger than the 9 other tracks"):
        rec.recommend(0, n=10)
    with pytest.raises(ValueError, match="positive integer"):
        rec.kneighbors(Q, n_neighbors=0)
    with pytest.raises(ValueError, match="larger than the 0 other tracks"):
        CosineRecommender(n_neighbors=1).fit(E[:1]).kneighbors()


def test_unfitted():
    rec = CosineRecommender()
    for call in (
        lambda: rec.kneighbors(np.ones((1, 3))),
        lambda: rec.kneighbors_graph(),
        lambda: rec.recommend(0),
    ):
        with pytest.raises(NotFittedError):
            call()


# ---------------------------------------------------------------------------
# persistence


@pytest.mark.parametrize("method", ["cosine", "genre"])
def test_pickle_and_joblib_round_trip(catalogue, tmp_path, method):
    E, labels, Q, _ = catalogue
    classifier = LogisticRegression().fit(E, labels)
    rec = CosineRecommender(
        method=method, genre_classifier=classifier, n_neighbors=4
    ).fit(E, labels, ids=[f"t{i}" for i in range(300)])
    expected = rec.kneighbors(Q), rec.kneighbors(), rec.recommend("t1")
    path = tmp_path / "recommender.joblib"
    joblib.dump(rec, path)
    for restored in (pickle.loads(pickle.dumps(rec)), joblib.load(path)):
        got = restored.kneighbors(Q), restored.kneighbors(), restored.recommend("t1")
        for a, b in zip(got[:2], expected[:2], strict=True):
            np.testing.assert_array_equal(a[0], b[0])
            np.testing.assert_array_equal(a[1], b[1])
        pd.testing.assert_frame_equal(got[2], expected[2])
    assert rec.recommend("t2") is not None  # pickling left the original intact


# ---------------------------------------------------------------------------
# approximate search with faiss


@pytest.mark.parametrize("algorithm", ["ivf", "hnsw"])
def test_faiss_recall_and_persistence(rng, algorithm):
    pytest.importorskip("faiss")
    E, labels = clustered(rng, 3050, d=8, n_clusters=20, spread=0.5)
    E, labels, Q = E[:3000], labels[:3000], E[3000:]
    rec = CosineRecommender(n_neighbors=10, algorithm=algorithm).fit(E, labels)
    exact = CosineRecommender(n_neighbors=10).fit(E, labels)
    dist, ind = rec.kneighbors(Q)
    assert rec.index_.ntotal == 3000
    assert overlap(ind, exact.kneighbors(Q)[1]) > 0.9
    assert (np.diff(dist, axis=1) >= -1e-6).all()
    self_ind = rec.kneighbors(return_distance=False)
    assert not (self_ind == np.arange(3000)[:, np.newaxis]).any()
    assert overlap(self_ind, exact.kneighbors(return_distance=False)) > 0.9
    # same results after a round trip; the index survives pickling
    restored = pickle.loads(pickle.dumps(rec))
    np.testing.assert_array_equal(restored.kneighbors(Q)[1], ind)
    # the same catalogue searched exactly
    rec.set_params(algorithm="exact")
    np.testing.assert_array_equal(rec.kneighbors(Q)[1], exact.kneighbors(Q)[1])
    other = "hnsw" if algorithm == "ivf" else "ivf"
    with pytest.raises(ValueError, match="fit again"):
        rec.set_params(algorithm=other).kneighbors(Q)


@pytest.mark.parametrize("algorithm", ["ivf", "hnsw"])
@pytest.mark.parametrize("genre_mode", ["rerank", "restrict"])
def test_faiss_genre_search(rng, algorithm, genre_mode):
    pytest.importorskip("faiss")
    E, labels = clustered(rng, 2000, d=16, n_clusters=4, spread=1.5)
    labels[:3] = 9  # a tiny genre: the index finds too few, exact search takes over
    params = dict(n_neighbors=5, method="genre", genre_mode=genre_mode)
    approx = CosineRecommender(algorithm=algorithm, **params).fit(E, labels)
    exact = CosineRecommender(**params).fit(E, labels)
    ind = approx.kneighbors(return_distance=False)
    ref = exact.kneighbors(return_distance=False)
    assert overlap(ind, ref) > 0.9
    same = labels[ind] == labels[:, np.newaxis]
    assert same[3:].mean() > 0.95
    if genre_mode == "restrict":
        np.testing.assert_array_equal(ind[:3], ref[:3])


def test_faiss_partial_fit_and_lists(rng):
    pytest.importorskip("faiss")
    E, _ = clustered(rng, 1000, d=16)
    rec = CosineRecommender(algorithm="ivf", ivf_n_lists=8, ivf_n_probe=8).fit(E[:600])
    assert rec.index_.nlist == 8
    rec.partial_fit(E[600:])
    assert rec.index_.ntotal == 1000
    # all lists probed: the inverted file is exact
    np.testing.assert_array_equal(
        rec.kneighbors(return_distance=False),
        CosineRecommender().fit(E).kneighbors(return_distance=False),
    )
    with pytest.raises(ValueError, match="ivf_n_lists=20 is larger than the cat"):
        CosineRecommender(algorithm="ivf", ivf_n_lists=20).fit(E[:10])


def test_missing_faiss_is_explained(monkeypatch, catalogue):
    E, _, _, _ = catalogue
    monkeypatch.setitem(sys.modules, "faiss", None)
    with pytest.raises(ImportError, match="pip install faiss-cpu"):
        CosineRecommender(algorithm="hnsw").fit(E)
