"""
Watching a network learn: training curves, ROC curves and confusions
====================================================================

A small :class:`~sklearn_music.estimators.CRNNClassifier` learns four
generated music styles from mel spectrograms. Its test accuracy is one
number; the displays of :mod:`sklearn_music.plotting` show what lies behind
it: what the network hears, how the losses moved epoch by epoch and which
epoch's weights early stopping kept, how well each style is ranked, and
which styles it confuses.
"""

import matplotlib.pyplot as plt
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from sklearn_music.datasets import make_music
from sklearn_music.estimators import CRNNClassifier
from sklearn_music.features import MelSpectrogram
from sklearn_music.plotting import (
    SpectrogramDisplay,
    TagCurveDisplay,
    TrainingCurveDisplay,
)

X, y = make_music(64, n_classes=4, duration=1.5, sr=16000, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# What the network hears
# ----------------------
# The front-end turns every 1.5 s clip into 48 mel bands of 16 ms frames.
# The display keeps the bands evenly spaced, as the network sees them, and
# labels the axis in Hz at their centre frequencies: the mel scale spends
# most bands below 2 kHz.
mel = MelSpectrogram(sr=16000, n_fft=512, hop_length=256, n_mels=48)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained")
for ax, style in zip(axes, ["techno", "waltz"], strict=True):
    index = list(y_train).index(style)
    SpectrogramDisplay.from_transformer(
        mel, X_train, index=index, ax=ax, name=f"a '{style}' clip"
    )

# %%
# Training curves
# ---------------
# A fifth of the training clips is held out for validation. Early stopping
# watches the validation loss, stops after four epochs without improvement
# and restores the weights of the best epoch, marked by the dotted line.
# Scores logged each epoch, such as the validation accuracy, get a panel of
# their own, and so does the learning rate when the scheduler lowers it (it
# halves it when the validation loss stalls).
pipe = Pipeline(
    [
        ("mel", mel),
        (
            "clf",
            CRNNClassifier(
                param_budget=1e4,
                module__pool_sizes=((2, 2),) * 4,  # for inputs from 16 frames
                max_epochs=15,
                patience=4,
                lr=2e-2,
                batch_size=16,
                random_state=0,
            ),
        ),
    ]
)
pipe.fit(X_train, y_train)
print(f"test accuracy: {pipe.score(X_test, y_test):.2f}")
TrainingCurveDisplay.from_estimator(pipe)

# %%
# One ROC curve per style
# -----------------------
# Each style against the rest, ranked by its predicted probability: the
# curves show which styles are easy and which ones the network ranks poorly.
TagCurveDisplay.from_estimator(pipe, X_test, y_test)

# %%
# Confusions
# ----------
# The pipeline predicts style names, so scikit-learn's own display applies
# as it is.
ConfusionMatrixDisplay.from_estimator(pipe, X_test, y_test)

plt.show()
