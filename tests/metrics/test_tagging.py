"""Tagging metrics and scorers: hand-computed values, agreement with
scikit-learn, undefined tags, input formats, errors and model selection."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.metrics import (
    average_precision_score,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.metrics import get_scorer as sklearn_get_scorer
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils.validation import check_is_fitted

from sklearn_music.metrics import (
    auc_per_tag,
    check_tagging_targets,
    get_scorer,
    get_scorer_names,
    pr_auc_macro_scorer,
    pr_auc_per_tag,
    roc_auc_macro_scorer,
    roc_auc_per_tag,
    tagging_pr_auc,
    tagging_precision_recall_f1,
    tagging_report,
    tagging_roc_auc,
)

# Tiny problem whose metrics are worked out by hand in the tests below.
Y_TINY = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
S_TINY = np.array([[0.9, 0.2], [0.3, 0.6], [0.4, 0.1], [0.2, 0.3]])
COLUMNS = ["roc_auc", "pr_auc", "precision", "recall", "f1-score", "support"]


@pytest.fixture
def tagging_data(rng):
    """50 clips, 6 tags of varied frequency, scores correlated with the tags."""
    Y = (rng.random((50, 6)) < np.linspace(0.1, 0.6, 6)).astype(int)
    Y[0] = 1  # every tag has a positive ...
    Y[1] = 0  # ... and a negative clip
    S = np.clip(0.35 * Y + 0.65 * rng.random(Y.shape), 0, 1)
    return Y, S


def _no_warnings():
    return warnings.catch_warnings(action="error")


# ---------------------------------------------------------------------------
# ROC-AUC and PR-AUC
# ---------------------------------------------------------------------------


def test_auc_hand_computed():
    # tag 0: positives score 0.9, 0.4 and negatives 0.3, 0.2: perfect ranking.
    # tag 1: positives 0.6, 0.1, negatives 0.3, 0.2: 2 of 4 pairs ordered.
    # Its ranking is +, -, -, +, so AP = (1/1 + 2/4) / 2 = 0.75.
    with _no_warnings():
        np.testing.assert_allclose(roc_auc_per_tag(Y_TINY, S_TINY), [1.0, 0.5])
        np.testing.assert_allclose(pr_auc_per_tag(Y_TINY, S_TINY), [1.0, 0.75])
        assert tagging_roc_auc(Y_TINY, S_TINY) == pytest.approx(0.75)
        assert tagging_pr_auc(Y_TINY, S_TINY) == pytest.approx(0.875)
        # Pooled: positives 0.9, 0.6, 0.4, 0.1 against negatives 0.3, 0.3,
        # 0.2, 0.2 -> 12 of 16 pairs; AP = (1 + 1 + 1 + 4/8) / 4.
        assert tagging_roc_auc(Y_TINY, S_TINY, average="micro") == pytest.approx(0.75)
        assert tagging_pr_auc(Y_TINY, S_TINY, average="micro") == pytest.approx(0.875)


@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
def test_auc_matches_sklearn(tagging_data, average):
    Y, S = tagging_data
    assert tagging_roc_auc(Y, S, average=average) == pytest.approx(
        roc_auc_score(Y, S, average=average)
    )
    assert tagging_pr_auc(Y, S, average=average) == pytest.approx(
        average_precision_score(Y, S, average=average)
    )


def test_per_tag_matches_sklearn(tagging_data):
    Y, S = tagging_data
    np.testing.assert_allclose(roc_auc_per_tag(Y, S), roc_auc_score(Y, S, average=None))
    np.testing.assert_allclose(
        pr_auc_per_tag(Y, S), average_precision_score(Y, S, average=None)
    )


def test_input_types_give_the_same_values(tagging_data):
    Y, S = tagging_data
    expected = tagging_roc_auc(Y, S)
    assert tagging_roc_auc(Y.astype(bool), S) == expected
    assert tagging_roc_auc(Y.tolist(), S.tolist()) == expected
    assert tagging_roc_auc(sp.csr_matrix(Y), S) == expected
    assert tagging_roc_auc(pd.DataFrame(Y), pd.DataFrame(S)) == expected


def test_list_of_predict_proba_arrays(tagging_data):
    Y, S = tagging_data
    as_list = [np.column_stack([1 - s, s]) for s in S.T]
    np.testing.assert_allclose(roc_auc_per_tag(Y, as_list), roc_auc_per_tag(Y, S))
    assert tagging_pr_auc(Y, as_list) == tagging_pr_auc(Y, S)
    assert tagging_report(Y, as_list) == tagging_report(Y, S)


def test_list_of_predict_proba_from_kneighbors():
    X, Y = make_multilabel_classification(80, n_classes=4, random_state=0)
    knn = KNeighborsClassifier(n_neighbors=7).fit(X[:60], Y[:60])
    proba = knn.predict_proba(X[60:])
    assert isinstance(proba, list) and proba[0].shape == (20, 2)
    stacked = np.column_stack([p[:, 1] for p in proba])
    assert tagging_roc_auc(Y[60:], proba) == pytest.approx(
        roc_auc_score(Y[60:], stacked)
    )


def test_list_of_predict_proba_wrong_shape():
    Y = Y_TINY
    with pytest.raises(ValueError, match=r"y_score\[1\] has shape \(4, 1\)"):
        tagging_roc_auc(Y, [np.full((4, 2), 0.5), np.ones((4, 1))])
    with pytest.raises(ValueError, match=r"y_score\[1\] has shape \(3, 2\)"):
        tagging_roc_auc(Y, [np.full((4, 2), 0.5), np.full((3, 2), 0.5)])


# ---------------------------------------------------------------------------
# Undefined tags
# ---------------------------------------------------------------------------


def test_tag_without_positives_is_nan_and_left_out(tagging_data):
    Y, S = tagging_data
    Y = Y.copy()
    Y[:, 2] = 0
    defined = [0, 1, 3, 4, 5]
    with pytest.warns(UndefinedMetricWarning, match=r"no positive clip: \['2'\]"):
        roc = roc_auc_per_tag(Y, S)
    assert np.isnan(roc[2])
    np.testing.assert_allclose(
        roc[defined], roc_auc_score(Y[:, defined], S[:, defined], average=None)
    )
    with pytest.warns(UndefinedMetricWarning) as record:
        macro = tagging_roc_auc(Y, S)
    assert len(record) == 1
    assert macro == pytest.approx(roc_auc_score(Y[:, defined], S[:, defined]))
    with pytest.warns(UndefinedMetricWarning, match=r"PR-AUC.*\['2'\]"):
        pr = tagging_pr_auc(Y, S)
    assert pr == pytest.approx(average_precision_score(Y[:, defined], S[:, defined]))
    with pytest.warns(UndefinedMetricWarning):
        weighted = tagging_roc_auc(Y, S, average="weighted")
    assert weighted == pytest.approx(
        roc_auc_score(Y[:, defined], S[:, defined], average="weighted")
    )
    # Micro-averaging pools the pairs, so the tag's negatives still count.
    with _no_warnings():
        assert tagging_roc_auc(Y, S, average="micro") == pytest.approx(
            roc_auc_score(Y.ravel(), S.ravel())
        )


def test_tag_without_negatives_has_no_roc_auc(tagging_data):
    Y, S = tagging_data
    Y = Y.copy()
    Y[:, 4] = 1
    with pytest.warns(UndefinedMetricWarning, match=r"no negative clip: \['4'\]"):
        roc = roc_auc_per_tag(Y, S)
    assert np.isnan(roc[4]) and np.isfinite(np.delete(roc, 4)).all()
    with _no_warnings():  # average precision is 1 when every clip has the tag
        assert pr_auc_per_tag(Y, S)[4] == 1.0


def test_warning_names_every_undefined_tag_once(tagging_data):
    Y, S = tagging_data
    Y = Y.copy()
    Y[:, [1, 3]] = 0
    Y[:, 5] = 1
    with pytest.warns(UndefinedMetricWarning) as record:
        tagging_report(Y, S, tag_names=list("abcdef"))
    assert len(record) == 1
    message = str(record[0].message)
    assert "no positive clip: ['b', 'd']" in message
    assert "no negative clip: ['f']" in message
    assert record[0].filename == __file__  # points at the caller


def test_warning_shortens_long_tag_lists():
    Y = np.zeros((3, 14), dtype=int)
    Y[0, 0] = 1
    with pytest.warns(UndefinedMetricWarning, match=r"'10' and 3 more\]"):
        roc_auc_per_tag(Y, np.random.default_rng(0).random((3, 14)))


def test_all_tags_undefined_gives_nan():
    Y = np.zeros((4, 2), dtype=int)
    for func in (tagging_roc_auc, tagging_pr_auc):
        for average in ("macro", "micro", "weighted"):
            with pytest.warns(UndefinedMetricWarning):
                assert np.isnan(func(Y, S_TINY, average=average))


# ---------------------------------------------------------------------------
# Multi-class and binary targets
# ---------------------------------------------------------------------------


def test_multiclass_labels_are_one_vs_rest():
    X, y = make_classification(
        90, n_informative=4, n_classes=3, random_state=0, flip_y=0.2
    )
    S = LogisticRegression().fit(X[:45], y[:45]).predict_proba(X[45:])
    assert tagging_roc_auc(y[45:], S) == pytest.approx(
        roc_auc_score(y[45:], S, multi_class="ovr")
    )
    np.testing.assert_allclose(
        pr_auc_per_tag(y[45:], S),
        [average_precision_score(y[45:] == c, S[:, c]) for c in range(3)],
    )


def test_string_labels_follow_labels_order():
    y = np.array(["rock", "jazz", "pop", "rock", "jazz", "pop"])
    S = np.array(
        [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4]] * 2
    )  # columns rock, jazz, pop
    order = ["rock", "jazz", "pop"]
    with _no_warnings():
        np.testing.assert_allclose(roc_auc_per_tag(y, S, labels=order), [1, 1, 1])
    # Without labels the classes are sorted (jazz, pop, rock): another pairing.
    assert tagging_roc_auc(y, S) < 1
    report = tagging_report(y, S, labels=order, output_dict=True)
    assert list(report)[:3] == order


def test_missing_class_needs_labels():
    y = np.array([0, 0, 1, 1])
    S = np.array([[0.6, 0.3, 0.1]] * 4)
    with pytest.raises(ValueError, match="3 columns but y_true holds 2 classes"):
        tagging_roc_auc(y, S)
    with pytest.warns(UndefinedMetricWarning, match=r"no positive clip: \['2'\]"):
        roc = roc_auc_per_tag(y, S, labels=[0, 1, 2])
    assert np.isnan(roc[2])


def test_binary_scores():
    y = np.array(["no", "yes", "yes", "no", "yes"])
    s = np.array([0.2, 0.8, 0.4, 0.5, 0.9])
    assert tagging_roc_auc(y, s) == pytest.approx(roc_auc_score(y == "yes", s))
    with pytest.raises(ValueError, match="must hold two classes"):
        tagging_roc_auc(np.array([0, 1, 2]), np.array([0.1, 0.5, 0.9]))


# ---------------------------------------------------------------------------
# Input errors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("y_true", "y_score", "message"),
    [
        (Y_TINY[:3], S_TINY, "y_true has 3 samples but y_score has 4"),
        (Y_TINY, S_TINY[:, :1], "y_true has 2 tag columns but y_score has 1"),
        (Y_TINY * 2, S_TINY, "binary indicator matrix"),
        (Y_TINY, np.where(S_TINY > 0.8, np.nan, S_TINY), "y_score contains NaN"),
        (Y_TINY[:, :, None], S_TINY, r"got an array of shape \(4, 2, 1\)"),
    ],
)
def test_invalid_targets(y_true, y_score, message):
    with pytest.raises(ValueError, match=message):
        tagging_roc_auc(y_true, y_score)


def test_invalid_parameters():
    with pytest.raises(ValueError, match="'average' parameter"):
        tagging_roc_auc(Y_TINY, S_TINY, average="samples")
    with pytest.raises(ValueError, match="labels names the classes of a 1-D"):
        tagging_pr_auc(Y_TINY, S_TINY, labels=[0, 1])
    with pytest.raises(ValueError, match="labels must be 1-D and unique"):
        tagging_roc_auc([0, 1, 0], [[0.1, 0.9]] * 3, labels=[1, 1])
    with pytest.raises(ValueError, match="not in labels"):
        tagging_roc_auc([0, 1, 2], [[0.1, 0.9]] * 3, labels=[0, 1])
    with pytest.raises(ValueError, match=r"shape \(2,\); got shape \(3,\)"):
        tagging_precision_recall_f1(Y_TINY, S_TINY, threshold=[0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="threshold must be finite"):
        tagging_precision_recall_f1(Y_TINY, S_TINY, threshold=np.nan)
    with pytest.raises(ValueError, match="'zero_division' parameter"):
        tagging_precision_recall_f1(Y_TINY, S_TINY, zero_division=0.5)


# ---------------------------------------------------------------------------
# Precision, recall, F1
# ---------------------------------------------------------------------------


def test_precision_recall_f1_hand_computed():
    # threshold 0.3: tag 0 predicted for clips 0, 1, 2 (tp 2, fp 1, fn 0);
    # tag 1 for clips 1, 3 (tp 1, fp 1, fn 1).
    p, r, f1, support = tagging_precision_recall_f1(Y_TINY, S_TINY, threshold=0.3)
    np.testing.assert_allclose(p, [2 / 3, 1 / 2])
    np.testing.assert_allclose(r, [1, 1 / 2])
    np.testing.assert_allclose(f1, [4 / 5, 1 / 2])
    np.testing.assert_array_equal(support, [2, 2])
    micro = tagging_precision_recall_f1(Y_TINY, S_TINY, threshold=0.3, average="micro")
    assert micro == pytest.approx((3 / 5, 3 / 4, 6 / 9, 4))
    macro = tagging_precision_recall_f1(Y_TINY, S_TINY, threshold=0.3, average="macro")
    assert macro == pytest.approx((7 / 12, 3 / 4, 13 / 20, 4))


def test_threshold_is_inclusive_and_per_tag():
    p, r, _, _ = tagging_precision_recall_f1(Y_TINY, S_TINY, threshold=0.4)
    np.testing.assert_allclose(r, [1, 1 / 2])  # the score 0.4 counts
    p, r, _, _ = tagging_precision_recall_f1(Y_TINY, S_TINY, threshold=[0.9, 0.1])
    np.testing.assert_allclose(p, [1, 1 / 2])
    np.testing.assert_allclose(r, [1 / 2, 1])


@pytest.mark.parametrize("average", [None, "macro", "micro", "weighted"])
@pytest.mark.parametrize("zero_division", [0.0, 1.0, np.nan])
def test_precision_recall_f1_match_sklearn(tagging_data, average, zero_division):
    Y, S = tagging_data
    Y = Y.copy()
    Y[:, 0] = 0  # no positives: recall 0/0
    S = S.copy()
    S[:, 1] = 0.0  # never predicted: precision 0/0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        expected = precision_recall_fscore_support(
            Y, (S >= 0.5).astype(int), average=average, zero_division=zero_division
        )
    got = tagging_precision_recall_f1(
        Y, S, average=average, zero_division=zero_division
    )
    for g, e in zip(got[:3], expected[:3], strict=True):
        np.testing.assert_allclose(g, e)
    if average is None:
        np.testing.assert_array_equal(got[3], expected[3])
    else:
        assert got[3] == Y.sum()


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def test_report_dict_matches_the_functions(tagging_data):
    Y, S = tagging_data
    names = ["rock", "jazz", "guitar", "piano", "vocal", "drums"]
    report = tagging_report(Y, S, tag_names=names, threshold=0.6, output_dict=True)
    assert list(report) == [*names, "micro avg", "macro avg", "weighted avg"]
    roc, pr = roc_auc_per_tag(Y, S), pr_auc_per_tag(Y, S)
    p, r, f1, support = tagging_precision_recall_f1(Y, S, threshold=0.6)
    for j, name in enumerate(names):
        row = report[name]
        assert list(row) == COLUMNS
        assert row["roc_auc"] == pytest.approx(roc[j])
        assert row["pr_auc"] == pytest.approx(pr[j])
        assert (row["precision"], row["recall"], row["f1-score"]) == pytest.approx(
            (p[j], r[j], f1[j])
        )
        assert row["support"] == support[j] and isinstance(row["support"], int)
    for average in ("micro", "macro", "weighted"):
        row = report[f"{average} avg"]
        assert row["roc_auc"] == pytest.approx(tagging_roc_auc(Y, S, average=average))
        assert row["pr_auc"] == pytest.approx(tagging_pr_auc(Y, S, average=average))
        expected = tagging_precision_recall_f1(Y, S, threshold=0.6, average=average)
        got = (row["precision"], row["recall"], row["f1-score"], row["support"])
        assert got == pytest.approx(expected)


def test_report_string_and_frame(tagging_data):
    Y, S = tagging_data
    Y = Y.copy()
    Y[:, 3] = 0
    names = [f"tag{j}" for j in range(6)]
    with pytest.warns(UndefinedMetricWarning):
        text = tagging_report(Y, S, tag_names=names, digits=4)
    lines = text.splitlines()
    assert lines[0].split() == COLUMNS
    assert lines[1] == "" and lines[8] == ""
    assert lines[5].split()[:3] == ["tag3", "nan", "nan"]
    assert lines[-1].split()[:2] == ["weighted", "avg"]
    assert len({len(line) for line in lines if line}) == 1  # columns aligned
    with pytest.warns(UndefinedMetricWarning):
        frame = tagging_report(Y, S, tag_names=names, as_frame=True)
    with pytest.warns(UndefinedMetricWarning):
        report = tagging_report(Y, S, tag_names=names, output_dict=True)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.index) == list(report)
    assert frame["support"].dtype == np.int64
    assert frame.loc["macro avg", "roc_auc"] == report["macro avg"]["roc_auc"]
    assert f"{report['tag1']['pr_auc']:.4f}" in lines[3]


def test_report_tag_names():
    frame = pd.DataFrame(Y_TINY, columns=["rock", "piano"])
    assert list(tagging_report(frame, S_TINY, output_dict=True))[:2] == [
        "rock",
        "piano",
    ]
    assert list(tagging_report(Y_TINY, S_TINY, output_dict=True))[:2] == ["0", "1"]
    with pytest.raises(ValueError, match="tag_names has 3 names but there are 2"):
        tagging_report(Y_TINY, S_TINY, tag_names=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"\['a'\] appear twice"):
        tagging_report(Y_TINY, S_TINY, tag_names=["a", "a"])
    with pytest.raises(ValueError, match="clash with the average rows"):
        tagging_report(Y_TINY, S_TINY, tag_names=["a", "macro avg"])
    with pytest.raises(ValueError, match="not both"):
        tagging_report(Y_TINY, S_TINY, output_dict=True, as_frame=True)


# ---------------------------------------------------------------------------
# Building blocks: check_tagging_targets and auc_per_tag
# ---------------------------------------------------------------------------


def test_check_tagging_targets_every_form():
    Y, S, names = check_tagging_targets(Y_TINY, S_TINY)
    assert Y.dtype == bool and S.dtype == np.float64
    np.testing.assert_array_equal(Y, Y_TINY.astype(bool))
    np.testing.assert_array_equal(S, S_TINY)
    assert names == ["0", "1"]

    frame = pd.DataFrame(Y_TINY, columns=["rock", "piano"])
    assert check_tagging_targets(frame, S_TINY)[2] == ["rock", "piano"]
    named = check_tagging_targets(frame, S_TINY, tag_names=["a", "b"])[2]
    assert named == ["a", "b"]

    as_list = [np.column_stack([1 - S_TINY[:, j], S_TINY[:, j]]) for j in range(2)]
    np.testing.assert_array_equal(check_tagging_targets(Y_TINY, as_list)[1], S_TINY)

    labels = np.array(["rock", "jazz", "rock", "jazz"])
    Y, _, names = check_tagging_targets(labels, S_TINY)
    assert names == ["jazz", "rock"]
    np.testing.assert_array_equal(Y[:, 1], labels == "rock")
    Y, _, names = check_tagging_targets(labels, S_TINY, labels=["rock", "jazz"])
    assert names == ["rock", "jazz"]
    np.testing.assert_array_equal(Y[:, 0], labels == "rock")


def test_check_tagging_targets_errors():
    with pytest.raises(ValueError, match="tag_names has 3 names but there are 2"):
        check_tagging_targets(Y_TINY, S_TINY, tag_names=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"\['a'\] appear twice or more"):
        check_tagging_targets(Y_TINY, S_TINY, tag_names=["a", "a"])
    with pytest.raises(ValueError, match="binary indicator matrix"):
        check_tagging_targets(Y_TINY * 2, S_TINY)
    with pytest.raises(ValueError, match="y_true has 3 samples but y_score has 4"):
        check_tagging_targets(Y_TINY[:3], S_TINY)


def test_auc_per_tag_is_the_per_tag_metric_without_warnings(tagging_data):
    Y, S = tagging_data
    Y = Y.copy()
    Y[:, 1] = 0  # ROC and PR undefined
    Y[:, 2] = 1  # ROC undefined
    Yb, Sf, _ = check_tagging_targets(Y, S)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        roc = auc_per_tag(Yb, Sf)
        pr = auc_per_tag(Yb, Sf, kind="pr")
    with pytest.warns(UndefinedMetricWarning):
        np.testing.assert_array_equal(roc, roc_auc_per_tag(Y, S))
    with pytest.warns(UndefinedMetricWarning):
        np.testing.assert_array_equal(pr, pr_auc_per_tag(Y, S))
    assert np.isnan(roc[[1, 2]]).all() and not np.isnan(roc[[0, 3, 4, 5]]).any()
    assert np.isnan(pr[1]) and pr[2] == 1.0
    with pytest.raises(ValueError, match="kind must be 'roc' or 'pr'"):
        auc_per_tag(Yb, Sf, kind="f1")


# ---------------------------------------------------------------------------
# Scorers and model selection
# ---------------------------------------------------------------------------


class _LinearTagger(ClassifierMixin, BaseEstimator):
    """Multi-label classifier whose ``predict_proba`` is one
    ``(n_samples, n_tags)`` array: a logistic of the projection of ``X`` on
    each tag's mean difference, sharpened by ``scale``; ``noise`` adds a
    fixed random perturbation to make some settings worse than others."""

    def __init__(self, *, scale=1.0, noise=0.0):
        self.scale = scale
        self.noise = noise

    def fit(self, X, Y):
        X, Y = np.asarray(X, dtype=float), np.asarray(Y)
        self.mean_ = X.mean(axis=0)
        pos = np.stack([X[Y[:, j] == 1].mean(axis=0) for j in range(Y.shape[1])])
        neg = np.stack([X[Y[:, j] == 0].mean(axis=0) for j in range(Y.shape[1])])
        self.coef_ = (pos - neg).T
        self.coef_ += (
            self.noise
            * np.random.default_rng(0).normal(size=self.coef_.shape)
            * np.abs(self.coef_).max()
        )
        self.classes_ = [np.array([0, 1])] * Y.shape[1]
        return self

    def predict_proba(self, X):
        check_is_fitted(self)
        z = (np.asarray(X, dtype=float) - self.mean_) @ self.coef_
        return 1 / (1 + np.exp(-self.scale * z / np.abs(z).max()))

    def predict(self, X):
        return (self.predict_proba(X) >= 0.5).astype(int)


@pytest.fixture(scope="module")
def multilabel_data():
    return make_multilabel_classification(
        150, n_features=10, n_classes=5, random_state=0
    )


def _manual_cv(estimator, X, Y, score_func, cv):
    scores = []
    for train, test in cv.split(X):
        fitted = estimator.fit(X[train], Y[train])
        scores.append(score_func(Y[test], fitted.predict_proba(X[test])))
    return np.mean(scores)


def test_grid_search_with_kneighbors(multilabel_data):
    """KNeighborsClassifier's predict_proba is a list of (n, 2) arrays."""
    X, Y = multilabel_data
    cv = KFold(3, shuffle=True, random_state=0)
    search = GridSearchCV(
        KNeighborsClassifier(),
        {"n_neighbors": [1, 5, 25]},
        scoring={"roc": roc_auc_macro_scorer, "pr": get_scorer("tag_pr_auc_micro")},
        refit="roc",
        cv=cv,
    ).fit(X, Y)
    for i, k in enumerate([1, 5, 25]):
        knn = KNeighborsClassifier(n_neighbors=k)
        roc = _manual_cv(knn, X, Y, tagging_roc_auc, cv)
        pr = _manual_cv(
            knn, X, Y, lambda y, s: tagging_pr_auc(y, s, average="micro"), cv
        )
        assert search.cv_results_["mean_test_roc"][i] == pytest.approx(roc)
        assert search.cv_results_["mean_test_pr"][i] == pytest.approx(pr)
    assert search.best_params_ == {"n_neighbors": 25}  # 1 neighbour: ties


def test_grid_search_with_array_predict_proba(multilabel_data):
    X, Y = multilabel_data
    cv = KFold(3, shuffle=True, random_state=0)
    search = GridSearchCV(
        _LinearTagger(),
        {"noise": [0.0, 2.0]},
        scoring=get_scorer("tag_roc_auc_macro"),
        cv=cv,
    ).fit(X, Y)
    expected = [
        _manual_cv(_LinearTagger(noise=n), X, Y, tagging_roc_auc, cv) for n in (0, 2)
    ]
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], expected)
    assert search.best_params_ == {"noise": 0.0}
    fitted = search.best_estimator_
    assert pr_auc_macro_scorer(fitted, X, Y) == pytest.approx(
        average_precision_score(Y, fitted.predict_proba(X))
    )


def test_scorer_falls_back_to_decision_function(multilabel_data):
    X, Y = multilabel_data
    ridge = RidgeClassifier().fit(X, Y)
    assert not hasattr(ridge, "predict_proba")
    assert roc_auc_macro_scorer(ridge, X, Y) == pytest.approx(
        roc_auc_score(Y, ridge.decision_function(X))
    )


def test_scorer_on_multiclass_matches_sklearn_ovr():
    X, y = make_classification(
        120, n_informative=4, n_classes=3, random_state=0, flip_y=0.2
    )
    model = LogisticRegression()
    ours = cross_val_score(model, X, y, cv=3, scoring=roc_auc_macro_scorer)
    theirs = cross_val_score(model, X, y, cv=3, scoring="roc_auc_ovr")
    np.testing.assert_allclose(ours, theirs)


def test_get_scorer():
    names = get_scorer_names()
    assert names == sorted(
        f"tag_{m}_{a}"
        for m in ("roc_auc", "pr_auc")
        for a in ("macro", "micro", "weighted")
    )
    scorer = get_scorer("tag_roc_auc_macro")
    assert scorer is not roc_auc_macro_scorer  # a copy, as sklearn's get_scorer
    assert scorer._score_func is tagging_roc_auc
    assert scorer._kwargs == {"average": "macro"}
    assert get_scorer("tag_pr_auc_micro")._kwargs == {"average": "micro"}
    assert repr(get_scorer("accuracy")) == repr(sklearn_get_scorer("accuracy"))
    with pytest.raises(ValueError, match="tag_pr_auc_macro"):
        get_scorer("tag_auc")
