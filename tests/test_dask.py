"""Work sent to a Dask cluster through joblib gives the local results."""

import joblib
import numpy as np
import pytest
import soundfile as sf
import torch
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_music.datasets import make_music
from sklearn_music.estimators import CRNNClassifier
from sklearn_music.features import HandcraftedFeatures, MelSpectrogram

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def client():
    """Two single-threaded worker processes on loopback. Processes, not
    threads: concurrent fits in one process would share torch's global
    random generator."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def music():
    return make_music(16, n_classes=2, duration=1.0, sr=16000, random_state=0)


def on_dask(client, fn):
    """``fn()`` under joblib's Dask backend, and the number of Dask tasks."""
    with (
        joblib.parallel_backend("dask"),
        distributed.get_task_stream(client) as tasks,
    ):
        result = fn()
    return result, len(tasks.data)


def test_handcrafted_features(client, music):
    X, _ = music

    def features():
        return HandcraftedFeatures(sr=16000, n_jobs=2).fit_transform(X[:6])

    remote, n_tasks = on_dask(client, features)
    assert n_tasks == 6  # one per clip
    np.testing.assert_array_equal(remote, features())


def test_mel_spectrogram_decodes_files_on_workers(client, music, tmp_path):
    X, _ = music
    paths = []
    for i, x in enumerate(X[:6]):
        paths.append(tmp_path / f"clip{i}.wav")
        sf.write(paths[-1], x, 16000)

    def mel(items):
        return MelSpectrogram(sr=16000, n_mels=32, n_jobs=2).fit_transform(items)

    remote, n_tasks = on_dask(client, lambda: mel(paths))
    assert n_tasks == 6  # decoding; the FFT runs on this machine's threads
    np.testing.assert_array_equal(remote, mel(paths))
    _, n_tasks = on_dask(client, lambda: mel(X[:6]))
    assert n_tasks == 0  # arrays need no decoding


def test_grid_search(client, music):
    X, y = music
    pipe = make_pipeline(
        MelSpectrogram(sr=16000, n_fft=512, hop_length=256, n_mels=16),
        CRNNClassifier(
            max_epochs=3,
            lr=0.02,
            batch_size=4,
            train_split=None,
            module__pool_sizes=((2, 2),) * 4,
            random_state=0,
        ),
    )
    grid = {"crnnclassifier__param_budget": [5e3, 1e4]}
    # the workers train with one torch thread each; so does the local run, since
    # another thread count sums in another order and can flip a prediction
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        local = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    finally:
        torch.set_num_threads(threads)
    # the refit runs here, so with one thread too
    torch.set_num_threads(1)
    try:
        remote, n_tasks = on_dask(
            client, lambda: GridSearchCV(pipe, grid, cv=2, n_jobs=2).fit(X, y)
        )
    finally:
        torch.set_num_threads(threads)
    assert n_tasks >= 4  # candidates x folds (the refit runs here)
    np.testing.assert_array_equal(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    np.testing.assert_allclose(
        remote.predict_proba(X), local.predict_proba(X), rtol=1e-5, atol=1e-6
    )
