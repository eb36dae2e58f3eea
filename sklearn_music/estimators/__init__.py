"""Estimators: classifiers, taggers and regressors for clip-level features
and spectrograms.

This module does not import torch or skorch itself; the neural estimators
load them only when they are used.
"""

from ._gmm import GaussianMixtureClassifier

__all__ = ["GaussianMixtureClassifier"]
