"""
Looking inside a 1-D CNN: kernels, tags, saliency and sound
===========================================================

The first layer of the 1-D CNN of Dieleman & Schrauwen (2014) scans the whole
mel spectrum: each kernel is a small spectrogram patch. Following Nam et al.
(2019) we draw the kernels, rank for each the genres whose clips activate it
most, map which time-frequency regions of a clip a prediction rests on, and
turn that region back into audio to hear it (Choi et al. 2015).

Everything runs on synthetic music in four styles
(:func:`~sklearn_music.datasets.make_music`), so the example is fast and
offline; on real data the same calls apply to any spectrogram model of the
package.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import make_pipeline

from sklearn_music.datasets import make_music
from sklearn_music.estimators import DielemanClassifier
from sklearn_music.features import MelSpectrogram
from sklearn_music.inspection import (
    AuralisationDisplay,
    KernelDisplay,
    KernelTagDisplay,
    SaliencyDisplay,
    kernel_activation_map,
    kernel_tag_ranking,
)

sr = 16000
X, y = make_music(64, n_classes=4, duration=2.0, sr=sr, random_state=0)
mel = MelSpectrogram(sr=sr, n_fft=1024, n_mels=48)
net = DielemanClassifier(
    module__conv_widths=(16, 16), module__fc_widths=(32,), max_epochs=12,
    lr=3e-3, batch_size=16, train_split=None, verbose=0, random_state=0,
)  # fmt: skip
pipe = make_pipeline(mel, net).fit(X, y)
print("training accuracy:", pipe.score(X, y))

# %%
# Which genres activate each kernel? ``KernelTagDisplay`` shows the mean
# standardised response of every kernel over the clips of every genre, the
# best genre of each kernel marked; its ``ranking_`` is the table.
tags = KernelTagDisplay.from_estimator(pipe, X, y, n_top=2)
ranking = tags.ranking_
print(ranking.head(6).to_string(index=False))

# %%
# The kernels themselves, frequency (48 mel bands) by time (8 frames), titled
# with their top genres.
KernelDisplay.from_estimator(pipe, kernels=8, ranking=ranking, n_cols=4)

# %%
# Saliency: which parts of one clip make the network say its genre? Occlusion
# hides patches of 6 bands x 8 frames and measures how much the genre's
# log-odds drop.
index = 0
saliency = SaliencyDisplay.from_estimator(
    pipe, X, target=y[index], index=index, method="occlusion", patch_size=(6, 8)
)

# %%
# Auralisation: keep only the salient part of the clip's mel spectrogram and
# invert it to audio. Listen in a notebook with
# ``IPython.display.Audio(heard.audio, rate=heard.sr)``.
S = mel.transform(X[index : index + 1])
heard = AuralisationDisplay.from_spectrogram(
    S, mel, weights=saliency.saliency, random_state=0
)
spectrum = np.abs(np.fft.rfft(heard.audio))
peak = np.fft.rfftfreq(heard.audio.size, 1 / sr)[np.argmax(spectrum)]
print(f"{y[index]}: the salient part is loudest at {peak:.0f} Hz")

# %%
# And what the genre's best kernel responds to in the same clip.
kernel = int(ranking.loc[ranking["tag"] == y[index], "kernel"].iloc[0])
weights = kernel_activation_map(pipe, X, kernel=kernel, index=index)
AuralisationDisplay.from_spectrogram(S, mel, weights=weights, random_state=0)
best = kernel_tag_ranking(tags.scores, n_top=1)
print(
    "kernels whose best genre is",
    y[index],
    ":",
    list(best.loc[best["tag"] == y[index], "kernel"]),
)
plt.show()
