"""Checkpoints: an interrupted fit resumes to the weights of an uninterrupted one."""

import os
import shutil

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import Callback

from sklearn_music.datasets import make_music
from sklearn_music.estimators import CRNNClassifier
from sklearn_music.estimators._checkpoint import read_checkpoint
from sklearn_music.features import MelSpectrogram

# A CRNN that accepts 16 frames and 16 bands; 1 s clips of 63 frames.
SMALL = dict(
    param_budget=1e4,
    module__pool_sizes=((2, 2),) * 4,
    batch_size=8,
    lr=0.02,
    max_epochs=4,
    random_state=0,
)
# Everything that carries state or randomness from one epoch to the next:
# cosine LR schedule, early-stopping counters, mixup, SpecAugment, dropout.
RICH = dict(
    SMALL,
    lr_schedule="cosine",
    patience=3,
    mixup_alpha=0.4,
    spec_augment=True,
    module__dropout=0.3,
)


@pytest.fixture(scope="module")
def data():
    X, y = make_music(20, n_classes=3, duration=1.0, sr=16000, random_state=0)
    mel = MelSpectrogram(sr=16000, n_fft=512, hop_length=256, n_mels=16)
    return mel.fit_transform(X), y


@pytest.fixture(scope="module")
def uninterrupted(data):
    S, y = data
    return {
        name: CRNNClassifier(**params).fit(S, y)
        for name, params in (("plateau", SMALL), ("rich", RICH))
    }


class Interrupt(Callback):
    """Stop training in epoch ``epoch``: at its end (after the checkpoint),
    in the middle of it, or by Ctrl-C (which skorch catches)."""

    def __init__(self, epoch=3, how="epoch_end"):
        self.epoch = epoch
        self.how = how

    def on_epoch_end(self, net, **kwargs):
        if self.how == "epoch_end" and len(net.history) == self.epoch:
            raise RuntimeError("interrupted")

    def on_batch_end(self, net, training=None, **kwargs):
        if self.how != "epoch_end" and len(net.history) == self.epoch and training:
            raise KeyboardInterrupt if self.how == "ctrl_c" else RuntimeError("mid")


class CountEpochs(Callback):
    def initialize(self):
        self.epochs_ = 0
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.epochs_ += 1


def assert_same_weights(a, b):
    sa, sb = a.module_.state_dict(), b.module_.state_dict()
    assert sa.keys() == sb.keys()
    for key in sa:
        assert torch.equal(sa[key], sb[key]), key


def only_subdir(root):
    (sub,) = [p for p in root.iterdir() if p.is_dir()]
    return sub


@pytest.mark.parametrize(
    "settings, how",
    [
        ("plateau", "epoch_end"),
        ("rich", "epoch_end"),
        ("rich", "mid_epoch"),
        ("rich", "ctrl_c"),
    ],
)
def test_interrupted_fit_resumes_to_same_weights(
    settings, how, data, uninterrupted, tmp_path
):
    S, y = data
    params = SMALL if settings == "plateau" else RICH
    first = CRNNClassifier(
        checkpoint_dir=tmp_path, callbacks=[Interrupt(3, how)], **params
    )
    if how == "ctrl_c":
        first.fit(S, y)  # skorch stops training and returns
    else:
        with pytest.raises(RuntimeError):
            first.fit(S, y)
    saved = read_checkpoint(only_subdir(tmp_path))
    assert not saved["finished"]
    assert saved["epochs"] == (3 if how == "epoch_end" else 2)

    counter = CountEpochs()
    resumed = CRNNClassifier(checkpoint_dir=tmp_path, callbacks=[counter], **params)
    resumed.fit(S, y)
    reference = uninterrupted[settings]
    assert counter.epochs_ == len(reference.history_) - saved["epochs"]
    assert_same_weights(resumed, reference)
    np.testing.assert_array_equal(resumed.predict_proba(S), reference.predict_proba(S))
    keys = ["train_loss", "valid_loss", "valid_acc", "valid_loss_best"]
    assert resumed.history_[:, keys] == reference.history_[:, keys]
    assert read_checkpoint(resumed.checkpoint_dir_)["finished"]


def test_finished_checkpoint_is_restored_without_training(data, tmp_path):
    S, y = data
    params = dict(SMALL, max_epochs=2)
    first = CRNNClassifier(checkpoint_dir=tmp_path, **params).fit(S, y)
    path = os.path.join(first.checkpoint_dir_, "checkpoint.pt")
    written = os.stat(path).st_mtime_ns

    counter = CountEpochs()
    again = CRNNClassifier(checkpoint_dir=tmp_path, callbacks=[counter], **params)
    again.fit(S, y)
    assert counter.epochs_ == 0
    assert os.stat(path).st_mtime_ns == written  # not rewritten
    assert again.checkpoint_dir_ == first.checkpoint_dir_
    assert_same_weights(again, first)
    assert len(again.history_) == 2
    # partial_fit continues in memory and leaves the checkpoint alone
    again.partial_fit(S, y)
    assert len(again.history_) == 4  # max_epochs more
    assert os.stat(path).st_mtime_ns == written


def test_checkpoint_directory_is_per_data_and_parameters(data, tmp_path):
    S, y = data
    params = dict(SMALL, max_epochs=1)

    def directory(**changes):
        X, target = changes.pop("X", S), changes.pop("y", y)
        est = CRNNClassifier(checkpoint_dir=tmp_path, **{**params, **changes})
        return est.fit(X, target).checkpoint_dir_

    base = directory()
    assert os.path.dirname(base) == os.fspath(tmp_path)
    assert os.path.basename(base).startswith("CRNNClassifier-")
    assert directory(verbose=1, device="cpu") == base  # how, not what
    others = {
        directory(lr=0.01),
        directory(random_state=1),
        directory(X=S[:16], y=y[:16]),
        directory(y=np.roll(y, 1)),
        directory(X=S + 1e-3),
    }
    assert base not in others and len(others) == 5


def test_grid_search_folds_write_their_own_checkpoints(data, tmp_path):
    S, y = data
    est = CRNNClassifier(checkpoint_dir=tmp_path, **dict(SMALL, max_epochs=2))
    grid = {"lr": [0.01, 0.02]}
    search = GridSearchCV(est, grid, cv=2, n_jobs=2).fit(S, y)
    directories = sorted(p for p in tmp_path.iterdir() if p.is_dir())
    assert len(directories) == 2 * 2 + 1  # candidates x folds + refit
    files = [d / "checkpoint.pt" for d in directories]
    assert all(read_checkpoint(d)["finished"] for d in directories)
    stamps = [f.stat().st_mtime_ns for f in files]

    # every fit resumes from (here: restores) its own checkpoint
    again = GridSearchCV(clone(est), grid, cv=2, n_jobs=2).fit(S, y)
    np.testing.assert_array_equal(
        again.cv_results_["mean_test_score"], search.cv_results_["mean_test_score"]
    )
    assert [f.stat().st_mtime_ns for f in files] == stamps
    assert_same_weights(again.best_estimator_, search.best_estimator_)


def test_bad_checkpoint_settings(data, tmp_path):
    S, y = data
    with pytest.raises(ValueError, match=r"'checkpoint_dir' .* Got 3 instead"):
        CRNNClassifier(checkpoint_dir=3, **SMALL).fit(S, y)
    with pytest.raises(ValueError, match="callbacks='disable'"):
        CRNNClassifier(checkpoint_dir=tmp_path, callbacks="disable").fit(S, y)
    est = CRNNClassifier(checkpoint_dir=tmp_path, **dict(SMALL, max_epochs=1))
    directory = est.fit(S, y).checkpoint_dir_
    torch.save({"something": "else"}, os.path.join(directory, "checkpoint.pt"))
    with pytest.raises(ValueError, match="not a sklearn-music training checkpoint"):
        clone(est).fit(S, y)
    with open(os.path.join(directory, "checkpoint.pt"), "wb") as f:
        f.write(b"truncated")
    with pytest.raises(ValueError, match="not a sklearn-music training checkpoint"):
        clone(est).fit(S, y)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_run_resumes_on_cuda_or_cpu(data, tmp_path):
    S, y = data
    params = dict(RICH, device="cuda", checkpoint_dir=tmp_path)
    with pytest.raises(RuntimeError):
        CRNNClassifier(callbacks=[Interrupt(2)], **params).fit(S, y)
    run = only_subdir(tmp_path)
    assert read_checkpoint(run)["rng"]["cuda"] is not None
    cpu_dir = tmp_path / "cpu"
    shutil.copytree(run, cpu_dir / run.name)
    on_cuda = CRNNClassifier(**params).fit(S, y)
    on_cpu = CRNNClassifier(**dict(params, device="cpu", checkpoint_dir=cpu_dir))
    on_cpu.fit(S, y)  # the device is not part of the fingerprint
    for est in (on_cuda, on_cpu):
        assert len(est.history_) == len(est.history_[:, "train_loss"])
        assert read_checkpoint(est.checkpoint_dir_)["finished"]
        assert np.isfinite(est.predict_proba(S)).all()
    np.testing.assert_allclose(
        on_cuda.history_[:2, "train_loss"], on_cpu.history_[:2, "train_loss"]
    )
