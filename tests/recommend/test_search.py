"""The searches behind CosineRecommender, through their shared interface:
``build``, ``add`` and ``search(Q, k, exclude=..., genre=...)``, against
brute force; and the genre scoring they take."""

import numpy as np
import pytest

from sklearn_music.recommend._genre import (
    RESTRICT_PENALTY,
    CatalogueGenres,
    GenreScore,
)
from sklearn_music.recommend._search import _TILE, ExactSearch, FaissSearch


def unit_rows(rng, n, d):
    X = rng.standard_normal((n, d))
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)


def brute_force(E, Q, k, exclude=None, genre=None):
    """Reference top k: full score matrix, ties by increasing index."""
    S = Q.astype(np.float64) @ E.T.astype(np.float64)
    if genre is not None:
        match = genre.catalogue.codes[np.newaxis] == genre.queries[:, np.newaxis]
        if genre.mode == "rerank":
            S = (1 - genre.weight) * S + genre.weight * match
        else:
            S = S - RESTRICT_PENALTY * ~match
    if exclude is not None:
        S[np.arange(len(Q)), exclude] = -np.inf
    order = np.argsort(-S, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(S, order, axis=1), order


@pytest.mark.parametrize("chunk_size", [1, 5, 256])
@pytest.mark.parametrize("k", [1, 10, 300])
def test_exact_search_is_brute_force(rng, chunk_size, k):
    # two catalogue tiles and a tail that makes no whole group of columns
    E = unit_rows(rng, 2 * _TILE + 37, 6)
    Q = unit_rows(rng, 11, 6)
    search = ExactSearch(chunk_size=chunk_size).build(E)
    scores, indices = search.search(Q, k)
    ref_s, ref_i = brute_force(E, Q, k)
    assert scores.dtype == np.float32 and indices.dtype == np.intp
    assert scores.shape == indices.shape == (11, k)
    np.testing.assert_allclose(scores, ref_s, atol=1e-6)
    # float32 and float64 may order near-ties differently
    assert np.mean(indices == ref_i) > 0.99
    np.testing.assert_allclose(
        np.einsum("ij,ikj->ik", Q, E[indices]), scores, atol=1e-6
    )
    assert (np.diff(scores, axis=1) <= 0).all()


def test_exact_search_exclude_and_ties(rng):
    base = unit_rows(rng, 40, 4)
    E = np.concatenate([base, base, base])  # every score three times
    search = ExactSearch().build(E)
    scores, indices = search.search(base[:5], 6)
    # equal scores come in increasing catalogue order
    np.testing.assert_array_equal(indices[:, :3], np.arange(5)[:, None] + [0, 40, 80])
    tied = np.diff(scores, axis=1) == 0
    assert tied.any() and (np.diff(indices, axis=1)[tied] > 0).all()
    exclude = np.array([40, 1, 82, 3, 4])
    scores, indices = search.search(base[:5], 6, exclude=exclude)
    assert not (indices == exclude[:, None]).any()
    np.testing.assert_allclose(
        scores, brute_force(E, base[:5], 6, exclude)[0], atol=1e-6
    )
    # k = all other tracks
    _, indices = search.search(base[:2], len(E) - 1, exclude=np.array([0, 1]))
    assert sorted(indices[0]) == sorted(set(range(len(E))) - {0})


def test_exact_search_add_equals_build(rng):
    E = unit_rows(rng, 500, 8)
    Q = unit_rows(rng, 20, 8)
    grown = ExactSearch().build(E[:123]).add(E[123:400]).add(E[400:])
    np.testing.assert_array_equal(grown.embeddings, E)
    for a, b in zip(
        grown.search(Q, 7), ExactSearch().build(E).search(Q, 7), strict=True
    ):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "mode, weight", [("rerank", 0.3), ("rerank", 0.9), ("restrict", 0.5)]
)
def test_exact_search_genre_scores(rng, mode, weight):
    E = unit_rows(rng, _TILE + 900, 5)
    Q = unit_rows(rng, 9, 5)
    labels = rng.choice(["rock", "jazz", "pop"], size=len(E)).astype(object)
    labels[::50] = None  # a missing genre matches no query
    genres = CatalogueGenres(labels)
    query_codes = genres.encode(["rock", "jazz", "pop", "folk"] * 2 + ["jazz"])
    genre = GenreScore(genres, query_codes, mode, weight)
    exclude = np.arange(9) * 3
    scores, indices = (
        ExactSearch(chunk_size=4).build(E).search(Q, 12, exclude=exclude, genre=genre)
    )
    ref_s, ref_i = brute_force(E, Q, 12, exclude, genre)
    np.testing.assert_allclose(scores, ref_s, atol=1e-6)
    assert np.mean(indices == ref_i) > 0.99


def test_catalogue_genres():
    genres = CatalogueGenres(np.array(["b", "a", None, "b"], dtype=object))
    np.testing.assert_array_equal(genres.codes, [0, 1, -2, 0])
    assert list(genres.labels) == ["b", "a"]
    np.testing.assert_array_equal(genres.encode(["a", "b", "zzz"]), [1, 0, -1])
    for code, same, expected in [(0, True, [1, 0, 0, 1]), (0, False, [0, 1, 1, 0])]:
        bits = genres.bitmap(code, same)
        np.testing.assert_array_equal(
            np.unpackbits(bits, bitorder="little")[:4], expected
        )
        assert genres.bitmap(code, same) is bits  # built once


@pytest.mark.parametrize("mode", ["rerank", "restrict"])
def test_genre_score_adjust_and_score_agree(rng, mode):
    genres = CatalogueGenres(rng.integers(3, size=50))
    genre = GenreScore(genres, np.array([0, 2, 1]), mode, 0.25)
    S = rng.uniform(-1, 1, (3, 50)).astype(np.float32)
    adjusted = S.copy()
    genre.subset(slice(0, 3)).adjust(adjusted[:, 20:], 20)
    same = genre.matches(np.broadcast_to(np.arange(50), (3, 50)))
    expected = np.where(same, genre.score(S, same=True), genre.score(S, same=False))
    np.testing.assert_allclose(adjusted[:, 20:], expected[:, 20:], atol=1e-6)
    np.testing.assert_array_equal(adjusted[:, :20], S[:, :20])  # untouched
    assert genre.subset([2]).queries.tolist() == [1]


# ---------------------------------------------------------------------------
# faiss


def test_faiss_ivf_probing_every_list_is_exact(rng):
    pytest.importorskip("faiss")
    E = unit_rows(rng, 800, 8)
    Q = unit_rows(rng, 15, 8)
    search = FaissSearch("ivf", ivf_n_lists=6, ivf_n_probe=6).build(E[:500])
    assert search.index.nlist == 6 and search.index.ntotal == 500
    search.add(E[500:])
    assert search.index.ntotal == 800
    exact = ExactSearch().build(E)
    scores, indices = search.search(Q, 9)
    ref_s, ref_i = exact.search(Q, 9)
    assert indices.dtype == np.intp
    np.testing.assert_array_equal(indices, ref_i)
    np.testing.assert_allclose(scores, ref_s, atol=1e-5)
    # a catalogue track as query: itself left out
    exclude = np.arange(15)
    _, indices = search.search(E[:15], 9, exclude=exclude)
    np.testing.assert_array_equal(indices, exact.search(E[:15], 9, exclude=exclude)[1])


def test_faiss_hnsw_recall(rng):
    pytest.importorskip("faiss")
    E = unit_rows(rng, 2000, 8)
    Q = unit_rows(rng, 30, 8)
    search = FaissSearch("hnsw", hnsw_m=8, hnsw_ef_search=100).build(E)
    assert search.index.ntotal == 2000
    _, indices = search.search(Q, 5)
    ref = ExactSearch().build(E).search(Q, 5)[1]
    assert (
        np.mean([len(set(a) & set(b)) / 5 for a, b in zip(indices, ref, strict=True)])
        > 0.9
    )


@pytest.mark.parametrize("mode", ["rerank", "restrict"])
def test_faiss_genre_search_and_fallback(rng, mode):
    pytest.importorskip("faiss")
    E = unit_rows(rng, 600, 6)
    Q = unit_rows(rng, 8, 6)
    labels = rng.integers(2, size=600)
    labels[:3] = 7  # a genre of 3 tracks: too few for 5 neighbours
    genres = CatalogueGenres(labels)
    genre = GenreScore(genres, genres.encode([7, 0, 1, 7, 0, 1, 0, 0]), mode, 0.4)
    exact = ExactSearch().build(E)
    ref_s, ref_i = exact.search(Q, 5, genre=genre)
    # every list probed: the index searches exactly within each genre
    alone = FaissSearch("ivf", ivf_n_lists=4, ivf_n_probe=4).build(E)
    scores, indices = alone.search(Q, 5, genre=genre)
    complete = (indices >= 0).all(axis=1)
    np.testing.assert_array_equal(indices[complete], ref_i[complete])
    np.testing.assert_allclose(scores[complete], ref_s[complete], atol=1e-5)
    if mode == "restrict":  # only the genre is searched: 3 tracks, then -1
        assert not complete[[0, 3]].any() and complete[[1, 2, 4, 5, 6, 7]].all()
        assert (indices[[0, 3], 3:] == -1).all()
    else:
        assert complete.all()
    with_fallback = FaissSearch("ivf", ivf_n_probe=4, index=alone.index, fallback=exact)
    scores, indices = with_fallback.search(Q, 5, genre=genre)
    np.testing.assert_array_equal(indices, ref_i)
    np.testing.assert_allclose(scores, ref_s, atol=1e-5)


def test_faiss_search_errors():
    with pytest.raises(ValueError, match="kind must be 'ivf' or 'hnsw'"):
        FaissSearch("exact")
    pytest.importorskip("faiss")
    E = np.eye(4, dtype=np.float32)
    with pytest.raises(ValueError, match="ivf_n_lists=5 is larger than the cat"):
        FaissSearch("ivf", ivf_n_lists=5).build(E)
