"""
Grid search over parameter budgets
==================================

Choi et al. (2017) compared music-tagging networks at equal numbers of
trainable parameters, from 0.1M to 3M. ``param_budget`` makes that a
hyper-parameter like any other: every neural estimator scales its widths so
the model built for your data lands within 2 % of the budget, and
:class:`~sklearn.model_selection.GridSearchCV` searches it through a
pipeline, together with the front-end's parameters.

The front-end does not depend on the budget, so ``Pipeline(memory=...)``
computes each fold's spectrograms once and reuses them for every budget.
Budgets and clips are tiny here so the example runs in about a minute on a
laptop CPU; the same code with ``[1e5, 2.5e5, 5e5, 1e6, 3e6]`` and your data
reproduces the paper's comparison.
"""

import tempfile

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline

from sklearn_music.datasets import make_music
from sklearn_music.estimators import CRNNClassifier
from sklearn_music.features import MelSpectrogram
from sklearn_music.plotting import BudgetCurveDisplay

X, y = make_music(80, n_classes=4, duration=2.0, sr=16000, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# One pipeline from waveforms to labels; the grid names the CRNN's budget.
cache = tempfile.mkdtemp(prefix="sklearn-music-")
pipe = Pipeline(
    [
        ("mel", MelSpectrogram(sr=16000, n_fft=512, hop_length=256, n_mels=40)),
        # verbose=0: no epoch table for each of the search's seven fits
        ("clf", CRNNClassifier(max_epochs=6, lr=5e-3, batch_size=16,
                               random_state=0, verbose=0)),
    ],
    memory=cache,
)  # fmt: skip
search = GridSearchCV(pipe, {"clf__param_budget": [5e3, 2e4, 6e4]}, cv=2)
search.fit(X_train, y_train)

results = pd.DataFrame(search.cv_results_)
print(results[["param_clf__param_budget", "mean_test_score", "std_test_score",
               "mean_fit_time"]].to_string(index=False))  # fmt: skip
print("best:", search.best_params_)
print("trainable parameters:", search.best_estimator_[-1].n_params_)
print(f"held-out accuracy: {search.score(X_test, y_test):.2f} (chance 0.25)")

# %%
# The paper's view: score against budget, with the spread over folds.
fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
BudgetCurveDisplay.from_cv_results(search, ax=axes[0])
ConfusionMatrixDisplay.from_estimator(search, X_test, y_test, ax=axes[1],
                                      colorbar=False)  # fmt: skip
axes[1].set_title("best budget, held-out clips")
fig.tight_layout()
plt.show()
