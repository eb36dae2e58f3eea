"""
Tags over time: a taggram
=========================

A tagger's ``predict_proba`` averages the chunks of each clip into one row.
``predict_proba_over_time`` keeps the chunks apart: one row of tag
probabilities per chunk, with its start and end time, for every clip.
:func:`~sklearn_music.segments.predict_over_time` does the same for a whole
pipeline on audio files of any length (decoded and transformed in windows),
and :class:`~sklearn_music.plotting.TaggramDisplay` draws the result as a
tags x time heat map, the "taggram".

The tagger here learns which instruments play in short generated clips; the
recording to tag is three different clips one after the other, so its tags
change over time.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import make_pipeline

from sklearn_music.datasets import make_music
from sklearn_music.estimators import Conv2DTagger
from sklearn_music.features import MelSpectrogram
from sklearn_music.plotting import TaggramDisplay
from sklearn_music.segments import predict_over_time

SR = 8000
X, Y, names = make_music(
    60, multilabel=True, n_tags=5, duration=2.0, sr=SR, random_state=0,
    return_names=True,
)  # fmt: skip
tagger = make_pipeline(
    MelSpectrogram(sr=SR, n_fft=512, hop_length=128, n_mels=48),
    Conv2DTagger(param_budget=1e5, chunk_size=62, max_epochs=8, random_state=0,
                 verbose=0),
)  # fmt: skip
tags = [[str(names[j]) for j in row.nonzero()[0]] for row in Y]
tagger.fit(X, tags)  # tag lists: the columns are named after the tags

# %%
# A 12-second recording: three new clips, each with its own instruments.
parts, truth = make_music(
    3, multilabel=True, n_tags=5, duration=4.0, sr=SR, random_state=7
)
recording = np.concatenate(list(parts))
for i, row in enumerate(truth):
    print(f"{4 * i:2d}-{4 * i + 4:2d} s:", ", ".join(names[row == 1]))

# %%
# The probabilities per chunk as a tidy table: one row per chunk.
table = predict_over_time(tagger, [recording], hop=1.0, as_frame=True)
print(table.round(2).head(6).to_string(index=False))

# %%
# The taggram, with the spectrogram above it.
display = TaggramDisplay.from_estimator(
    tagger, [recording], hop=0.5, audio="spectrogram", name="taggram"
)
for boundary in (4, 8):
    display.ax_.axvline(boundary, color="white", ls="--")
plt.show()
