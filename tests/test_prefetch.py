"""utils._prefetch: decoding runs ahead of computing, on a background thread."""

import threading

import numpy as np
import pytest
import soundfile as sf

from sklearn_music.features import MelSpectrogram
from sklearn_music.utils._prefetch import prefetch


def test_items_in_order_and_the_producer_runs_ahead():
    produced = []
    second_ready = threading.Event()

    def source():
        for i in range(4):
            produced.append(i)
            if i == 1:
                second_ready.set()
            yield i

    got = []
    for item in prefetch(source()):
        if item == 0:  # item 1 is produced while item 0 is being consumed
            assert second_ready.wait(timeout=10)
        got.append(item)
    assert got == [0, 1, 2, 3] == produced


def test_at_most_depth_items_wait():
    produced = []

    def source():
        for i in range(10):
            produced.append(i)
            yield i

    stream = prefetch(source(), depth=2)
    assert next(stream) == 0
    for _ in range(50):
        if len(produced) >= 4:
            break
        threading.Event().wait(0.02)
    # item 0 consumed, 1 and 2 waiting, 3 blocked in put
    assert len(produced) <= 4
    stream.close()


def test_an_error_is_raised_in_the_consumer_after_the_good_items():
    def source():
        yield 1
        raise OSError("cannot decode item 2")

    got = []
    with pytest.raises(OSError, match="cannot decode item 2"):
        for item in prefetch(source()):
            got.append(item)
    assert got == [1]


def test_stopping_early_stops_the_thread():
    def source():
        i = 0
        while True:
            yield i
            i += 1

    before = threading.active_count()
    for item in prefetch(source()):
        if item == 3:
            break
    assert threading.active_count() == before


def test_transform_of_files_decodes_on_the_background_thread(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    paths = []
    for i in range(5):
        path = tmp_path / f"clip{i}.wav"
        sf.write(path, 0.1 * rng.standard_normal(8000 + 1000 * i), 22050)
        paths.append(path)
    mel = MelSpectrogram(n_mels=32, batch_size=2)
    arrays = [sf.read(p, dtype="float32")[0] for p in paths]
    expected = mel.fit_transform(arrays)

    from sklearn_music import _io

    threads = set()
    original = _io.AudioSource.__getitem__

    def spy(self, i):
        threads.add(threading.current_thread().name)
        return original(self, i)

    monkeypatch.setattr(_io.AudioSource, "__getitem__", spy)
    np.testing.assert_allclose(mel.transform(paths), expected, atol=1e-5)
    assert threads == {"sklearn-music-prefetch"}


def test_decoding_ahead_uses_the_callers_joblib_backend(tmp_path):
    """joblib's backend setting is per thread: the prefetch thread decodes
    with the backend active where ``transform`` was called (a Dask cluster
    under ``parallel_backend("dask")``), not with joblib's default."""
    from joblib import parallel_config, register_parallel_backend
    from joblib._parallel_backends import ThreadingBackend

    calls = []

    class CountingBackend(ThreadingBackend):
        def configure(self, *args, **kwargs):
            calls.append(threading.current_thread().name)
            return super().configure(*args, **kwargs)

    register_parallel_backend("sklearn-music-counting", CountingBackend)
    rng = np.random.default_rng(0)
    paths = []
    for i in range(4):
        paths.append(tmp_path / f"clip{i}.wav")
        sf.write(paths[-1], 0.1 * rng.standard_normal(8000), 22050)
    mel = MelSpectrogram(n_mels=32, batch_size=2, n_jobs=2)
    expected = mel.fit_transform(paths)
    assert calls == []  # no backend set: joblib's default threads
    with parallel_config(backend="sklearn-music-counting"):
        got = mel.transform(paths)
    np.testing.assert_array_equal(got, expected)
    assert calls == ["sklearn-music-prefetch"] * 2  # one call per batch
