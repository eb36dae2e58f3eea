"""
Auto-tagging with a per-tag report
==================================

Music auto-tagging is multi-label: a clip can carry several tags at once
(here, the instruments playing in it). Give a neural estimator a list of tag
lists (or a 0/1 indicator matrix) and it trains one sigmoid output per tag;
``predict_proba`` returns ``(n_clips, n_tags)`` and ``classes_`` holds the tag
names.

Tagging papers report the ranking metrics ROC-AUC and PR-AUC per tag and
their macro average; :func:`~sklearn_music.metrics.tagging_report` prints
them next to precision, recall and F1 of the thresholded tags, and
:class:`~sklearn_music.plotting.TagCurveDisplay` draws the curves.
"""

import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from sklearn_music.datasets import make_music
from sklearn_music.estimators import CRNNClassifier
from sklearn_music.features import MelSpectrogram
from sklearn_music.metrics import tagging_report, tagging_roc_auc
from sklearn_music.plotting import TagCurveDisplay

X, Y, names = make_music(
    80, multilabel=True, n_tags=5, duration=2.0, sr=16000, random_state=2,
    return_names=True,
)  # fmt: skip
tags = [[str(names[j]) for j in row.nonzero()[0]] for row in Y]
print("tags of the first clips:", tags[:3])
X_train, X_test, tags_train, tags_test, Y_train, Y_test = train_test_split(
    X, tags, Y, test_size=0.3, random_state=0
)

# %%
# The same pipeline as for genres; the target decides that this is tagging.
tagger = Pipeline(
    [
        ("mel", MelSpectrogram(sr=16000, n_fft=512, hop_length=256, n_mels=40)),
        ("clf", CRNNClassifier(param_budget=3e4, max_epochs=10, lr=5e-3,
                               batch_size=16, random_state=0)),
    ]
)  # fmt: skip
tagger.fit(X_train, tags_train)
clf = tagger[-1]
print("tags learned:", [str(tag) for tag in clf.classes_])

# %%
# ``classes_`` is sorted, so reorder the test indicator matrix to match.
order = [list(names).index(tag) for tag in clf.classes_]
Y_test = Y_test[:, order]
scores = tagger.predict_proba(X_test)
print(tagging_report(Y_test, scores, tag_names=clf.classes_))
print(f"macro ROC-AUC: {tagging_roc_auc(Y_test, scores):.3f}")

# %%
# Precision-recall curves show how each tag trades misses for false alarms.
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
TagCurveDisplay.from_predictions(Y_test, scores, tag_names=clf.classes_,
                                 kind="roc", ax=axes[0])  # fmt: skip
TagCurveDisplay.from_predictions(Y_test, scores, tag_names=clf.classes_,
                                 kind="pr", ax=axes[1])  # fmt: skip
fig.tight_layout()
plt.show()
