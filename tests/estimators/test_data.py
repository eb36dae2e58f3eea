"""Training crops: random per clip, per epoch and per DataLoader worker."""

import numpy as np
import torch

from sklearn_music.estimators._data import (
    ChunkDataset,
    average_over_chunks,
    chunk_plan,
    split_train_valid,
)


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


def test_average_over_chunks_is_the_mean_over_each_clips_chunks():
    lengths = np.array([5, 23, 40])
    clips = [np.arange(n, dtype=np.float32) for n in lengths]
    calls = []

    def forward(x):  # each chunk's mean and first value
        calls.append(x.shape)
        return torch.stack([x.mean(dim=-1), x[:, 0]], dim=1)

    out = average_over_chunks(
        clips, lengths, forward, chunk=10, max_chunks=3, batch_size=2, device="cpu"
    )
    expected = np.zeros((3, 2))
    plan = chunk_plan(lengths, 10, 3)
    for i in range(3):
        parts = [clips[i][s : s + n] for j, s, n in plan if j == i]
        expected[i] = np.mean([[p.mean(), p[0]] for p in parts], axis=0)
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert all(b <= 2 for b, _ in calls)  # batches of at most batch_size chunks
    assert {n for _, n in calls} == {5, 10}  # equal-length chunks batch together


def test_split_train_valid_stratifies_single_label_targets():
    y = np.repeat([0, 1], 10)
    dataset = ChunkDataset([np.zeros(20, np.float32)] * 20, y, chunk=5, random=True)
    train, valid = split_train_valid(dataset, 0.2, n_classes=2)
    assert len(train) == 16 and len(valid) == 4
    assert train.random and not valid.random
    np.testing.assert_array_equal(np.bincount(valid.y), [2, 2])
    assert split_train_valid(dataset, 0.01)[1] is not None  # ceil: one clip
    one = ChunkDataset([np.zeros(5)], y[:1], chunk=5, random=True)
    whole, none = split_train_valid(one, 0.5)
    assert none is None and len(whole) == 1
