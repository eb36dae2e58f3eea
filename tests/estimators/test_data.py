"""Training crops: random per clip, per epoch and per DataLoader worker."""

import numpy as np
import torch

from sklearn_music.estimators._data import ChunkDataset


def _starts(dataset, *, num_workers, epochs=2, seed=0):
    """Crop start of every item, per epoch, through a DataLoader."""
    torch.manual_seed(seed)
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=4, num_workers=num_workers, shuffle=False
    )
    return [np.concatenate([x[:, 0].numpy() for x, _ in loader]) for _ in range(epochs)]


def _dataset():
    clips = [np.arange(1000, dtype=np.float32)] * 16  # a crop starts at x[0]
    return ChunkDataset(clips, np.zeros(16, np.int64), chunk=10, random=True, seed=3)


def test_crops_differ_between_epochs_and_workers():
    for num_workers in (0, 2):
        first, second = _starts(_dataset(), num_workers=num_workers)
        assert not np.array_equal(first, second), num_workers
        # batches 0 and 1 go to different workers: their crops must differ
        assert not np.array_equal(first[:4], first[4:8]), num_workers


def test_worker_crops_are_reproducible():
    a = _starts(_dataset(), num_workers=2, seed=1)
    b = _starts(_dataset(), num_workers=2, seed=1)
    np.testing.assert_array_equal(np.stack(a), np.stack(b))
