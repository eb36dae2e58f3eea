"""Recommendation beyond one seed: listening profiles ("mean", "max"),
diversity re-ranking by maximal marginal relevance, and exclusion."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from sklearn_music.recommend import CosineRecommender
from sklearn_music.recommend._mmr import mmr_select


def unit(A):
    A = np.asarray(A, dtype=np.float64)
    return A / np.linalg.norm(A, axis=-1, keepdims=True)


def planted(rng, n_clusters=6, size=5, d=16, noise=0.02):
    """Clusters of near-duplicates around random (nearly orthogonal)
    directions: embeddings and the cluster of each."""
    centres = rng.standard_normal((n_clusters, d))
    labels = np.repeat(np.arange(n_clusters), size)
    return centres[labels] + noise * rng.standard_normal((len(labels), d)), labels


def reference_mmr(relevance, E, n, lam):
    """Maximal marginal relevance written out naively."""
    chosen = [0]
    while len(chosen) < min(n, len(relevance)):
        best, best_gain = None, -np.inf
        for c in range(len(relevance)):
            if c in chosen:
                continue
            gain = (1 - lam) * relevance[c] - lam * max(E[c] @ E[s] for s in chosen)
            if gain > best_gain:
                best, best_gain = c, gain
        chosen.append(best)
    return chosen


# ---------------------------------------------------------------------------
# maximal marginal relevance


@pytest.mark.parametrize("lam", [0.0, 0.3, 0.7, 1.0])
def test_mmr_follows_its_definition(rng, lam):
    E = unit(rng.standard_normal((40, 5)))
    relevance = np.sort(rng.uniform(-1, 1, 40))[::-1]
    got = mmr_select(relevance, E, 12, lam)
    assert list(got) == reference_mmr(relevance, E, 12, lam)
    if lam == 0:
        assert list(got) == list(range(12))
    assert len(mmr_select(relevance[:3], E[:3], 12, lam)) == 3


def test_diversity_zero_is_the_plain_ranking(rng):
    E, labels = planted(rng)
    rec = CosineRecommender(n_neighbors=7).fit(E, labels)
    Q = E[[0, 12]] + 0.3 * rng.standard_normal((2, E.shape[1]))
    for kwargs in (
        dict(track=3),
        dict(track=[3, 17]),
        dict(X=Q),
        dict(X=Q[0]),
        dict(track=[3, 17], profile="mean"),
        dict(track=[3, 17], profile="max"),
    ):
        plain = rec.recommend(**kwargs)
        pd.testing.assert_frame_equal(rec.recommend(**kwargs, diversity=0.0), plain)
    np.testing.assert_array_equal(
        rec.recommend(X=Q, diversity=0)["id"].to_numpy().reshape(2, 7),
        rec.kneighbors(Q, return_distance=False),
    )


def test_diversity_one_takes_one_track_per_cluster(rng):
    E, labels = planted(rng, n_clusters=6, size=5)
    rec = CosineRecommender().fit(E, labels, ids=[f"t{i}" for i in range(30)])
    plain = rec.recommend("t0", n=6)
    # plain: the four near-duplicates of t0 first
    assert list(plain["genre"][:4]) == [0] * 4
    diverse = rec.recommend("t0", n=6, diversity=1.0)
    assert diverse["id"].iloc[0] == plain["id"].iloc[0]  # the best track first
    assert sorted(diverse["genre"]) == [0, 1, 2, 3, 4, 5]  # one per cluster
    # some diversity already spreads the list
    middle = rec.recommend("t0", n=6, diversity=0.5)
    assert middle["genre"].nunique() > plain["genre"].nunique()
    # per query, on new queries too
    table = rec.recommend(X=E[[0, 10]], n=6, diversity=1.0)
    for _, group in table.groupby("query"):
        assert sorted(group["genre"]) == [0, 1, 2, 3, 4, 5]


def test_diversity_with_the_genre_score(rng):
    E, labels = planted(rng, n_clusters=4, size=6, noise=0.3)
    rec = CosineRecommender(method="genre", genre_weight=0.3).fit(E, labels)
    table = rec.recommend(0, n=5, diversity=0.5)
    Eu = unit(E)
    score = 0.7 * Eu[0] @ Eu.T + 0.3 * (labels == labels[0])
    score[0] = -np.inf
    order = np.argsort(-score, kind="stable")[:100]
    expected = order[reference_mmr(score[order], Eu[order], 5, 0.5)]
    assert list(table["id"]) == list(expected)
    np.testing.assert_allclose(table["score"], score[expected], atol=1e-6)


# ---------------------------------------------------------------------------
# profiles of several seeds


def test_closest_to_any_finds_the_neighbours_of_each_seed(rng):
    E, labels = planted(rng, n_clusters=6, size=5)
    rec = CosineRecommender().fit(E, labels)
    seeds = [0, 10]  # clusters 0 and 2, far apart
    table = rec.recommend(seeds, n=8, profile="max")
    # the other four tracks of each seed's cluster, each credited to its seed
    assert sorted(table["id"]) == [1, 2, 3, 4, 11, 12, 13, 14]
    assert all(table["seed"] == np.where(table["genre"] == 0, 0, 10))
    # the brute-force definition: best similarity over the seeds
    Eu = unit(E)
    best = (Eu[seeds] @ Eu.T).max(axis=0)
    best[seeds] = -np.inf
    expected = np.argsort(-best, kind="stable")[:8]
    assert list(table["id"]) == list(expected)
    np.testing.assert_allclose(table["similarity"], best[expected], atol=1e-6)
    # the mean profile sits between the clusters: it finds neither whole
    mean = rec.recommend(seeds, n=8, profile="mean")
    profile = unit(Eu[seeds].mean(axis=0))
    sim = Eu @ profile
    sim[seeds] = -np.inf
    assert list(mean["id"]) == list(np.argsort(-sim, kind="stable")[:8])
    np.testing.assert_allclose(mean["similarity"], np.sort(sim)[::-1][:8], atol=1e-6)
    assert "seed" not in mean.columns and "query" not in mean.columns


def test_seeds_from_ids_audio_or_both(rng):
    E, labels = planted(rng, n_clusters=5, size=8, noise=0.4)
    rec = CosineRecommender(n_neighbors=6).fit(
        E, labels, ids=[f"t{i}" for i in range(40)]
    )
    new = E[[3, 20]] + 0.1 * rng.standard_normal((2, E.shape[1]))
    for profile in ("mean", "max"):
        by_id = rec.recommend(["t5", "t30"], profile=profile)
        as_x = rec.recommend(X=E[[5, 30]], profile=profile, exclude=["t5", "t30"])
        pd.testing.assert_frame_equal(
            by_id.drop(columns="seed", errors="ignore"),
            as_x.drop(columns="seed", errors="ignore"),
            atol=1e-6,
        )
        both = rec.recommend("t5", X=new, profile=profile)
        alone = rec.recommend(X=np.vstack([E[[5]], new]), profile=profile, exclude="t5")
        assert list(both["id"]) == list(alone["id"])
        assert "t5" not in set(both["id"])
    table = rec.recommend("t5", X=new, profile="max", n=10)
    assert set(table["seed"]) <= {"t5", "X[0]", "X[1]"}
    assert len(rec.recommend(X=new[0], profile="mean")) == 6  # one seed


def test_profiles_with_the_genre_method(rng):
    E, labels = planted(rng, n_clusters=3, size=10, noise=0.8)
    classifier = LogisticRegression().fit(E, labels)
    w = 0.2
    rec = CosineRecommender(
        n_neighbors=6, method="genre", genre_weight=w, genre_classifier=classifier
    ).fit(E, labels)
    Eu = unit(E)
    seeds = [0, 1, 25]  # genres 0, 0 and 2
    # max: every seed scores with its own genre
    score = (1 - w) * Eu[seeds] @ Eu.T + w * (labels[seeds][:, None] == labels)
    best = score.max(axis=0)
    best[seeds] = -np.inf
    table = rec.recommend(seeds, profile="max")
    expected = np.argsort(-best, kind="stable")[:6]
    assert list(table["id"]) == list(expected)
    np.testing.assert_allclose(table["score"], best[expected], atol=1e-6)
    # mean: the profile takes the genre of most seeds (0)
    profile = unit(Eu[seeds].mean(axis=0))
    score = (1 - w) * Eu @ profile + w * (labels == 0)
    score[seeds] = -np.inf
    table = rec.recommend(seeds, profile="mean")
    assert list(table["id"]) == list(np.argsort(-score, kind="stable")[:6])
    # restrict: only tracks of a seed's genre
    rec.set_params(genre_mode="restrict")
    table = rec.recommend(seeds, profile="max", n=15)
    assert set(table["genre"]) <= {0, 2}
    new = rec.recommend(X=E[[2, 26]], profile="max")  # genres predicted
    assert set(new["genre"]) <= set(classifier.predict(E[[2, 26]]))


# ---------------------------------------------------------------------------
# exclusion


def test_exclude_already_heard_tracks(rng):
    E, labels = planted(rng, n_clusters=4, size=6, noise=0.3)
    ids = [f"t{i}" for i in range(24)]
    rec = CosineRecommender(n_neighbors=5).fit(E, labels, ids=ids)
    plain = rec.recommend("t0", n=10)
    heard = [*plain["id"][:3], "not-in-catalogue"]
    table = rec.recommend("t0", exclude=heard)
    assert list(table["id"]) == list(plain["id"][3:8])  # the next ones, in order
    # one id alone, new queries, several queries and profiles
    assert plain["id"].iloc[0] not in set(
        rec.recommend("t0", exclude=plain["id"][0])["id"]
    )
    many = rec.recommend(X=E[:3], exclude=ids[:12], diversity=0.5)
    assert not set(many["id"]) & set(ids[:12])
    assert len(many) == 15
    assert not set(rec.recommend(["t1", "t2"], exclude=["t3"])["id"]) & {"t3"}
    for profile in ("mean", "max"):
        table = rec.recommend(["t0", "t7"], profile=profile, exclude=["t1"], n=10)
        assert not set(table["id"]) & {"t0", "t7", "t1"}


def test_not_enough_tracks_left(rng):
    E, _ = planted(rng, n_clusters=2, size=5)
    rec = CosineRecommender().fit(E)
    assert len(rec.recommend(0, n=6, exclude=[1, 2, 3])) == 6
    with pytest.raises(ValueError, match="n=7 is larger than the 6 tracks left"):
        rec.recommend(0, n=7, exclude=[1, 2, 3])
    with pytest.raises(ValueError, match="n=8 is larger than the 7 tracks left"):
        rec.recommend([0, 1, 2], n=8, profile="max")
    assert len(rec.recommend(X=E[:2], n=7, exclude=[0, 1, 2])) == 14


def test_option_errors(rng):
    E, _ = planted(rng, n_clusters=2, size=5)
    rec = CosineRecommender().fit(E)
    with pytest.raises(ValueError, match=r"profile must be None.*'mean' or 'max'"):
        rec.recommend([0, 1], profile="median")
    for bad in (-0.1, 1.5, True, "high"):
        with pytest.raises(ValueError, match=r"diversity must be a number in \[0, 1\]"):
            rec.recommend(0, diversity=bad)
    with pytest.raises(ValueError, match="profile='mean' needs seeds"):
        rec.recommend(profile="mean")
    with pytest.raises(ValueError, match="got both"):
        rec.recommend(0, X=E[:1])  # both only make one profile
    for profile in (None, "mean"):
        with pytest.raises(ValueError, match="track is empty"):
            rec.recommend([], profile=profile)
    with pytest.raises(ValueError, match="seeds cancel out"):
        rec.recommend(X=np.vstack([E[0], -E[0]]), profile="mean")


def test_profiles_with_faiss(rng):
    pytest.importorskip("faiss")
    E, labels = planted(rng, n_clusters=20, size=60, noise=0.3)
    exact = CosineRecommender(n_neighbors=10).fit(E, labels)
    approx = CosineRecommender(
        n_neighbors=10, algorithm="ivf", ivf_n_lists=8, ivf_n_probe=8
    ).fit(E, labels)
    for kwargs in (dict(profile="max"), dict(profile="mean"), dict(diversity=0.5)):
        seeds = [0, 600] if "profile" in kwargs else 0
        pd.testing.assert_frame_equal(
            approx.recommend(seeds, **kwargs),
            exact.recommend(seeds, **kwargs),
            atol=1e-6,
        )
