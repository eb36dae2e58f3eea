"""Display objects that plot what a number cannot show.

Each display follows scikit-learn's ``*Display`` pattern (as
:class:`sklearn.metrics.RocCurveDisplay`): a class method computes what to
draw from an estimator, a transformer or predictions and plots it, the
instance holds the data, and :meth:`plot` draws again on any axes, setting
``ax_`` and ``figure_``.

- :class:`SpectrogramDisplay`: one clip's spectrogram, in seconds and Hz.
- :class:`TrainingCurveDisplay`: loss, scores and learning rate per epoch
  of a fitted neural estimator.
- :class:`TagCurveDisplay`: ROC or precision-recall curve of every tag.
- :class:`BudgetCurveDisplay`: test score against the parameter budget of a
  grid search.
- :class:`TaggramDisplay`: tag probabilities over time (tags x time), with
  the waveform or spectrogram above.

Matplotlib is imported only when something is drawn, so this module imports
without it.
"""

from ._budget import BudgetCurveDisplay
from ._spectrogram import SpectrogramDisplay
from ._taggram import TaggramDisplay
from ._tags import TagCurveDisplay
from ._training import TrainingCurveDisplay

__all__ = [
    "BudgetCurveDisplay",
    "SpectrogramDisplay",
    "TagCurveDisplay",
    "TaggramDisplay",
    "TrainingCurveDisplay",
]
