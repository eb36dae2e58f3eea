"""compare_methods: method 1 against method 2 on labelled queries, with a
paired test that finds a planted difference and none between equal rankings."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from sklearn_music.metrics import genre_consistency, precision_at_k
from sklearn_music.recommend import CosineRecommender, MethodComparison, compare_methods
from sklearn_music.recommend._evaluate import _paired_test


@pytest.fixture(scope="module")
def informative():
    """Genres a classifier predicts well but cosine neighbours see less well:
    the genre signal lies in 4 of 120 dimensions, the rest is noise."""
    rng = np.random.default_rng(0)
    genres = rng.integers(4, size=300)
    E = rng.standard_normal((300, 120))
    E[:, :4] += 3.0 * np.eye(4)[genres]
    classifier = LogisticRegression(max_iter=1000).fit(E[:220], genres[:220])
    rec = CosineRecommender(genre_classifier=classifier).fit(E[:220], genres[:220])
    return rec, E[220:], genres[220:]


@pytest.mark.parametrize("test", ["wilcoxon", "permutation"])
@pytest.mark.parametrize("metric", ["precision", "average_precision"])
def test_detects_a_planted_difference(informative, test, metric):
    rec, Q, y = informative
    result = compare_methods(
        rec, Q, y, k=10, test=test, metric=metric, n_resamples=5000, random_state=0
    )
    assert isinstance(result, MethodComparison)
    assert list(result.summary.index) == ["cosine", "genre"]
    cosine, genre = result.summary["mean"]
    assert genre > cosine + 0.2, result.summary
    assert result.difference == pytest.approx(genre - cosine)
    assert result.difference_ci[0] > 0.1
    assert result.p_value < 1e-3
    for name in ("cosine", "genre"):
        low, mean, high = result.summary.loc[name, ["ci_low", "mean", "ci_high"]]
        assert low < mean < high
    assert result.n_queries == 80 and result.k == 10 and result.test == test


def test_identical_rankings_give_p_one(informative):
    rec, Q, y = informative
    same = {"cosine": {"method": "cosine"}, "genre, w=0": {"genre_weight": 0.0}}
    for test in ("wilcoxon", "permutation"):
        result = compare_methods(rec, Q, y, methods=same, test=test, random_state=0)
        assert result.p_value == 1.0 and result.difference == 0.0
        assert result.difference_ci == (0.0, 0.0)
    assert rec.method == "cosine" and rec.genre_weight == 0.5  # not modified


@pytest.mark.parametrize("test", ["wilcoxon", "permutation"])
def test_the_paired_test_holds_its_level(test):
    # exchangeable pairs (each query's two values swapped at random): the
    # test must reject at 5% about 5% of the time, not more
    rng = np.random.default_rng(0)
    p_values = []
    for _ in range(200):
        a = rng.binomial(10, rng.uniform(0.2, 0.8, 40)) / 10  # precision@10
        b = rng.binomial(10, rng.uniform(0.2, 0.8, 40)) / 10
        swap = rng.random(40) < 0.5
        a, b = np.where(swap, b, a), np.where(swap, a, b)
        p_values.append(_paired_test(a, b, test, 999, rng)[1])
    assert 0.01 < np.mean(np.array(p_values) < 0.05) < 0.1
    assert np.mean(np.array(p_values) > 0.5) > 0.35  # large p-values when equal


def test_numbers_come_from_the_retrieval_metrics(informative):
    rec, Q, y = informative
    result = compare_methods(rec, Q, y, k=5, n_resamples=500, random_state=0)
    ind = rec.kneighbors(Q, n_neighbors=5, return_distance=False)
    expected = precision_at_k(rec.genres_, ind, query_labels=y)
    assert result.per_query["cosine"].mean() == pytest.approx(expected)
    assert result.summary.loc["cosine", "mean"] == pytest.approx(expected)
    per_genre = genre_consistency(rec.genres_, ind, query_labels=y, average=None)
    assert result.per_genre["cosine"].to_dict() == pytest.approx(per_genre)
    np.testing.assert_array_equal(result.per_query["query_genre"], y)
    text = str(result)
    assert "precision@5 over 80 queries" in text and "wilcoxon test p =" in text
    assert f"{result.summary.loc['genre', 'mean']:.3f}" in text


def test_random_state_makes_intervals_reproducible(informative):
    rec, Q, y = informative
    a = compare_methods(rec, Q, y, n_resamples=300, random_state=1, test="permutation")
    b = compare_methods(rec, Q, y, n_resamples=300, random_state=1, test="permutation")
    assert a.difference_ci == b.difference_ci and a.p_value == b.p_value


def test_errors(informative):
    rec, Q, y = informative
    with pytest.raises(ValueError, match="needs the genres of the catalogue"):
        compare_methods(CosineRecommender().fit(Q), Q, y)
    with pytest.raises(ValueError, match="not in the catalogue"):
        compare_methods(rec, None, y)
    with pytest.raises(ValueError, match="exactly two rankings"):
        compare_methods(rec, Q, y, methods={"only": {}})
    with pytest.raises(ValueError, match="X has 80 queries, y has 79"):
        compare_methods(rec, Q, y[:-1])
    with pytest.raises(ValueError, match="method"):
        compare_methods(rec, Q, y, methods={"a": {}, "b": {"method": "bogus"}})
    with pytest.raises(ValueError, match="metric"):
        compare_methods(rec, Q, y, metric="recall")
    with pytest.raises(ValueError, match="at least 2 queries"):
        compare_methods(rec, Q[:1], y[:1])
