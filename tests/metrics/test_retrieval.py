"""Retrieval metrics: hand-computed values, a loop reference on random data,
real kneighbors output, undefined queries and input errors."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.neighbors import NearestNeighbors

from sklearn_music.metrics import (
    _retrieval,
    genre_consistency,
    mean_average_precision,
    precision_at_k,
)

# Five tracks; neighbours as kneighbors(X=None) would return them (no self).
GENRES = np.array(["rock", "rock", "jazz", "jazz", "rock"])
NEIGHBORS = np.array([[1, 2], [4, 0], [3, 0], [0, 2], [1, 3]])
# Tags of the same five tracks: columns guitar, piano, vocal.
TAGS = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]])


def _reference(labels, neighbors, k, query_labels=None):
    """Precision@k and AP@k of every query, by loops over the definitions."""
    labels = np.asarray(labels)
    multilabel = labels.ndim == 2
    self_queries = query_labels is None
    queries = labels if self_queries else np.asarray(query_labels)

    def relevant(q, item):
        if multilabel:
            return bool(np.any(labels[item] & queries[q]))
        return labels[item] == queries[q]

    precision, ap = [], []
    for q, row in enumerate(np.asarray(neighbors)):
        rel = [relevant(q, item) for item in row[:k]]
        precision.append(sum(rel) / k)
        n_relevant = sum(
            relevant(q, item)
            for item in range(len(labels))
            if not (self_queries and item == q)
        )
        hits, total = 0, 0.0
        for rank, is_relevant in enumerate(rel, start=1):
            if is_relevant:
                hits += 1
                total += hits / rank
        ap.append(total / min(k, n_relevant) if n_relevant else np.nan)
    return np.array(precision), np.array(ap)


def _random_neighbors(rng, n_queries, n_items, n_neighbors, exclude_self):
    rows = []
    for q in range(n_queries):
        candidates = np.arange(n_items)
        if exclude_self:
            candidates = candidates[candidates != q]
        rows.append(rng.choice(candidates, n_neighbors, replace=False))
    return np.array(rows)


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


def test_single_label_hand_computed():
    # Relevant neighbours: [1, 0], [1, 1], [1, 0], [0, 1], [1, 0].
    assert precision_at_k(GENRES, NEIGHBORS) == pytest.approx(6 / 10)
    assert precision_at_k(GENRES, NEIGHBORS, k=1) == pytest.approx(4 / 5)
    # Relevant items per query: 2 rock tracks besides a rock query, 1 jazz
    # track besides a jazz query. AP@2: 1/2, 2/2, 1/1, (1/2)/1, 1/2.
    assert mean_average_precision(GENRES, NEIGHBORS) == pytest.approx(3.5 / 5)
    # AP@1 divides by min(1, R) = 1: the precision@1 of each query.
    assert mean_average_precision(GENRES, NEIGHBORS, k=1) == pytest.approx(4 / 5)


def test_multilabel_hand_computed():
    # Sharing at least one tag: query 0 (guitar) with 1 yes, 2 no; query 1
    # (guitar, piano) with 4 no, 0 yes; query 2 (piano) with 3 no, 0 no;
    # query 3 (vocal) with 0 no, 2 no; query 4 (no tag) shares with nothing.
    assert precision_at_k(TAGS, NEIGHBORS) == pytest.approx(2 / 10)
    # Relevant items: query 0 -> {1}; 1 -> {0, 2}; 2 -> {1}; 3 -> none;
    # 4 -> none. AP@2: 1/1, (1/2)/2, 0/1; queries 3 and 4 are undefined.
    with pytest.warns(UndefinedMetricWarning, match="2 of 5 queries"):
        value = mean_average_precision(TAGS, NEIGHBORS)
    assert value == pytest.approx((1 + 1 / 4 + 0) / 3)


def test_external_queries_hand_computed():
    neighbors = [[2, 3, 0], [0, 4, 2]]
    # jazz query: jazz, jazz, rock; pop query: nothing relevant.
    assert precision_at_k(GENRES, neighbors, query_labels=["jazz", "pop"]) == (
        pytest.approx(2 / 6)
    )
    # With the catalogue's own items as queries, R is not reduced by one:
    # a rock query finds 3 relevant rock tracks.
    assert mean_average_precision(
        GENRES, [[0, 1, 2]], query_labels=["rock"]
    ) == pytest.approx((1 + 1) / 3)
    tags = [[0, 1, 1]]  # piano and vocal: items 1, 2 and 3 are relevant
    assert precision_at_k(TAGS, [[3, 0, 1]], query_labels=tags) == pytest.approx(2 / 3)
    assert mean_average_precision(TAGS, [[3, 0, 1]], query_labels=tags) == (
        pytest.approx((1 + 2 / 3) / 3)
    )


@pytest.mark.parametrize("multilabel", [False, True])
@pytest.mark.parametrize("external", [False, True])
@pytest.mark.parametrize("k", [1, 4, 7])
def test_matches_loop_reference(rng, multilabel, external, k):
    n_items, n_neighbors = 40, 7
    if multilabel:
        labels = (rng.random((n_items, 5)) < 0.25).astype(int)
        query_labels = (rng.random((15, 5)) < 0.25).astype(int) if external else None
    else:
        labels = rng.choice(["a", "b", "c", "d"], n_items, p=[0.5, 0.3, 0.15, 0.05])
        query_labels = rng.choice(["a", "b", "c", "e"], 15) if external else None
    n_queries = 15 if external else n_items
    neighbors = _random_neighbors(rng, n_queries, n_items, n_neighbors, not external)
    precision, ap = _reference(labels, neighbors, k, query_labels)
    kwargs = dict(k=k, query_labels=query_labels)
    assert precision_at_k(labels, neighbors, **kwargs) == pytest.approx(
        precision.mean()
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        value = mean_average_precision(labels, neighbors, **kwargs)
    assert value == pytest.approx(np.nanmean(ap))


def test_blockwise_multilabel_matches(rng, monkeypatch):
    labels = (rng.random((60, 4)) < 0.3).astype(int)
    neighbors = _random_neighbors(rng, 60, 60, 10, True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        expected = (
            precision_at_k(labels, neighbors),
            mean_average_precision(labels, neighbors),
        )
        monkeypatch.setattr(_retrieval, "_BLOCK_ELEMENTS", 7)
        got = (
            precision_at_k(labels, neighbors),
            mean_average_precision(labels, neighbors),
        )
    assert got == pytest.approx(expected)


def test_perfect_ranking_scores_one():
    labels = np.repeat([0, 1, 2], 5)
    order = np.argsort(labels, kind="stable")
    neighbors = np.array(
        [[j for j in order if labels[j] == labels[q] and j != q] for q in range(15)]
    )  # the 4 other items of the same class
    for k in (1, 2, 4):
        assert precision_at_k(labels, neighbors, k=k) == 1.0
        assert mean_average_precision(labels, neighbors, k=k) == 1.0


def test_map_rewards_early_hits_and_penalises_misses():
    labels = np.array([0, 0, 0, 1, 1, 1, 1])
    early = [[1, 3, 4]]
    late = [[3, 4, 1]]
    q = dict(query_labels=[0])  # relevant items 0, 1 and 2: R = 3
    assert precision_at_k(labels, early, **q) == precision_at_k(labels, late, **q)
    assert mean_average_precision(labels, early, **q) == pytest.approx(1 / 3)
    assert mean_average_precision(labels, late, **q) == pytest.approx(1 / 9)


def test_with_nearest_neighbors():
    X, y = make_blobs(
        90, centers=[[0, 0], [10, 0], [0, 10]], cluster_std=0.5, random_state=0
    )
    nn = NearestNeighbors(n_neighbors=5).fit(X)
    _, neighbors = nn.kneighbors()  # X=None: each point left out of its list
    assert precision_at_k(y, neighbors) == pytest.approx(1.0)
    assert mean_average_precision(y, neighbors) == pytest.approx(1.0)
    _, with_self = nn.kneighbors(X)
    with pytest.raises(ValueError, match=r"neighbor_indices\[0\] contains 0"):
        precision_at_k(y, with_self)
    assert precision_at_k(y, with_self, query_labels=y) == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    y_random = rng.permutation(y)
    assert precision_at_k(y_random, neighbors) < 0.5


# ---------------------------------------------------------------------------
# Genre consistency
# ---------------------------------------------------------------------------


def test_genre_consistency():
    # Per query: 1/2, 2/2, 1/2, 1/2, 1/2; rock queries 0, 1, 4, jazz 2, 3.
    assert genre_consistency(GENRES, NEIGHBORS) == pytest.approx(0.6)
    assert genre_consistency(GENRES, NEIGHBORS) == precision_at_k(GENRES, NEIGHBORS)
    per_genre = genre_consistency(GENRES, NEIGHBORS, average=None)
    assert per_genre == pytest.approx({"jazz": 0.5, "rock": 2 / 3})
    assert all(type(key) is str for key in per_genre)
    assert genre_consistency(GENRES, NEIGHBORS, average="macro") == pytest.approx(
        (0.5 + 2 / 3) / 2
    )
    assert genre_consistency(GENRES, NEIGHBORS, k=1) == pytest.approx(4 / 5)


def test_genre_consistency_with_predicted_query_genres():
    neighbors = [[2, 3], [0, 2], [1, 4]]
    predicted = ["jazz", "rock", "jazz"]
    assert genre_consistency(GENRES, neighbors, query_labels=predicted) == (
        pytest.approx((1 + 1 / 2 + 0) / 3)
    )
    per_genre = genre_consistency(
        GENRES, neighbors, query_labels=predicted, average=None
    )
    assert per_genre == pytest.approx({"jazz": 1 / 2, "rock": 1 / 2})


def test_genre_consistency_needs_one_genre_per_item():
    with pytest.raises(ValueError, match="one genre per item"):
        genre_consistency(TAGS, NEIGHBORS)
    with pytest.raises(ValueError, match="'average' parameter"):
        genre_consistency(GENRES, NEIGHBORS, average="weighted")


# ---------------------------------------------------------------------------
# Undefined queries and errors
# ---------------------------------------------------------------------------


def test_queries_without_relevant_items():
    with pytest.warns(UndefinedMetricWarning, match="1 of 2 queries.*query 1"):
        value = mean_average_precision(
            GENRES, [[2, 0], [0, 1]], query_labels=["jazz", "pop"]
        )
    assert value == pytest.approx(1 / 2)
    with pytest.warns(UndefinedMetricWarning, match="2 of 2 queries"):
        value = mean_average_precision(
            GENRES, [[2, 0], [0, 1]], query_labels=["pop", "pop"]
        )
    assert np.isnan(value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(neighbor_indices=[1, 2, 3]), r"2-D array .* got shape \(3,\)"),
        (dict(neighbor_indices=NEIGHBORS * 1.0), "integer indices; got dtype float64"),
        (dict(neighbor_indices=np.zeros((5, 0), int)), "at least one query"),
        (
            dict(neighbor_indices=[[1, 5]] * 5),
            r"neighbor_indices\[0, 1\] = 5 is not an index of labels, which has "
            r"5 items \(valid: 0 to 4\)",
        ),
        (dict(neighbor_indices=[[1, -1]] * 5), r"\[0, 1\] = -1"),
        (dict(k=3), "expected k <= 2, got k=3"),
        (dict(k=0), "'k' parameter"),
        (dict(neighbor_indices=NEIGHBORS[:4]), "4 rows but labels has 5 items"),
        (
            dict(neighbor_indices=[[1, 1]] * 5, query_labels=["rock"] * 5),
            r"neighbor_indices\[0\] lists item 1 more than once",
        ),
        (dict(query_labels=["rock"] * 4), r"expected shape \(5,\), got \(4,\)"),
        (dict(query_labels=TAGS), r"expected shape \(5,\), got \(5, 3\)"),
        (dict(query_labels=[1, 2, 3, 4, 5]), "same type"),
        (dict(labels=np.array([["a"]] * 5)), "binary indicator matrix"),
        (dict(labels=GENRES.reshape(5, 1, 1)), r"got shape \(5, 1, 1\)"),
        (dict(labels=np.zeros((5, 0))), "empty"),
    ],
)
@pytest.mark.parametrize("func", [precision_at_k, mean_average_precision])
def test_invalid_inputs(func, kwargs, message):
    arguments = dict(labels=GENRES, neighbor_indices=NEIGHBORS) | kwargs
    labels = arguments.pop("labels")
    neighbors = arguments.pop("neighbor_indices")
    with pytest.raises(ValueError, match=message):
        func(labels, neighbors, **arguments)


def test_multilabel_query_labels_must_match_tags():
    with pytest.raises(ValueError, match=r"expected shape \(5, 3\), got \(5, 2\)"):
        precision_at_k(TAGS, NEIGHBORS, query_labels=TAGS[:, :2])
