"""Transfer learning: a fitted network's embeddings feed other estimators."""

import numpy as np
import torch
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline

from sklearn_music.datasets import make_music
from sklearn_music.estimators import CRNNClassifier
from sklearn_music.features import MelSpectrogram

MEL = dict(sr=16000, n_fft=512, hop_length=256, n_mels=40)


def _weights(net):
    return {k: v.clone() for k, v in net[-1].module_.state_dict().items()}


def test_frozen_network_is_a_feature_extractor_for_a_new_task():
    X, y = make_music(32, n_classes=4, duration=2.0, sr=16000, random_state=0)
    crnn = CRNNClassifier(param_budget=2e4, max_epochs=6, lr=5e-3, batch_size=16,
                          random_state=0)  # fmt: skip
    net = Pipeline([("mel", MelSpectrogram(**MEL)), ("crnn", crnn)]).fit(X, y)
    before = _weights(net)
    history_length = len(net[-1].history_)

    # a different task: six styles drawn anew, one of them never seen
    X2, y2 = make_music(48, n_classes=6, duration=2.0, sr=16000, random_state=3)
    transfer = make_pipeline(FrozenEstimator(net), LogisticRegression(max_iter=2000))
    scores = cross_val_score(transfer, X2, y2, cv=3)
    transfer.fit(X2, y2)
    assert scores.mean() > 2 / 6, scores  # chance is 1/6

    # the network was not trained further, by fit or by cross-validation
    after = _weights(net)
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert len(net[-1].history_) == history_length
    # the logistic regression sees the embedding of each whole clip
    coef = transfer[-1].coef_
    assert coef.shape == (6, net[-1].module_.embedding_dim)
    np.testing.assert_allclose(
        transfer[:-1].transform(X2[:3]), net.transform(X2[:3]), rtol=1e-6
    )
