"""
Learning low-level features from spectrogram frames
===================================================

Two-stage systems learn their frame-level features from data and pool them
over each clip for a classifier (survey, section II.B). We compare, with the
same cross-validation:

- mel-band statistics (mean and standard deviation of each band), the
  feature-engineering baseline;
- the sparse-dictionary system of Nam et al. (2012),
  :func:`~sklearn_music.features.make_dictionary_pipeline`: a dictionary of
  4-frame log-mel patches learned without labels, soft-threshold codes, mean
  and max pooling, logistic regression;
- a supervised frame model: an MLP trained to predict the clip's genre from
  every frame, its per-frame probabilities pooled
  (:class:`~sklearn_music.features.FrameFeatureLearner`).

Finally we draw some learned dictionary atoms.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklearn_music.datasets import make_music
from sklearn_music.features import (
    FrameFeatureLearner,
    MelSpectrogram,
    make_dictionary_pipeline,
)

sr = 16000
X, y = make_music(80, n_classes=4, duration=2.0, sr=sr, noise=0.2, random_state=3)

# %%
# The front-end does not depend on anything we compare, so compute the
# spectrograms once and replace the pipelines' ``mel`` step by
# ``"passthrough"``.
mel = MelSpectrogram(sr=sr, n_fft=1024, n_mels=40)
S = mel.fit_transform(X)


def band_statistics(S):
    """Mean and standard deviation of each mel band over the clip."""
    return np.concatenate([np.nanmean(S, axis=2), np.nanstd(S, axis=2)], axis=1)


dictionary = make_dictionary_pipeline(n_atoms=64, mel=mel, random_state=0)
dictionary.set_params(mel="passthrough")
systems = {
    "mel-band statistics": make_pipeline(
        FunctionTransformer(band_statistics), StandardScaler(),
        LogisticRegression(max_iter=2000),
    ),
    "sparse dictionary (Nam 2012)": dictionary,
    "supervised frames (MLP)": make_pipeline(
        FrameFeatureLearner(
            MLPClassifier((32,), max_iter=40, random_state=0), context=4,
            stride=2, pooling=("mean", "max"), max_frames=40, random_state=0,
        ),
        StandardScaler(), LogisticRegression(max_iter=2000),
    ),
}  # fmt: skip
# a few MLP epochs are enough for frame features; silence its warning
warnings.filterwarnings("ignore", category=ConvergenceWarning)
cv = StratifiedKFold(4, shuffle=True, random_state=0)
print(f"{'system':32s} accuracy (4-fold)")
for name, system in systems.items():
    scores = cross_val_score(system, S, y, cv=cv)
    print(f"{name:32s} {scores.mean():.3f} +- {scores.std():.3f}")

# %%
# The styles of this synthetic data differ mostly in the spectral envelope,
# which band statistics summarise directly, so they are hard to beat here.
# Whether learned frame features pay off on real recordings is what the
# accuracy benchmark (``benchmarks/bench_accuracy.py``) measures, against
# MFCC statistics and the networks.

# %%
# The dictionary atoms live in the whitened PCA space; map them back to
# spectrogram patches (40 bands x 4 frames) through the PCA and the scaler.
dictionary.fit(S, y)
frame_model = dictionary.named_steps["frames"].estimator_
scaler, pca, atoms = frame_model[0], frame_model[1], frame_model[2]
whitened = atoms.components_ * np.sqrt(pca.explained_variance_)
patches = (whitened @ pca.components_) * scaler.scale_
patches = patches.reshape(len(patches), 4, 40).transpose(0, 2, 1)  # bands x frames
fig, axes = plt.subplots(2, 8, figsize=(10, 4))
for ax, patch in zip(axes.ravel(), patches, strict=False):
    peak = np.abs(patch).max()
    ax.imshow(patch, origin="lower", aspect="auto", cmap="RdBu_r",
              vmin=-peak, vmax=peak)  # fmt: skip
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("Dictionary atoms: 40 mel bands x 4 frames")
plt.show()
