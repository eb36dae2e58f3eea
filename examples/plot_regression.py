"""
Regression: tempo today, hit prediction with your own labels
============================================================

Every neural classifier has a regressor twin
(:class:`~sklearn_music.estimators.CRNNRegressor`,
:class:`~sklearn_music.estimators.Conv2DRegressor`, ...): the same network
and training recipe, with a real-valued target (one column or several)
instead of labels. Here the target is measurable and known exactly: the
tempo of generated clips (:func:`~sklearn_music.segments.make_tempo_music`).
Three approaches are compared on held-out clips:

* the regressor end to end, on log-mel spectrograms;
* the embedding of a frozen network trained for another task (here: music
  style), fed to a ridge regression (transfer learning);
* librosa's beat tracker (:func:`librosa.feature.tempo`), no learning.

This example is kept small to run in seconds; see
``benchmarks/bench_regression.py`` for the full comparison.

Hit prediction is the same code with another ``y``: put your own popularity
scores (streams, chart positions, ratings) where the tempo is, for example
``make_pipeline(MelSpectrogram(), CRNNRegressor()).fit(paths, popularity)``,
or fit ``RidgeCV`` on the embeddings of a tagger trained on a large tagged
collection. Whether audio predicts popularity at all is an open question:
judge it with a grouped cross-validation (by artist) against the training
mean, as the R^2 below does.
"""

import librosa
import matplotlib.pyplot as plt
import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import RidgeCV
from sklearn.metrics import mean_absolute_error, r2_score
from sklearn.pipeline import make_pipeline

from sklearn_music.estimators import Conv2DTagger, CRNNRegressor
from sklearn_music.features import MelSpectrogram
from sklearn_music.segments import make_tempo_music

SR = 8000
X, bpm, styles = make_tempo_music(48, duration=4.0, sr=SR, random_state=0)
train, test = np.arange(36), np.arange(36, 48)
mel = MelSpectrogram(sr=SR, n_fft=512, hop_length=128, n_mels=48)
S = mel.fit_transform(X)

# %%
# End to end: the CRNN regressor on the spectrograms.
net = CRNNRegressor(
    param_budget=1e5, chunk_size=S.shape[-1], max_epochs=6, lr=3e-3,
    train_split=None, random_state=0, verbose=0,
)  # fmt: skip
net.fit(S[train], bpm[train])
predictions = {"CRNNRegressor": net.predict(S[test])}

# %%
# Transfer: a tagger trained to tell the styles apart, frozen; its
# embedding is the input of a ridge regression of the tempo.
tagger = Conv2DTagger(param_budget=1e5, chunk_size=S.shape[-1], max_epochs=6,
                      train_split=None, random_state=0, verbose=0)  # fmt: skip
tagger.fit(S[train], styles[train])
transfer = make_pipeline(FrozenEstimator(tagger), RidgeCV(np.logspace(-2, 3, 12)))
transfer.fit(S[train], bpm[train])
predictions["style embedding + Ridge"] = transfer.predict(S[test])

# %%
# The beat tracker, without training.
predictions["librosa.feature.tempo"] = np.array(
    [librosa.feature.tempo(y=x, sr=SR)[0] for x in X[test]]
)
print(f"{'method':<26}{'MAE (BPM)':>10}{'R^2':>8}")
for name, pred in predictions.items():
    mae, r2 = mean_absolute_error(bpm[test], pred), r2_score(bpm[test], pred)
    print(f"{name:<26}{mae:>10.1f}{r2:>8.2f}")

# %%
# Predicted against true tempo. Points off the diagonal by a factor of two
# are octave errors, typical of beat trackers.
fig, ax = plt.subplots(figsize=(5, 5))
for name, pred in predictions.items():
    ax.scatter(bpm[test], pred, label=name, alpha=0.8)
ax.plot([60, 180], [60, 180], color="0.5", ls="--")
ax.set_xlabel("True tempo (BPM)")
ax.set_ylabel("Predicted tempo (BPM)")
ax.legend()
plt.show()

# %%
# The regressor also predicts over time, chunk by chunk.
over_time = net.predict_over_time(S[test][:1], frame_rate=SR / 128, hop=1.0)
print(over_time[0].to_frame().round(1).to_string(index=False))
