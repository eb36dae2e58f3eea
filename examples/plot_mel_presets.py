"""
Mel spectrogram front-ends of the reference papers
==================================================

The same clip through :class:`~sklearn_music.features.MelSpectrogram` with
librosa's defaults and with the four presets that reproduce the front-ends of
reference implementations. Every preset resamples the audio to its own rate,
uses its own FFT size, hop, mel scale and log stage, so the pictures differ
in resolution and in dynamic range: exactly the silent differences that make
a model trained on one front-end fail on another.

The second part shows how clips of different lengths travel: each clip keeps
its own frames and the frames after its end are NaN, which
:func:`~sklearn_music.features.frame_lengths` turns back into lengths.
"""

import matplotlib.pyplot as plt
import numpy as np

from sklearn_music.datasets import make_music
from sklearn_music.features import MelSpectrogram, frame_lengths

X, y = make_music(4, n_classes=4, duration=4.0, random_state=0)
clip = X[:1]  # one 4 s clip at 22,050 Hz, shape (1, n_samples)

# %%
# One clip, five front-ends
# -------------------------
# Array input is taken to be at the transformer's ``sr``; to feed the presets,
# which expect 12-32 kHz audio, we resample once with librosa. (File paths are
# resampled automatically.)
import librosa  # noqa: E402

settings = [None, "choi2017", "won2020", "musicnn", "panns"]
fig, axes = plt.subplots(len(settings), 1, figsize=(8, 11), constrained_layout=True)
for ax, preset in zip(axes, settings, strict=True):
    mel = MelSpectrogram(preset=preset)
    sr = mel.resolved_params()["sr"]
    audio = librosa.resample(clip, orig_sr=22050, target_sr=sr)
    S = mel.fit_transform(audio)[0]
    image = ax.imshow(S, origin="lower", aspect="auto", cmap="magma")
    p = mel.resolved_params()
    ax.set_title(
        f"{preset or 'librosa defaults'}: {p['sr']} Hz, n_fft {p['n_fft']}, "
        f"hop {p['hop_length']}, {p['n_mels']} mels, log={p['log']}",
        fontsize=9,
    )
    ax.set_ylabel("mel band")
    fig.colorbar(image, ax=ax)
axes[-1].set_xlabel("frame")
fig.suptitle(f"A generated '{y[0]}' clip through five front-ends")

# %%
# Ragged clips: lengths travel as NaN padding
# -------------------------------------------
clips = [X[1], X[2][: 2 * 22050], X[3][: 22050 // 2]]
S = MelSpectrogram(n_mels=64).fit_transform(clips)
print("batch shape:", S.shape)
print("valid frames per clip:", frame_lengths(S))
print("padding frames are NaN:", bool(np.isnan(S[2, :, frame_lengths(S)[2] :]).all()))

plt.show()
