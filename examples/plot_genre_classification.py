"""
Genre classification from audio files
=====================================

The everyday job: a folder of audio files sorted by genre, a mel front-end
and a convolutional-recurrent network (Choi et al. 2017), trained and
evaluated in one scikit-learn pipeline that takes *file paths*.

To run offline, the example first writes a small collection in the layout of
GTZAN (``genres/<genre>/<genre>.000NN.wav``) from
:func:`~sklearn_music.datasets.make_music`, with the generator's styles
standing in for four of GTZAN's genres and clips of different lengths. Point
:func:`~sklearn_music.datasets.load_gtzan` at your own copy instead and the
rest of the code is unchanged (use the shipped ``split="filtered"``).
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import soundfile as sf
from sklearn.metrics import ConfusionMatrixDisplay, classification_report
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from sklearn_music.datasets import load_gtzan, make_music
from sklearn_music.estimators import CRNNClassifier
from sklearn_music.features import MelSpectrogram

SR = 16000
GENRE_OF_STYLE = {"rock": "rock", "waltz": "classical", "techno": "disco",
                  "ballad": "pop"}  # fmt: skip

root = Path(tempfile.mkdtemp()) / "gtzan"
X, style, names = make_music(
    96, n_classes=4, duration=3.0, sr=SR, ragged=True, return_names=True,
    random_state=0,
)  # fmt: skip
counts = dict.fromkeys(names, 0)
for clip, s in zip(X, style, strict=True):
    genre = GENRE_OF_STYLE[s]
    folder = root / "genres" / genre
    folder.mkdir(parents=True, exist_ok=True)
    sf.write(folder / f"{genre}.{counts[s]:05d}.wav", clip, SR)
    counts[s] += 1

# %%
# Load the collection as a DataFrame of paths and labels, as with real GTZAN.
df = load_gtzan(root, split="all", on_missing="skip")
print(df.groupby("label").size().to_string(), "\n")
train, test = train_test_split(df, test_size=0.25, stratify=df["label"], random_state=0)

# %%
# One pipeline from files to genres. The front-end decodes and resamples the
# files lazily; the network trains on random 1.5 s crops and predicts by
# averaging over crops that cover each whole clip, whatever its length.
pipe = Pipeline([
    ("mel", MelSpectrogram(sr=SR, n_fft=512, hop_length=256, n_mels=48)),
    ("crnn", CRNNClassifier(param_budget=3e4, chunk_size=96, max_epochs=25,
                            lr=3e-3, batch_size=16, random_state=0)),
])  # fmt: skip
pipe.fit(train["path"], train["label"])
pred = pipe.predict(test["path"])
print(classification_report(test["label"], pred, zero_division=0))

# %%
# Where the errors are, and what the model says about one file.
fig, ax = plt.subplots(figsize=(4.5, 4))
ConfusionMatrixDisplay.from_predictions(test["label"], pred, ax=ax, colorbar=False)
ax.set_title(f"accuracy {np.mean(pred == test['label']):.2f} on held-out files")
fig.tight_layout()

one = test["path"].iloc[0]
proba = pipe.predict_proba([one])[0]
scores = {c: round(float(q), 2) for c, q in zip(pipe.classes_, proba, strict=True)}
print(Path(one).name, scores)
plt.show()
