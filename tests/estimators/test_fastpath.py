"""The training data path (estimators/_fastpath.py): no per-batch host-device
synchronisation, crops cut on the device, pinned CUDA batches."""

import os
import sys

import numpy as np
import pytest
import torch

from sklearn_music.estimators import CRNNClassifier
from sklearn_music.estimators._data import ChunkDataset
from sklearn_music.estimators._fastpath import DeviceCropLoader

TINY = dict(
    module__pool_sizes=((2, 2),) * 4,
    module__conv_widths=(4, 4, 4, 4),
    module__gru_widths=(4,),
    max_epochs=2,
    verbose=0,
    random_state=0,
)
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def _data(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 16, 24)).astype(np.float32), np.arange(n) % 2


class _SyncCounter:
    """Counts the tensor methods that wait for the device (on CUDA), called
    from outside torch: torch's own calls here read host-side counters (the
    optimizer's step, the sampler's indices) that live on the CPU on CUDA too.
    """

    names = ("item", "cpu", "tolist", "__float__", "__bool__", "numpy")

    def __init__(self, monkeypatch):
        self.calls = 0
        for name in self.names:
            original = getattr(torch.Tensor, name)
            monkeypatch.setattr(torch.Tensor, name, self._wrap(original))

    def _wrap(self, original):
        def counted(tensor, *args, **kwargs):
            caller = sys._getframe(1).f_code.co_filename
            if f"{os.sep}torch{os.sep}" not in caller:
                self.calls += 1
            return original(tensor, *args, **kwargs)

        return counted


@pytest.mark.parametrize("device_crops", [False, True])
def test_a_training_epoch_has_no_per_batch_synchronisation(monkeypatch, device_crops):
    """Synchronising calls per fit do not grow with the number of batches."""
    calls, n_batches = [], []
    for n_clips in (4, 16):
        X, y = _data(n_clips)
        est = CRNNClassifier(batch_size=4, train_split=None, chunk_size=16, **TINY)
        est._device_crops = device_crops
        counter = _SyncCounter(monkeypatch)
        est.fit(X, y)
        monkeypatch.undo()
        calls.append(counter.calls)
        batches = est.history_[-1, "batches"]
        n_batches.append(len(batches))
        # the per-batch losses still reach the history, as skorch records them
        losses = [b["train_loss"] for b in batches]
        assert all(isinstance(v, float) and np.isfinite(v) for v in losses)
        assert est.history_[-1, "train_loss"] == pytest.approx(np.mean(losses))
    assert n_batches[1] >= 4 * n_batches[0] >= 4
    assert calls[1] == calls[0]


def test_skorch_loop_would_have_synchronised_every_batch(monkeypatch):
    """The counter does see skorch's own loop: per-batch ``loss.item()``."""
    from skorch import NeuralNet

    from sklearn_music.estimators._fastpath import FastTrainingMixin

    calls, n_batches = [], []
    for n_clips in (4, 16):
        X, y = _data(n_clips)
        est = CRNNClassifier(batch_size=4, train_split=None, chunk_size=16, **TINY)
        monkeypatch.setattr(
            FastTrainingMixin, "run_single_epoch", NeuralNet.run_single_epoch
        )
        counter = _SyncCounter(monkeypatch)
        est.fit(X, y)
        monkeypatch.undo()
        calls.append(counter.calls)
        n_batches.append(len(est.history_[-1, "batches"]))
    # one .item() per batch and epoch
    assert calls[1] - calls[0] == 2 * (n_batches[1] - n_batches[0]) > 0


def test_validation_losses_and_scores_are_recorded():
    X, y = _data(20)
    est = CRNNClassifier(batch_size=4, chunk_size=16, **TINY).fit(X, y)
    last = est.history_[-1]
    assert np.isfinite(last["valid_loss"]) and 0 <= last["valid_acc"] <= 1
    valid = [b for b in last["batches"] if "valid_loss" in b]
    assert valid and all(isinstance(b["valid_loss"], float) for b in valid)
    sizes = [b["valid_batch_size"] for b in valid]
    mean = np.average([b["valid_loss"] for b in valid], weights=sizes)
    assert last["valid_loss"] == pytest.approx(mean)


def test_device_crops_are_crops_of_the_right_clips():
    rng = np.random.default_rng(0)
    clips = [rng.normal(size=(3, n)).astype(np.float32) for n in (10, 7, 12, 9, 8)]
    y = np.arange(5)
    dataset = ChunkDataset(clips, y, chunk=5, random=True, seed=0)
    loader = DeviceCropLoader(dataset, 2, "cpu")
    assert len(loader) == 3
    for _ in range(2):  # two epochs: each clip once per epoch
        seen = []
        for xb, yb in loader:
            assert xb.shape[1:] == (3, 5) and xb.is_contiguous()
            for x, label in zip(xb.numpy(), yb.numpy(), strict=True):
                clip = clips[label]
                windows = np.lib.stride_tricks.sliding_window_view(clip, 5, axis=1)
                assert any(
                    np.array_equal(x, windows[:, s]) for s in range(len(windows[0]))
                )
                seen.append(int(label))
        assert sorted(seen) == list(range(5))


def test_device_crops_follow_a_clip_index():
    """Datasets whose items are several crops per clip (``clip_index``)."""
    clips = [np.full((2, 6), float(i), np.float32) for i in range(3)]
    dataset = ChunkDataset(clips, np.arange(3), chunk=4, random=True, seed=1)
    dataset.clip_index = np.array([0, 1, 2, 0, 1, 2])
    labels = [int(v) for _, yb in DeviceCropLoader(dataset, 4, "cpu") for v in yb]
    assert sorted(labels) == [0, 0, 1, 1, 2, 2]
    for xb, yb in DeviceCropLoader(dataset, 4, "cpu"):
        assert (xb == yb[:, None, None].float()).all()


def test_device_crops_train_and_are_reproducible():
    X, y = _data(12)
    fits = []
    for _ in range(2):
        est = CRNNClassifier(batch_size=4, chunk_size=16, **TINY)
        est._device_crops = True
        fits.append(est.fit(X, y))
    assert fits[0].history_[-1, "train_loss"] == fits[1].history_[-1, "train_loss"]
    np.testing.assert_array_equal(fits[0].predict_proba(X), fits[1].predict_proba(X))


def test_device_crops_are_not_used_where_they_do_not_apply():
    X, y = _data(8)
    est = CRNNClassifier(batch_size=4, chunk_size=16, **TINY).fit(X, y)
    dataset = ChunkDataset(list(X), y, chunk=16, random=True)
    assert not isinstance(est.get_iterator(dataset, training=True), DeviceCropLoader)
    est._device_crops = True
    assert isinstance(est.get_iterator(dataset, training=True), DeviceCropLoader)
    # augmentation runs on the host, workers need the DataLoader
    augmented = ChunkDataset(list(X), y, chunk=16, random=True, augment=lambda x, r: x)
    assert not isinstance(est.get_iterator(augmented, True), DeviceCropLoader)
    assert not est._uses_device_crops(dataset, {"batch_size": 4, "num_workers": 2})


@cuda
@pytest.mark.gpu
def test_cuda_training_epoch_does_not_synchronise_per_batch():
    """CUDA's own sync detector: warnings per fit do not grow with batches."""
    import warnings

    counts = []
    for n_clips in (16, 64):
        X, y = _data(n_clips)
        est = CRNNClassifier(
            batch_size=8, train_split=None, chunk_size=16, device="cuda", **TINY
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            torch.cuda.set_sync_debug_mode("warn")
            try:
                est.fit(X, y)
            finally:
                torch.cuda.set_sync_debug_mode(0)
        counts.append(sum("synchroniz" in str(w.message) for w in caught))
    assert counts[1] == counts[0], counts


@cuda
@pytest.mark.gpu
def test_cuda_batches_are_pinned_and_crops_cut_on_the_device():
    X, y = _data(8)
    est = CRNNClassifier(batch_size=4, chunk_size=16, device="cuda", **TINY).fit(X, y)
    train = ChunkDataset(list(X), y, chunk=16, random=True)
    assert isinstance(est.get_iterator(train, training=True), DeviceCropLoader)
    valid = est.get_iterator(ChunkDataset(list(X), y, chunk=16, random=False))
    assert valid.pin_memory
    assert torch.backends.cudnn.benchmark is False  # restored after fit


def test_prediction_has_no_per_batch_synchronisation(monkeypatch):
    X, y = _data(16)
    est = CRNNClassifier(batch_size=4, train_split=None, chunk_size=16, **TINY)
    est.fit(X, y)
    calls, outputs = [], []
    for n_clips in (4, 16):  # 1 and 4 batches of chunks (or more)
        counter = _SyncCounter(monkeypatch)
        outputs.append(est.predict_proba(X[:n_clips]))
        monkeypatch.undo()
        calls.append(counter.calls)
    assert calls[0] == calls[1]
    np.testing.assert_allclose(outputs[1][:4], outputs[0], atol=1e-6)
    np.testing.assert_allclose(outputs[1].sum(axis=1), 1.0, atol=1e-6)
