"""
The Tzanetakis & Cook genre classifier
======================================

Tzanetakis and Cook (2002) classified musical genre from a 30-dimensional
vector of timbral, rhythmic and pitch features with Gaussian mixture models
and k-nearest neighbours. Here the whole system is three scikit-learn
estimators:

``make_pipeline(HandcraftedFeatures(), StandardScaler(), GaussianMixtureClassifier())``

and we compare it, under the same cross-validation, with kNN on the same
features and with a mel-spectrogram statistics baseline.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklearn_music.datasets import make_music
from sklearn_music.estimators import GaussianMixtureClassifier
from sklearn_music.features import HandcraftedFeatures, MelSpectrogram

X, y = make_music(96, n_classes=4, duration=3.0, random_state=1)

# %%
# Compute the features once; the classifiers are cheap.
features = HandcraftedFeatures(n_jobs=-1)
F = features.fit_transform(X)
print(F.shape, "features, e.g.", list(features.get_feature_names_out()[:4]))


def band_statistics(S):
    """Mean and std of each mel band over the valid (non-NaN) frames."""
    return np.concatenate([np.nanmean(S, axis=2), np.nanstd(S, axis=2)], axis=1)


models = {
    "GMM (Tzanetakis)": make_pipeline(
        StandardScaler(), GaussianMixtureClassifier(n_components=2, random_state=0)
    ),
    "5-NN (Tzanetakis)": make_pipeline(StandardScaler(), KNeighborsClassifier(5)),
}
cv = StratifiedKFold(4, shuffle=True, random_state=0)
predictions = {name: cross_val_predict(m, F, y, cv=cv) for name, m in models.items()}
mel_stats = make_pipeline(
    MelSpectrogram(n_mels=64),
    FunctionTransformer(band_statistics),
    StandardScaler(),
    LogisticRegression(max_iter=2000),
)
predictions["mel statistics + logistic"] = cross_val_predict(mel_stats, X, y, cv=cv)

for name, pred in predictions.items():
    print(f"{name:28s} accuracy {np.mean(pred == y):.3f}")

# %%
# Where does the Gaussian mixture system go wrong?
ConfusionMatrixDisplay.from_predictions(y, predictions["GMM (Tzanetakis)"])
plt.title("Tzanetakis features + GMM, 4-fold cross-validation")
plt.show()
