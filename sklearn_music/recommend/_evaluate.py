"""Offline comparison of two rankings of a recommender on labelled queries.

:func:`compare_methods` answers "is method 2 (genre-aware) better than
method 1 (cosine) on my data?" with evidence: a retrieval metric per query
for each ranking, confidence intervals, and a paired significance test over
the queries.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted, check_random_state

from ..metrics import genre_consistency, mean_average_precision, precision_at_k

__all__ = ["MethodComparison", "compare_methods"]

_METRICS = {"precision": precision_at_k, "average_precision": mean_average_precision}
_DEFAULT_METHODS = {"cosine": {"method": "cosine"}, "genre": {"method": "genre"}}


@dataclass(frozen=True, eq=False)
class MethodComparison:
    """Result of :func:`compare_methods`: two rankings, query by query.

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per ranking (index: its name, the baseline first) with the
        mean of the metric over the queries (``mean``) and its bootstrap
        confidence interval (``ci_low``, ``ci_high``).
    per_query : pandas.DataFrame
        One row per query: its true genre (``query_genre``) and the metric
        of each ranking (one column per name).
    per_genre : pandas.DataFrame
        Genre consistency (:func:`~sklearn_music.metrics.genre_consistency`)
        of each ranking (columns) for the queries of each genre (index).
    metric : str
        "precision" (precision@k) or "average_precision" (AP@k).
    k : int
        Number of recommendations evaluated per query.
    baseline, candidate : str
        Names of the two rankings; differences are ``candidate - baseline``.
    difference : float
        Mean over the queries of the paired difference of the metric.
    difference_ci : tuple of float
        Bootstrap confidence interval of ``difference``.
    test : str
        "wilcoxon" (signed-rank test) or "permutation" (paired sign-flip
        test of the mean difference).
    statistic : float
        The statistic of the test.
    p_value : float
        Two-sided p-value of the hypothesis that the two rankings score the
        same; 1.0 when they score the same on every query.
    confidence_level : float
        Level of the confidence intervals.
    n_queries : int
        Number of queries compared (queries without any relevant track in
        the catalogue are left out with ``metric="average_precision"``).
    """

    summary: pd.DataFrame
    per_query: pd.DataFrame
    per_genre: pd.DataFrame
    metric: str
    k: int
    baseline: str
    candidate: str
    difference: float
    difference_ci: tuple
    test: str
    statistic: float
    p_value: float
    confidence_level: float
    n_queries: int

    def __str__(self) -> str:
        name = "precision" if self.metric == "precision" else "AP"
        level = f"{100 * self.confidence_level:g}%"
        lines = [f"{name}@{self.k} over {self.n_queries} queries ({level} CI):"]
        for method, row in self.summary.iterrows():
            lines.append(
                f"  {method:<12} {row['mean']:.3f}  "
                f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}]"
            )
        low, high = self.difference_ci
        lines.append(
            f"  {self.candidate} - {self.baseline}: {self.difference:+.3f}  "
            f"[{low:+.3f}, {high:+.3f}], {self.test} test p = {self.p_value:.3g}"
        )
        return "\n".join(lines)


def _ranking(recommender, params: dict, X, k: int) -> np.ndarray:
    """The ``k`` neighbours of each query with ``params`` set on a copy."""
    ranking = copy.copy(recommender)  # shares the catalogue, not the params
    ranking.set_params(**params)
    ranking._validate_params()
    return ranking.kneighbors(X, n_neighbors=k, return_distance=False)


def _per_query(metric, labels, neighbors, y, k) -> np.ndarray:
    """The metric of every query (NaN where it is undefined)."""
    score = _METRICS[metric]
    values = np.empty(len(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        for i in range(len(y)):
            values[i] = score(
                labels, neighbors[i : i + 1], k=k, query_labels=y[i : i + 1]
            )
    return values


def _paired_test(a, b, test, n_resamples, rng) -> tuple[float, float]:
    """Statistic and two-sided p-value of the paired difference ``b - a``."""
    if np.all(a == b):
        return 0.0, 1.0
    if test == "wilcoxon":
        result = stats.wilcoxon(b, a, zero_method="pratt")
    else:
        result = stats.permutation_test(
            (b, a),
            lambda x, z, axis: np.mean(x - z, axis=axis),
            permutation_type="samples",
            n_resamples=n_resamples,
            random_state=rng,
        )
    return float(result.statistic), float(result.pvalue)


def _interval(values, level, n_resamples, rng) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values``."""
    ci = stats.bootstrap(
        (values,),
        np.mean,
        confidence_level=level,
        n_resamples=n_resamples,
        method="percentile",
        random_state=rng,
    ).confidence_interval
    return float(ci.low), float(ci.high)


def _check_inputs(recommender, X, methods) -> dict:
    """Refuse what :func:`compare_methods` cannot judge; the two rankings."""
    check_is_fitted(recommender)
    if X is None:
        raise ValueError(
            "X must hold query tracks that are not in the catalogue (with their "
            "genres y): catalogue tracks as queries keep their catalogue genre, "
            "which method 2 would then know."
        )
    if recommender.genres_ is None:
        raise ValueError(
            "compare_methods needs the genres of the catalogue to judge the "
            "recommendations: fit the recommender with y (or a genre_classifier)."
        )
    methods = _DEFAULT_METHODS if methods is None else methods
    if len(methods) != 2 or "query_genre" in methods:
        raise ValueError(
            "methods must name exactly two rankings, the baseline first (and "
            f"none 'query_genre'); got {len(methods)}: {list(methods)}."
        )
    return methods


@validate_params(
    {
        "recommender": [object],
        "X": [object],
        "y": ["array-like"],
        "k": [Interval(Integral, 1, None, closed="left")],
        "methods": [dict, None],
        "metric": [StrOptions(set(_METRICS))],
        "test": [StrOptions({"wilcoxon", "permutation"})],
        "confidence_level": [Interval(Real, 0, 1, closed="neither")],
        "n_resamples": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def compare_methods(
    recommender,
    X,
    y,
    *,
    k: int = 10,
    methods: dict | None = None,
    metric: str = "precision",
    test: str = "wilcoxon",
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    random_state=None,
) -> MethodComparison:
    """Compare two rankings of a fitted recommender on labelled queries.

    Each query of ``X`` (tracks that are *not* in the catalogue, with their
    true genres ``y``) gets its ``k`` recommendations from each ranking, and
    a recommendation is relevant when its catalogue genre is the query's
    genre. The metric of each query (precision@k or AP@k, from
    :mod:`sklearn_music.metrics`) is compared between the rankings with a
    paired test over the queries, so that the decision between method 1
    and method 2 rests on evidence.

    Parameters
    ----------
    recommender : CosineRecommender
        A fitted recommender whose catalogue has genres (``y`` given to
        ``fit``, or predicted by ``genre_classifier``). For method 2 it
        needs a fitted ``genre_classifier`` that predicts the genre of new
        queries. It is not modified.
    X : array-like or audio
        Query tracks, in any form the recommender's ``kneighbors`` takes
        (embeddings, or audio with an ``embedder``): held-out tracks, so
        that method 2 must *predict* their genre. Each ranking embeds them
        once.
    y : array-like of shape (n_queries,)
        True genre of each query, of the same type as the catalogue's.
    k : int, default=10
        Number of recommendations evaluated per query.
    methods : dict or None, default=None
        The two rankings, as ``{name: parameters}`` set on a copy of
        ``recommender`` with ``set_params``; the first is the baseline.
        None compares ``{"cosine": {"method": "cosine"}, "genre":
        {"method": "genre"}}`` (methods 1 and 2, with the other parameters
        of ``recommender``, e.g. its ``genre_weight``).
    metric : {"precision", "average_precision"}, default="precision"
        Per-query metric: the fraction of the ``k`` recommendations in the
        query's genre (:func:`~sklearn_music.metrics.precision_at_k`), or
        AP@k, which also rewards ranking them first
        (:func:`~sklearn_music.metrics.mean_average_precision`).
    test : {"wilcoxon", "permutation"}, default="wilcoxon"
        Paired test over the queries: the Wilcoxon signed-rank test
        (:func:`scipy.stats.wilcoxon`, zero differences handled by Pratt's
        method), or a sign-flip permutation test of the mean difference
        (:func:`scipy.stats.permutation_test`, exact for up to 13 queries).
    confidence_level : float, default=0.95
        Level of the percentile bootstrap confidence intervals of the
        means and of their difference.
    n_resamples : int, default=9999
        Resamples of the bootstrap and of the permutation test.
    random_state : int, RandomState instance or None, default=None
        Seeds the bootstrap and the permutation test.

    Returns
    -------
    comparison : MethodComparison
        Means, confidence intervals, the difference and its p-value, and
        the per-query and per-genre results; ``print`` shows a summary.

    See Also
    --------
    sklearn_music.metrics.precision_at_k : The metric of one ranking.
    sklearn_music.metrics.genre_consistency : Per-genre breakdown.

    Notes
    -----
    Queries must be tracks outside the catalogue: a catalogue track used as
    a query keeps its catalogue genre, so method 2 would know the answer.
    Split a labelled collection into a catalogue and queries (e.g. with
    :func:`~sklearn.model_selection.train_test_split`, stratified by genre)
    and fit the recommender and its classifier on the catalogue only.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_music.recommend import CosineRecommender, compare_methods
    >>> rng = np.random.default_rng(0)
    >>> genres = rng.integers(3, size=120)
    >>> E = rng.normal(size=(120, 8)) + np.eye(8)[genres]
    >>> classifier = LogisticRegression().fit(E[:90], genres[:90])
    >>> rec = CosineRecommender(genre_classifier=classifier).fit(
    ...     E[:90], genres[:90]
    ... )
    >>> result = compare_methods(rec, E[90:], genres[90:], k=5, random_state=0)
    >>> result.summary.index.tolist()
    ['cosine', 'genre']
    >>> bool(result.p_value < 0.05)
    True
    """
    methods = _check_inputs(recommender, X, methods)
    y = np.asarray(y)
    neighbors = {
        name: _ranking(recommender, dict(params), X, k)
        for name, params in methods.items()
    }
    (baseline, ind_a), (candidate, ind_b) = neighbors.items()
    if ind_a.shape[0] != len(y):
        raise ValueError(
            f"y must hold the genre of every query: X has {ind_a.shape[0]} "
            f"queries, y has {len(y)} labels."
        )
    labels = recommender.genres_
    a = _per_query(metric, labels, ind_a, y, k)
    b = _per_query(metric, labels, ind_b, y, k)
    defined = ~(np.isnan(a) | np.isnan(b))
    if defined.sum() < 2:
        raise ValueError(
            f"compare_methods needs at least 2 queries with a defined {metric}; "
            f"got {int(defined.sum())}."
        )
    rng = check_random_state(random_state)
    statistic, p_value = _paired_test(a[defined], b[defined], test, n_resamples, rng)
    rows = {
        name: (
            v[defined].mean(),
            *_interval(v[defined], confidence_level, n_resamples, rng),
        )
        for name, v in ((baseline, a), (candidate, b))
    }
    difference = b[defined] - a[defined]
    return MethodComparison(
        summary=pd.DataFrame.from_dict(
            rows, orient="index", columns=["mean", "ci_low", "ci_high"]
        ),
        per_query=pd.DataFrame({"query_genre": y, baseline: a, candidate: b}),
        per_genre=pd.DataFrame(
            {
                name: genre_consistency(labels, ind, k=k, query_labels=y, average=None)
                for name, ind in neighbors.items()
            }
        ),
        metric=metric,
        k=k,
        baseline=baseline,
        candidate=candidate,
        difference=float(difference.mean()),
        difference_ci=_interval(difference, confidence_level, n_resamples, rng),
        test=test,
        statistic=statistic,
        p_value=p_value,
        confidence_level=confidence_level,
        n_queries=int(defined.sum()),
    )
