"""The displays draw exactly the data they are given, and explain bad input."""

import matplotlib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError, UndefinedMetricWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    ConfusionMatrixDisplay,
    average_precision_score,
    roc_auc_score,
    roc_curve,
)
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from sklearn_music.datasets import make_music
from sklearn_music.estimators import CRNNClassifier
from sklearn_music.features import (
    CQTSpectrogram,
    HandcraftedFeatures,
    MelSpectrogram,
    STFTSpectrogram,
    frame_lengths,
)
from sklearn_music.metrics import tagging_pr_auc, tagging_roc_auc
from sklearn_music.plotting import (
    BudgetCurveDisplay,
    SpectrogramDisplay,
    TagCurveDisplay,
    TrainingCurveDisplay,
)

matplotlib.use("Agg")
import matplotlib.pyplot as plt

SR = 16000
MEL = dict(sr=SR, n_fft=512, hop_length=256, n_mels=32)
# a CRNN that takes inputs from 16 frames, with about 10k parameters
TINY_CRNN = dict(
    param_budget=1e4,
    module__pool_sizes=((2, 2),) * 4,
    max_epochs=3,
    batch_size=64,
    lr=0.02,
    random_state=0,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def music():
    """Three styles, 1 s clips at 16 kHz."""
    return make_music(24, n_classes=3, duration=1.0, sr=SR, random_state=0)


@pytest.fixture(scope="module")
def fitted_pipeline(music):
    """Mel spectrogram + a tiny CRNN, fitted with a validation split."""
    X, y = music
    pipe = Pipeline(
        [("mel", MelSpectrogram(**MEL)), ("clf", CRNNClassifier(**TINY_CRNN))]
    )
    return pipe.fit(X, y)


def _line_labels(ax):
    return [line.get_label() for line in ax.get_lines()]


# ---------------------------------------------------------------------------
# SpectrogramDisplay
# ---------------------------------------------------------------------------


def test_spectrogram_from_transformer_crops_padding(music):
    X, _ = music
    clips = [X[0], X[1][: SR // 2]]  # the second is padded with NaN in a batch
    mel = MelSpectrogram(**MEL)
    S = mel.transform(clips)
    n_valid = frame_lengths(S)[1]
    assert n_valid < S.shape[2]

    display = SpectrogramDisplay.from_transformer(mel, clips, index=1)

    expected = S[1, :, :n_valid]
    np.testing.assert_array_equal(display.spectrogram, expected)
    drawn = display.mesh_.get_array()
    np.testing.assert_array_equal(np.asarray(drawn).reshape(expected.shape), expected)
    np.testing.assert_allclose(display.times, np.arange(n_valid) * 256 / SR)
    # frequencies are the centres of the mel filters
    fb = mel.mel_filterbank()
    fft_freqs = np.arange(fb.shape[1]) * SR / 512
    peaks = fft_freqs[np.argmax(fb, axis=1)]
    assert np.all(np.abs(display.frequencies - peaks) <= SR / 512)
    assert display.ax_.get_xlabel() == "Time (s)"
    assert display.ax_.get_ylabel() == "Frequency (Hz)"
    assert display.ax_.get_yscale() == "function"  # mel-spaced, labelled in Hz
    labels = [t.get_text() for t in display.ax_.get_yticklabels()]
    assert "1k" in labels
    assert display.colorbar_.ax.get_ylabel() == "dB"
    assert display.ax_.get_xlim()[1] == pytest.approx(
        (n_valid - 0.5) * 256 / SR
    )  # ends at the clip's last frame, not at the batch's


def test_spectrogram_one_clip_and_given_axes(music):
    X, _ = music
    fig, ax = plt.subplots()
    display = SpectrogramDisplay.from_transformer(
        MelSpectrogram(**MEL), X[2], ax=ax, colorbar=False, name="clip 2"
    )
    assert display.ax_ is ax and display.figure_ is fig
    assert display.colorbar_ is None
    assert ax.get_title() == "clip 2"
    np.testing.assert_array_equal(
        display.spectrogram, MelSpectrogram(**MEL).transform(X[2:3])[0]
    )


@pytest.mark.parametrize(
    "transformer, scale, label",
    [
        (STFTSpectrogram(sr=SR, n_fft=256), "linear", "dB"),
        (STFTSpectrogram(sr=SR, n_fft=256, log="none", power=1.0), "linear",
         "magnitude"),
        (CQTSpectrogram(sr=SR, n_bins=48, fmin=65.4), "log", "dB"),
        (MelSpectrogram(**MEL, log="log1p", log_gain=100.0), "function",
         "log10(1 + 100 S)"),
    ],
)  # fmt: skip
def test_spectrogram_axes_follow_the_transformer(music, transformer, scale, label):
    X, _ = music
    display = SpectrogramDisplay.from_transformer(transformer, X[:2], index=1)
    assert display.ax_.get_yscale() == scale
    assert display.colorbar_.ax.get_ylabel() == label
    freqs = display.frequencies
    assert freqs.shape == (display.spectrogram.shape[0],)
    lo, hi = display.ax_.get_ylim()
    assert lo < freqs[0] and freqs[-1] < hi


def test_spectrogram_from_array_shows_nan_blank():
    S = np.random.default_rng(0).normal(size=(2, 40, 30)).astype(np.float32)
    S[0, 5:8, 10] = np.nan  # a hole inside the clip stays blank
    S[0, :, 25:] = np.nan  # padding is cropped
    display = SpectrogramDisplay.from_spectrogram(S, sr=SR, hop_length=256)
    assert display.spectrogram.shape == (40, 25)
    drawn = display.mesh_.get_array()
    assert np.ma.getmaskarray(drawn).sum() == 3 or np.isnan(drawn).sum() == 3
    np.testing.assert_array_equal(display.spectrogram, S[0, :, :25])

    cqt = SpectrogramDisplay.from_spectrogram(S[1], y_axis="cqt", fmin=55.0)
    assert cqt.ax_.get_yscale() == "log"
    assert cqt.frequencies[0] == pytest.approx(55.0)
    assert cqt.frequencies[12] == pytest.approx(110.0)
    bins = SpectrogramDisplay.from_spectrogram(S, index=1, y_axis=None)
    assert bins.ax_.get_ylabel() == "Frequency bin"
    linear = SpectrogramDisplay.from_spectrogram(S[1], sr=8000, y_axis="linear")
    assert linear.frequencies[-1] == 4000


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(S=np.zeros(5)), "shape"),
        (dict(S=np.zeros((2, 4, 5)), index=2), "index"),
        (dict(S=np.zeros((4, 5)), index=1), "index must be 0"),
        (dict(S=np.full((1, 4, 5), np.nan)), "all padding"),
        (dict(S=np.zeros((4, 5)), y_axis="bark"), "y_axis"),
        (dict(S=np.zeros((4, 5)), fmin=12000.0), "fmin"),
        (dict(S=np.zeros((4, 5)), hop_length=0), "hop_length"),
    ],
)
def test_spectrogram_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SpectrogramDisplay.from_spectrogram(**kwargs)


def test_spectrogram_rejects_other_transformers(music):
    X, _ = music
    with pytest.raises(ValueError, match="from_spectrogram"):
        SpectrogramDisplay.from_transformer(HandcraftedFeatures(), X)
    with pytest.raises(ValueError, match="index"):
        SpectrogramDisplay.from_transformer(MelSpectrogram(**MEL), X, index=99)


# ---------------------------------------------------------------------------
# TrainingCurveDisplay
# ---------------------------------------------------------------------------


def test_training_curves_from_estimator(fitted_pipeline):
    history = fitted_pipeline[-1].history_
    display = TrainingCurveDisplay.from_estimator(fitted_pipeline)

    epochs = history[:, "epoch"]
    for key in ("train_loss", "valid_loss"):
        line = display.lines_[key]
        np.testing.assert_array_equal(line.get_xdata(), epochs)
        np.testing.assert_allclose(line.get_ydata(), history[:, key])
    best = [row["epoch"] for row in history if row["valid_loss_best"]][-1]
    assert display.best_epoch == best
    assert display.best_lines_[0].get_xdata()[0] == best
    # the classifier logs its validation accuracy, which gets a panel; the
    # default warm-up + cosine schedule logs a changing learning rate, which
    # gets one too (a constant one would get none)
    scores = [k for k in history[-1] if k in ("valid_acc", "train_acc")]
    assert scores == ["valid_acc"]
    assert sorted(display.scores) == scores
    rates = history[:, "event_lr"]
    assert len(set(rates)) > 1
    assert list(display.axes_) == ["loss", "score", "lr"]
    np.testing.assert_allclose(display.lines_["lr"].get_ydata(), rates)
    for key in scores:
        np.testing.assert_allclose(display.lines_[key].get_ydata(), history[:, key])
    assert display.ax_.get_title() == "CRNNClassifier"
    assert display.ax_.get_ylabel() == "loss"
    assert list(display.axes_.values())[-1].get_xlabel() == "epoch"
    # the bare network gives the same curves
    net_display = TrainingCurveDisplay.from_estimator(fitted_pipeline[-1])
    np.testing.assert_allclose(
        net_display.lines_["valid_loss"].get_ydata(), history[:, "valid_loss"]
    )


def _history(n=5):
    rows = []
    for epoch in range(1, n + 1):
        valid = [1.0, 0.8, 0.7, 0.75, 0.72][epoch - 1]
        rows.append(
            {
                "epoch": epoch,
                "train_loss": 1.2 / epoch,
                "train_loss_best": True,
                "valid_loss": valid,
                "valid_loss_best": valid <= 0.7 + 1e-12 or epoch < 3,
                "valid_acc": 0.5 + 0.1 * epoch,
                "dur": 0.1,
                "train_batch_count": 2,
                "event_lr": 0.01 if epoch < 4 else 0.005,
                "batches": [{"train_loss": 1.0}],
            }
        )
    return rows


def test_training_curves_panels_scores_and_lr():
    display = TrainingCurveDisplay.from_history(_history(), name="run 1")
    assert list(display.axes_) == ["loss", "score", "lr"]
    assert set(display.scores) == {"valid_acc"}  # dur, counts, flags are not scores
    np.testing.assert_allclose(
        display.lines_["valid_acc"].get_ydata(), [0.6, 0.7, 0.8, 0.9, 1.0]
    )
    np.testing.assert_allclose(
        display.lines_["lr"].get_ydata(), [0.01, 0.01, 0.01, 0.005, 0.005]
    )
    assert display.axes_["lr"].get_yscale() == "log"
    assert display.best_epoch == 3
    assert len(display.best_lines_) == 3  # one per panel
    assert display.ax_.get_title() == "run 1"
    assert "best epoch (3)" in [
        t.get_text() for t in display.ax_.get_legend().get_texts()
    ]

    # panels can be turned off, and drawn on the caller's axes
    _, ax = plt.subplots()
    single = TrainingCurveDisplay.from_history(
        _history(), ax=ax, scores=False, lr=False, mark_best=False
    )
    assert single.ax_ is ax and single.best_lines_ == []
    assert _line_labels(ax) == ["train loss", "valid loss"]
    # a DataFrame of the history (e.g. read back from a CSV file) works too
    frame = TrainingCurveDisplay.from_history(pd.DataFrame(_history()))
    np.testing.assert_allclose(
        frame.lines_["train_loss"].get_ydata(), display.lines_["train_loss"].get_ydata()
    )
    # the monitor names the flags of the best epoch
    by_train = TrainingCurveDisplay.from_history(_history(), monitor="train_loss")
    assert by_train.best_epoch == 5


def test_training_curves_without_validation():
    rows = [
        {"epoch": i, "train_loss": 1.0 / i, "train_loss_best": True} for i in (1, 2)
    ]
    display = TrainingCurveDisplay.from_history(rows)
    assert display.valid_loss is None and display.best_epoch is None
    assert list(display.lines_) == ["train_loss"]
    assert list(display.axes_) == ["loss"]  # no score, no learning rate: one panel


def test_training_curves_errors():
    with pytest.raises(ValueError, match="neither train_loss nor valid_loss"):
        TrainingCurveDisplay.from_history([{"epoch": 1, "dur": 0.1}])
    with pytest.raises(ValueError, match="empty"):
        TrainingCurveDisplay.from_history([])
    with pytest.raises(ValueError, match="one dict per epoch"):
        TrainingCurveDisplay.from_history([1.0, 0.5])
    _, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="3 panel"):
        TrainingCurveDisplay.from_history(_history(), ax=axes)
    with pytest.raises(ValueError, match="no learning rate"):
        TrainingCurveDisplay.from_history([{"epoch": 1, "train_loss": 1.0}], lr=True)
    with pytest.raises(NotFittedError):
        TrainingCurveDisplay.from_estimator(CRNNClassifier())
    with pytest.raises(ValueError, match="skorch network"):
        TrainingCurveDisplay.from_estimator(LogisticRegression())
    search = GridSearchCV(CRNNClassifier(**TINY_CRNN), {"lr": [0.01]}, cv=2)
    with pytest.raises(NotFittedError):
        TrainingCurveDisplay.from_estimator(search)


# ---------------------------------------------------------------------------
# TagCurveDisplay
# ---------------------------------------------------------------------------


@pytest.fixture
def tagging():
    rng = np.random.default_rng(0)
    Y = rng.random((60, 4)) < [0.5, 0.3, 0.2, 0.4]
    S = np.clip(Y * 0.3 + rng.random((60, 4)) * 0.8, 0, 1)
    return Y.astype(int), S


@pytest.mark.parametrize("kind", ["roc", "pr"])
def test_tag_curves_match_sklearn(tagging, kind):
    Y, S = tagging
    names = ["drums", "bass", "piano", "organ"]
    display = TagCurveDisplay.from_predictions(Y, S, kind=kind, tag_names=names)

    score = roc_auc_score if kind == "roc" else average_precision_score
    metric = "ROC-AUC" if kind == "roc" else "PR-AUC"
    expected = [score(Y[:, j], S[:, j]) for j in range(4)]
    np.testing.assert_allclose(display.auc, expected)
    assert [line.get_label() for line in display.lines_] == [
        f"{n} ({metric} = {a:0.2f})" for n, a in zip(names, expected, strict=True)
    ]
    macro = (tagging_roc_auc if kind == "roc" else tagging_pr_auc)(Y, S)
    assert display.macro_auc == pytest.approx(macro)
    assert display.ax_.get_title() == f"macro {metric} = {macro:0.2f} (4 tags)"
    if kind == "roc":
        fpr, tpr, _ = roc_curve(Y[:, 1], S[:, 1])
        np.testing.assert_array_equal(display.lines_[1].get_xdata(), fpr)
        np.testing.assert_array_equal(display.lines_[1].get_ydata(), tpr)
        assert display.ax_.get_xlabel() == "False positive rate"
        assert len(display.chance_level_) == 1
    else:
        assert display.ax_.get_xlabel() == "Recall"
        np.testing.assert_allclose(
            [line.get_ydata()[0] for line in display.chance_level_], Y.mean(axis=0)
        )


def test_tag_curves_select_tags(tagging):
    Y, S = tagging
    frame = pd.DataFrame(Y, columns=["drums", "bass", "piano", "organ"])
    top2 = TagCurveDisplay.from_predictions(frame, S, tags=2)
    order = np.argsort(-Y.sum(axis=0), kind="stable")[:2]
    assert top2.tag_names == [frame.columns[j] for j in order]
    assert len(top2.lines_) == 2
    assert top2.n_tags == 4  # the title's average is over every tag
    named = TagCurveDisplay.from_predictions(
        frame, S, tags=["piano", 0], chance_level=False, name="model"
    )
    assert named.tag_names == ["piano", "drums"]
    assert named.chance_level_ == []
    assert named.ax_.get_title().startswith("model: macro ROC-AUC")
    with pytest.raises(ValueError, match="Unknown tag 'flute'"):
        TagCurveDisplay.from_predictions(frame, S, tags=["flute"])
    with pytest.raises(ValueError, match="out of range"):
        TagCurveDisplay.from_predictions(frame, S, tags=[7])
    with pytest.raises(ValueError, match="kind"):
        TagCurveDisplay.from_predictions(Y, S, kind="det")
    with pytest.raises(ValueError, match="tag_names has 2 names"):
        TagCurveDisplay.from_predictions(Y, S, tag_names=["a", "b"])


def test_tag_curves_skip_undefined_tags(tagging):
    Y, S = tagging
    Y = Y.copy()
    Y[:, 2] = 0
    with pytest.warns(UndefinedMetricWarning, match="'2'"):
        display = TagCurveDisplay.from_predictions(Y, S)
    assert display.tag_names == ["0", "1", "3"]
    assert display.n_tags == 3
    with pytest.raises(ValueError, match="No tag"):
        TagCurveDisplay.from_predictions(np.zeros_like(Y), S)


def test_tag_curves_from_estimator_one_vs_rest(fitted_pipeline, music):
    X, y = music
    display = TagCurveDisplay.from_estimator(fitted_pipeline, X, y)
    classes = fitted_pipeline.classes_
    proba = fitted_pipeline.predict_proba(X)
    assert display.tag_names == [str(c) for c in classes]
    expected = [roc_auc_score(y == c, proba[:, k]) for k, c in enumerate(classes)]
    np.testing.assert_allclose(display.auc, expected)
    assert display.ax_.get_title().startswith("CRNNClassifier: macro ROC-AUC")


class _Tagger(ClassifierMixin, BaseEstimator):
    """Scores the tag ``t`` of clip ``x`` with ``x[t]`` (a stand-in tagger)."""

    def fit(self, X, y):
        self.classes_ = np.array(["bass", "drums", "piano"])
        return self

    def predict_proba(self, X):
        return np.asarray(X, dtype=float)


def test_tag_curves_from_estimator_with_tag_lists():
    X = np.array([[0.9, 0.1, 0.2], [0.2, 0.8, 0.7], [0.7, 0.6, 0.1], [0.1, 0.2, 0.9]])
    tags = [["bass"], ["drums", "piano"], ["bass", "drums"], ["piano"]]
    with pytest.raises(NotFittedError):
        TagCurveDisplay.from_estimator(_Tagger(), X, tags)
    tagger = _Tagger().fit(X, tags)
    display = TagCurveDisplay.from_estimator(tagger, X, tags)
    assert display.tag_names == ["bass", "drums", "piano"]
    np.testing.assert_allclose(display.auc, 1.0)
    as_series = TagCurveDisplay.from_estimator(tagger, X, pd.Series(tags))
    np.testing.assert_allclose(as_series.auc, display.auc)
    with pytest.raises(ValueError, match="does not know"):
        TagCurveDisplay.from_estimator(tagger, X, [["flute"], [], [], []])


def test_confusion_matrix_display_works_with_pipelines(fitted_pipeline, music):
    """No wrapper needed: scikit-learn's display takes our pipelines."""
    X, y = music
    display = ConfusionMatrixDisplay.from_estimator(fitted_pipeline, X, y)
    assert display.confusion_matrix.sum() == len(y)
    assert list(display.display_labels) == list(fitted_pipeline.classes_)


# ---------------------------------------------------------------------------
# BudgetCurveDisplay
# ---------------------------------------------------------------------------


def test_budget_curve_from_grid_search(music):
    X, y = music
    subset = np.concatenate([np.flatnonzero(y == c)[:4] for c in np.unique(y)])
    S = MelSpectrogram(**MEL).transform(X[subset])
    params = {**TINY_CRNN, "max_epochs": 1, "train_split": None}
    del params["param_budget"]
    search = GridSearchCV(
        CRNNClassifier(**params), {"param_budget": [1e4, 5e3]}, cv=2, refit=False
    )
    with pytest.raises(NotFittedError):
        BudgetCurveDisplay.from_cv_results(search)
    search.fit(S, y[subset])

    display = BudgetCurveDisplay.from_cv_results(search)
    results = search.cv_results_
    order = np.argsort(np.asarray(results["param_param_budget"], dtype=float))
    (line,) = display.lines_
    np.testing.assert_array_equal(line.get_xdata(), [5e3, 1e4])
    np.testing.assert_allclose(line.get_ydata(), results["mean_test_score"][order])
    assert display.ax_.get_xscale() == "log"
    assert display.ax_.get_xlabel() == "parameter budget (param_budget)"
    assert display.ax_.get_ylabel() == "mean test score"
    assert [t.get_text() for t in display.ax_.get_xticklabels()] == ["5k", "10k"]
    assert display.table1_lines_ == []  # the paper's budgets are all larger
    assert len(display.fill_between_) == 1


def _cv_results():
    budgets = [1e5, 2.5e5, 5e5, 1e5, 2.5e5, 5e5]
    return {
        "param_clf__param_budget": np.ma.array(budgets, dtype=object),
        "param_mel__n_mels": np.ma.array([96, 96, 96, 128, 128, 128], dtype=object),
        "param_clf__lr": np.ma.array([1e-3] * 6, dtype=object),
        "mean_test_score": np.array([0.6, 0.65, 0.7, 0.62, 0.66, 0.69]),
        "std_test_score": np.array([0.01, 0.02, 0.01, 0.03, 0.02, 0.01]),
    }


def test_budget_curve_lines_per_other_parameter():
    display = BudgetCurveDisplay.from_cv_results(_cv_results())
    assert display.labels == ["mel__n_mels=96", "mel__n_mels=128"]  # lr is constant
    assert len(display.lines_) == 2
    np.testing.assert_allclose(display.lines_[1].get_ydata(), [0.62, 0.66, 0.69])
    lower = display.fill_between_[0].get_paths()[0].vertices[:, 1].min()
    assert lower == pytest.approx(0.6 - 0.01)
    budgets = [line.get_xdata()[0] for line in display.table1_lines_]
    assert budgets == [1e5, 2.5e5, 5e5]
    assert "Choi et al. 2017 budgets" in _line_labels(display.ax_)
    plain = BudgetCurveDisplay.from_cv_results(
        _cv_results(), std=False, mark_table1=False
    )
    assert plain.fill_between_ == [] and plain.table1_lines_ == []


def test_budget_curve_labels_estimators_by_class():
    """A grid over the final step gives one line per architecture."""
    results = _cv_results()
    crnn, other_crnn, logreg = (
        CRNNClassifier(),
        CRNNClassifier(lr=0.1),
        LogisticRegression(),
    )
    results["param_mel__n_mels"] = np.ma.array([96] * 6, dtype=object)
    results["param_clf"] = np.ma.array([crnn, logreg] * 3, dtype=object)
    display = BudgetCurveDisplay.from_cv_results(results)
    assert display.labels == ["clf=CRNNClassifier", "clf=LogisticRegression"]
    # candidates 1, 3, 5, sorted by budget
    np.testing.assert_array_equal(display.budgets[1], [1e5, 2.5e5, 5e5])
    np.testing.assert_allclose(display.mean_scores[1], [0.62, 0.65, 0.69])
    # two settings of one class: named after their reprs
    results["param_clf"] = np.ma.array([crnn, other_crnn] * 3, dtype=object)
    display = BudgetCurveDisplay.from_cv_results(results)
    assert len(display.lines_) == 2
    assert display.labels == ["clf=CRNNClassifier()", "clf=CRNNClassifier(lr=0.1)"]
    # two instances whose reprs are equal too: numbered
    results["param_clf"] = np.ma.array([crnn, CRNNClassifier()] * 3, dtype=object)
    display = BudgetCurveDisplay.from_cv_results(results)
    assert display.labels == ["clf=CRNNClassifier() (1)", "clf=CRNNClassifier() (2)"]


def test_budget_curve_leaves_out_default_widths():
    results = _cv_results()
    results["param_clf__param_budget"][0] = None
    with pytest.warns(UserWarning, match="1 candidate"):
        display = BudgetCurveDisplay.from_cv_results(results)
    np.testing.assert_array_equal(display.budgets[0], [2.5e5, 5e5])


def test_budget_curve_errors():
    X = np.random.default_rng(0).normal(size=(20, 3))
    y = np.arange(20) % 2
    search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2).fit(X, y)
    with pytest.raises(ValueError, match=r"no param_budget parameter.*\['C'\]"):
        BudgetCurveDisplay.from_cv_results(search)
    with pytest.raises(ValueError, match="not a searched parameter"):
        BudgetCurveDisplay.from_cv_results(search, budget_param="alpha")
    with pytest.raises(ValueError, match="GridSearchCV"):
        BudgetCurveDisplay.from_cv_results(LogisticRegression())
    multi = _cv_results()
    multi["mean_test_auc"] = multi.pop("mean_test_score")
    multi["mean_test_acc"] = multi["mean_test_auc"]
    with pytest.raises(ValueError, match="several metrics"):
        BudgetCurveDisplay.from_cv_results(multi)
    with pytest.raises(ValueError, match="was not scored"):
        BudgetCurveDisplay.from_cv_results(multi, metric="f1")
    display = BudgetCurveDisplay.from_cv_results(multi, metric="acc")
    assert display.ax_.get_ylabel() == "mean test acc"
    bad = _cv_results()
    bad["param_clf__param_budget"][1] = "big"
    with pytest.raises(ValueError, match="positive numbers"):
        BudgetCurveDisplay.from_cv_results(bad)


def test_displays_import_without_drawing():
    """The module itself does not import matplotlib (checked in a subprocess)."""
    import subprocess
    import sys

    code = (
        "import sys, sklearn_music.plotting; "
        "assert 'matplotlib' not in sys.modules; assert 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
