import numpy as np
import pytest
from sklearn.datasets import make_blobs, make_classification
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_music import GaussianMixtureClassifier as LazyGaussianMixtureClassifier
from sklearn_music.estimators import GaussianMixtureClassifier


def test_lazy_export():
    assert LazyGaussianMixtureClassifier is GaussianMixtureClassifier


def test_tzanetakis_pipeline_far_above_chance():
    X, y = make_classification(
        n_samples=400, n_features=8, n_informative=6, n_redundant=0,
        n_classes=4, n_clusters_per_class=2, class_sep=2.0, random_state=0,
    )  # fmt: skip
    clf = make_pipeline(StandardScaler(), GaussianMixtureClassifier(random_state=0))
    scores = cross_val_score(clf, X, y, cv=4)
    assert scores.mean() > 0.8  # chance is 0.25
    rng = np.random.default_rng(0)
    shuffled = cross_val_score(clf, X, rng.permutation(y), cv=4)
    assert shuffled.mean() < 0.4


def test_multimodal_classes_need_several_components():
    # XOR: each class is two far-apart blobs on a diagonal; with diagonal
    # covariances one Gaussian per class cannot separate them, two can
    centers = [[0, 0], [10, 10], [0, 10], [10, 0]]
    X, blob = make_blobs(n_samples=400, centers=centers, random_state=0)
    y = np.where(blob < 2, 0, 1)
    params = dict(covariance_type="diag", random_state=0)
    one = GaussianMixtureClassifier(n_components=1, **params).fit(X, y)
    two = GaussianMixtureClassifier(n_components=2, **params).fit(X, y)
    assert two.score(X, y) > 0.95
    assert one.score(X, y) < 0.8


def test_probabilities_are_normalised():
    X, y = make_blobs(n_samples=150, centers=3, random_state=0)
    clf = GaussianMixtureClassifier(random_state=0).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.log(proba), clf.predict_log_proba(X), atol=1e-8)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
    # far from all training data the posteriors are still finite and normalised
    far = clf.predict_proba(np.full((2, 2), 1e3))
    assert np.all(np.isfinite(far))
    np.testing.assert_allclose(far.sum(axis=1), 1.0)


def test_fitted_attributes():
    X, y = make_blobs(n_samples=90, centers=3, n_features=4, random_state=0)
    clf = GaussianMixtureClassifier(n_components=2, covariance_type="diag").fit(X, y)
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert len(clf.gmms_) == 3
    assert all(g.n_components == 2 for g in clf.gmms_)
    assert all(g.covariances_.shape == (2, 4) for g in clf.gmms_)
    np.testing.assert_allclose(clf.class_prior_, [1 / 3] * 3)
    assert clf.n_features_in_ == 4
    assert clf.n_iter_.shape == clf.converged_.shape == (3,)


def test_priors_shift_predictions():
    # two overlapping classes: a large prior on one class claims more samples
    X, y = make_blobs(n_samples=400, centers=[[0, 0], [1.5, 0]], random_state=0)
    counts = []
    for priors in ([0.5, 0.5], "uniform", None, [0.95, 0.05], [0.05, 0.95]):
        clf = GaussianMixtureClassifier(n_components=1, priors=priors).fit(X, y)
        counts.append(np.sum(clf.predict(X) == 0))
    balanced, uniform, freq, favour0, favour1 = counts
    assert balanced == uniform == freq  # the blobs are balanced
    assert favour0 > balanced > favour1
    clf = GaussianMixtureClassifier(priors=[0.2, 0.8]).fit(X, y)
    np.testing.assert_allclose(clf.class_prior_, [0.2, 0.8])


def test_default_priors_are_class_frequencies():
    X, y = make_blobs(n_samples=[30, 90], centers=[[0, 0], [1, 0]], random_state=0)
    clf = GaussianMixtureClassifier(n_components=1).fit(X, y)
    np.testing.assert_allclose(clf.class_prior_, [0.25, 0.75])


def test_zero_prior_never_predicted():
    X, y = make_blobs(n_samples=60, centers=3, random_state=0)
    clf = GaussianMixtureClassifier(priors=[0.5, 0.0, 0.5]).fit(X, y)
    assert 1 not in clf.predict(X)
    assert np.all(clf.predict_proba(X)[:, 1] == 0)


@pytest.mark.parametrize(
    "priors, match",
    [
        ([0.5, 0.5], r"expected shape \(3,\)"),
        ([0.5, 0.6, -0.1], "non-negative"),
        ([0.2, 0.2, 0.2], "sum of the priors"),
        ("equal", "priors"),
    ],
)
def test_bad_priors_raise(priors, match):
    X, y = make_blobs(n_samples=30, centers=3, random_state=0)
    with pytest.raises(ValueError, match=match):
        GaussianMixtureClassifier(priors=priors).fit(X, y)


@pytest.mark.parametrize(
    "params",
    [
        {"n_components": 0},
        {"covariance_type": "diagonal"},
        {"reg_covar": -1.0},
        {"init_params": "spectral"},
    ],
)
def test_bad_params_raise(params):
    X, y = make_blobs(n_samples=30, centers=3, random_state=0)
    with pytest.raises(ValueError):
        GaussianMixtureClassifier(**params).fit(X, y)


def test_small_classes_use_fewer_components():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (50, 3)), rng.normal(6, 1, (2, 3)), [[-8] * 3]])
    y = np.array([0] * 50 + [1] * 2 + [2])
    clf = GaussianMixtureClassifier(n_components=4, random_state=0).fit(X, y)
    assert [g.n_components for g in clf.gmms_] == [4, 2, 1]
    np.testing.assert_array_equal(clf.predict(X[50:]), [1, 1, 2])
    # a larger reg_covar widens the tiny classes' Gaussians around their samples
    wide = GaussianMixtureClassifier(n_components=4, reg_covar=1.0, random_state=0)
    assert wide.fit(X, y).predict([[6, 6, 6]])[0] == 1
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0)


def test_string_labels():
    X, y = make_blobs(n_samples=120, centers=3, random_state=0)
    names = np.array(["rock", "jazz", "blues"])[y]
    clf = make_pipeline(StandardScaler(), GaussianMixtureClassifier(random_state=0))
    clf.fit(X, names.tolist())
    np.testing.assert_array_equal(clf.classes_, ["blues", "jazz", "rock"])
    pred = clf.predict(X)
    assert pred.dtype.kind == "U"
    assert set(pred) <= {"rock", "jazz", "blues"}
    assert clf.score(X, names) > 0.9


def test_unseen_labels_in_score_count_as_errors():
    X, y = make_blobs(n_samples=90, centers=3, random_state=0)
    labels = np.array(["a", "b", "c"])[y]
    clf = GaussianMixtureClassifier(random_state=0).fit(X, labels)
    relabelled = np.where(labels == "c", "never_seen", labels)
    pred = clf.predict(X)
    lost = np.mean((labels == "c") & (pred == "c"))
    assert lost > 0
    assert clf.score(X, relabelled) == pytest.approx(clf.score(X, labels) - lost)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_random_state_determinism():
    X, y = make_classification(
        n_samples=200, n_features=5, n_informative=4, n_redundant=0,
        n_classes=3, random_state=1,
    )  # fmt: skip
    params = dict(n_components=4, init_params="random", max_iter=5, random_state=3)
    a = GaussianMixtureClassifier(**params).fit(X, y)
    b = GaussianMixtureClassifier(**params).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    for ga, gb in zip(a.gmms_, b.gmms_, strict=True):
        np.testing.assert_array_equal(ga.means_, gb.means_)
    # each class gets its own seed, and a different random_state changes them
    seeds = [g.random_state for g in a.gmms_]
    assert len(set(seeds)) == len(seeds)
    c = GaussianMixtureClassifier(**{**params, "random_state": 4}).fit(X, y)
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


def test_predict_before_fit_raises():
    with pytest.raises(NotFittedError):
        GaussianMixtureClassifier().predict(np.zeros((2, 3)))


def test_wrong_number_of_features_raises():
    X, y = make_blobs(n_samples=30, centers=3, n_features=3, random_state=0)
    clf = GaussianMixtureClassifier().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :2])
