"""Large collections: the spectrogram cache (``cache_dir``), memory-mapped
output, bounded memory, and faults in the middle of a collection."""

import os
import pickle
import shutil
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from sklearn_music._io import AudioDecodeError
from sklearn_music.datasets import make_music
from sklearn_music.estimators import CRNNClassifier
from sklearn_music.estimators._data import check_spectrograms
from sklearn_music.features import CQTSpectrogram, MelSpectrogram, STFTSpectrogram
from sklearn_music.utils import _disk

SR = 16000
MEL = dict(sr=SR, n_fft=512, hop_length=256, n_mels=40)
SETTINGS = {
    MelSpectrogram: MEL,
    STFTSpectrogram: dict(sr=SR, n_fft=256),
    CQTSpectrogram: dict(sr=SR, n_bins=24, fmin=110.0, hop_length=256),
}


@pytest.fixture(scope="module")
def music():
    """Twelve 2 s clips of two generated styles."""
    return make_music(12, n_classes=2, duration=2.0, sr=SR, random_state=0)


def _write(folder: Path, clips, start: int = 0) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, y in enumerate(clips, start):
        path = folder / f"clip{i:03d}.flac"
        sf.write(path, y, SR)
        paths.append(str(path))
    return paths


@pytest.fixture
def files(tmp_path, music):
    return _write(tmp_path / "audio", music[0])


def _count_compute(monkeypatch, cls):
    """Record the number of clips of each ``_compute`` call of ``cls``."""
    calls = []
    original = cls._compute

    def counting(self, clips, *args, **kwargs):
        calls.append(len(clips))
        return original(self, clips, *args, **kwargs)

    monkeypatch.setattr(cls, "_compute", counting)
    return calls


def _entries(cache_dir) -> list[Path]:
    return sorted(
        p for p in Path(cache_dir).rglob("*.npy") if not p.name.startswith("transform")
    )


@pytest.mark.parametrize("cls", list(SETTINGS))
def test_cache_hit_is_identical_and_not_recomputed(cls, files, tmp_path, monkeypatch):
    reference = cls(**SETTINGS[cls]).fit_transform(files)
    calls = _count_compute(monkeypatch, cls)
    cold = cls(**SETTINGS[cls], cache_dir=tmp_path / "cache").fit_transform(files)
    assert sum(calls) == len(files)
    np.testing.assert_array_equal(cold, reference)
    assert len(_entries(tmp_path / "cache")) == len(files)

    calls.clear()
    warm = cls(**SETTINGS[cls], cache_dir=tmp_path / "cache").transform(files)
    # another selection and order of the same files: entries hit, new output
    folds = cls(**SETTINGS[cls], cache_dir=tmp_path / "cache").transform(files[7:2:-2])
    assert calls == []
    np.testing.assert_array_equal(warm, reference)
    np.testing.assert_array_equal(folds, reference[7:2:-2, :, : folds.shape[2]])


def test_changed_content_misses_even_with_same_size_and_mtime(
    files, tmp_path, monkeypatch
):
    mel = MelSpectrogram(**MEL, cache_dir=tmp_path / "cache")
    before = np.array(mel.transform(files))
    # same samples reversed in time: same length, format and modification time
    stat = os.stat(files[3])
    y, _ = sf.read(files[3], dtype="float32")
    sf.write(files[3], y[::-1], SR)
    os.utime(files[3], ns=(stat.st_atime_ns, stat.st_mtime_ns))
    calls = _count_compute(monkeypatch, MelSpectrogram)
    after = mel.transform(files)
    assert calls == [1]
    np.testing.assert_array_equal(
        after[3], MelSpectrogram(**MEL).transform(files[3:4])[0]
    )
    np.testing.assert_array_equal(np.delete(after, 3, 0), np.delete(before, 3, 0))


def test_renamed_file_hits(files, tmp_path, monkeypatch):
    mel = MelSpectrogram(**MEL, cache_dir=tmp_path / "cache")
    mel.transform(files[:2])
    moved = str(tmp_path / "elsewhere.flac")
    shutil.copy(files[0], moved)
    calls = _count_compute(monkeypatch, MelSpectrogram)
    S = mel.transform([moved])
    assert calls == []
    np.testing.assert_array_equal(S[0], MelSpectrogram(**MEL).transform([moved])[0])


@pytest.mark.parametrize(
    "change", [dict(n_mels=32), dict(duration=1.0), dict(hop_length=128)]
)
def test_changed_parameter_misses(change, files, tmp_path, monkeypatch):
    MelSpectrogram(**MEL, cache_dir=tmp_path / "cache").transform(files)
    calls = _count_compute(monkeypatch, MelSpectrogram)
    params = {**MEL, **change}
    S = MelSpectrogram(**params, cache_dir=tmp_path / "cache").transform(files)
    assert sum(calls) == len(files)
    np.testing.assert_array_equal(S, MelSpectrogram(**params).transform(files))


def test_device_and_batch_size_do_not_change_the_key(files, tmp_path, monkeypatch):
    MelSpectrogram(**MEL, cache_dir=tmp_path / "c").transform(files)
    calls = _count_compute(monkeypatch, MelSpectrogram)
    MelSpectrogram(**MEL, cache_dir=tmp_path / "c", batch_size=3, n_jobs=2).transform(
        files
    )
    assert calls == []


def test_truncated_entry_and_output_are_recomputed(files, tmp_path, monkeypatch):
    mel = MelSpectrogram(**MEL, cache_dir=tmp_path / "cache")
    reference = np.array(mel.transform(files))
    entry = _entries(tmp_path / "cache")[5]
    full_size = entry.stat().st_size
    with open(entry, "r+b") as f:
        f.truncate(full_size // 2)
    (output,) = Path(tmp_path / "cache").rglob("transform-*.npy")
    with open(output, "r+b") as f:
        f.truncate(1000)
    calls = _count_compute(monkeypatch, MelSpectrogram)
    again = mel.transform(files)
    assert calls == [1]
    np.testing.assert_array_equal(again, reference)
    assert entry.stat().st_size == full_size

    entry.write_bytes(b"garbage")  # a damaged header too
    calls.clear()
    np.testing.assert_array_equal(mel.transform(files[::-1]), reference[::-1])
    assert calls == [1]


def test_interrupted_write_leaves_no_entry(files, tmp_path, monkeypatch):
    cache = tmp_path / "cache"

    def failing_save(f, arr, **kwargs):
        f.write(b"\x93NUMPY partial")
        raise OSError("No space left on device")

    monkeypatch.setattr(np, "save", failing_save)
    with pytest.raises(OSError, match="No space"):
        MelSpectrogram(**MEL, cache_dir=cache).transform(files)
    assert [p for p in cache.rglob("*") if p.is_file()] == []  # temp files cleaned


def test_interrupted_run_resumes_from_the_cache(files, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    original = MelSpectrogram._compute

    def crash_on_third_batch(self, clips, *args, **kwargs):
        if crash_on_third_batch.batches == 2:
            raise KeyboardInterrupt
        crash_on_third_batch.batches += 1
        return original(self, clips, *args, **kwargs)

    crash_on_third_batch.batches = 0
    monkeypatch.setattr(MelSpectrogram, "_compute", crash_on_third_batch)
    mel = MelSpectrogram(**MEL, cache_dir=cache, batch_size=4, duration=2.0)
    with pytest.raises(KeyboardInterrupt):
        mel.transform(files)
    assert len(_entries(cache)) == 8
    assert [
        p.name for p in cache.rglob("*") if p.is_file() and "transform" in p.name
    ] == []
    assert [p for p in cache.rglob(".*")] == []
    monkeypatch.setattr(MelSpectrogram, "_compute", original)
    calls = _count_compute(monkeypatch, MelSpectrogram)
    S = mel.transform(files)
    assert calls == [4]
    np.testing.assert_array_equal(
        S, MelSpectrogram(**MEL, duration=2.0).transform(files)
    )


def test_output_is_a_read_only_memmap_in_cache_dir(music, files, tmp_path):
    X = music[0]
    ragged = [X[0], X[1][:10000], X[2][:20000]]
    cache = tmp_path / "cache"
    outputs = []
    for data in (files, X, ragged, [files[0], X[1][:12345]]):
        S = MelSpectrogram(**MEL, cache_dir=cache).transform(data)
        assert isinstance(S, np.memmap) and not S.flags.writeable
        assert Path(S.filename).parent.parent == cache
        np.testing.assert_array_equal(S, MelSpectrogram(**MEL).transform(data))
        outputs.append(S.filename)
    assert len(set(outputs)) == 4
    # in-memory clips are not cached one by one
    assert len(_entries(cache)) == len(files)
    filled = MelSpectrogram(**MEL, cache_dir=cache, fill_value=-100.0).transform(ragged)
    assert filled.filename not in outputs and np.all(filled[1, :, -1] == -100)


def test_pickle_and_clone_keep_cache_dir(files, tmp_path):
    mel = MelSpectrogram(**MEL, cache_dir=tmp_path / "cache")
    S = mel.fit_transform(files)
    for copy in (pickle.loads(pickle.dumps(mel)), clone(mel)):
        assert copy.get_params() == mel.get_params()
        np.testing.assert_array_equal(copy.transform(files), S)
    # the output survives pickling as plain data
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(S)), S)


def test_bad_cache_dir_type():
    with pytest.raises(ValueError, match="cache_dir"):
        MelSpectrogram(cache_dir=3).fit([np.ones(1000, dtype=np.float32)])


def test_pipeline_with_crnn_fits_on_memmapped_spectrograms(music, files, tmp_path):
    y = music[1]
    pipe = Pipeline(
        [
            ("mel", MelSpectrogram(**MEL, cache_dir=tmp_path / "cache")),
            (
                "crnn",
                CRNNClassifier(
                    param_budget=2e4, max_epochs=2, batch_size=4, random_state=0
                ),
            ),
        ]
    )
    pipe.fit(files, y)
    assert isinstance(pipe[0].transform(files), np.memmap)
    reference = Pipeline(
        [
            ("mel", MelSpectrogram(**MEL)),
            (
                "crnn",
                CRNNClassifier(
                    param_budget=2e4, max_epochs=2, batch_size=4, random_state=0
                ),
            ),
        ]
    ).fit(files, y)
    np.testing.assert_allclose(
        pipe.predict_proba(files), reference.predict_proba(files), atol=1e-5
    )
    assert set(pipe.predict(files[:3])) <= set(y)


def _long_files(folder: Path, n: int, seconds: float) -> list[str]:
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * SR)) / SR
    clips = [
        (
            0.3 * np.sin(2 * np.pi * (200 + 10 * i) * t)
            + 0.05 * rng.standard_normal(t.size)
        )
        for i in range(n)
    ]
    return _write(folder, [c.astype(np.float32) for c in clips])


def _peak_bytes(fn):
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_transform_memory_is_bounded_by_the_batch(tmp_path):
    paths = _long_files(tmp_path / "audio", 60, 4.0)
    params = dict(sr=SR, n_fft=512, hop_length=64, n_mels=64, batch_size=2)
    # warm up: first-use imports and filterbank caches are not per-clip memory
    MelSpectrogram(**params, cache_dir=tmp_path / "warm-up").transform(paths[:1])
    S, peak = _peak_bytes(
        lambda: MelSpectrogram(**params, cache_dir=tmp_path / "cache").transform(paths)
    )
    full = S.size * S.itemsize  # 60 x 64 x 1001 float32: ~15 MB; a clip ~0.26 MB
    assert peak < full / 4, (peak, full)
    # the in-memory path, for scale, holds the whole output
    in_ram, peak_ram = _peak_bytes(lambda: MelSpectrogram(**params).transform(paths))
    assert peak_ram >= full
    np.testing.assert_array_equal(S, in_ram)
    # the warm path reads entries one batch at a time too
    _, peak = _peak_bytes(
        lambda: MelSpectrogram(**params, cache_dir=tmp_path / "cache").transform(
            paths[::-1]
        )
    )
    assert peak < full / 4, (peak, full)


def test_estimator_input_checks_read_a_memmap_block_by_block(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    path = tmp_path / "S.npy"
    S = np.lib.format.open_memmap(
        path, mode="w+", dtype=np.float32, shape=(64, 40, 500)
    )
    for i in range(64):
        S[i] = rng.standard_normal((40, 500))
        S[i, :, 400 + i :] = np.nan
    del S
    S = np.lib.format.open_memmap(path, mode="r")
    monkeypatch.setattr(_disk, "BLOCK_BYTES", 2**20)
    (clips, lengths), peak = _peak_bytes(
        lambda: check_spectrograms(S, n_mels=None, name="CRNNClassifier")
    )
    assert peak < S.nbytes / 4, (peak, S.nbytes)
    np.testing.assert_array_equal(lengths, np.minimum(400 + np.arange(64), 500))
    assert np.shares_memory(clips[10], S)


def test_estimator_input_checks_name_the_clip_across_blocks(monkeypatch):
    monkeypatch.setattr(_disk, "BLOCK_BYTES", 40 * 50 * 4 * 3)  # 3 clips a block
    S = np.ones((10, 40, 50), dtype=np.float32)
    S[7, 3, 5] = np.inf
    with pytest.raises(ValueError, match="infinity: clip 7"):
        check_spectrograms(S, n_mels=None, name="CRNNClassifier")
    S[7, 3, 5] = np.nan
    with pytest.raises(ValueError, match="NaN inside clip 7"):
        check_spectrograms(S, n_mels=None, name="CRNNClassifier")
    S[7] = np.nan
    with pytest.raises(ValueError, match=r"Clip 7 of X .* is empty"):
        check_spectrograms(S, n_mels=None, name="CRNNClassifier")


def test_released_pages_read_back_the_same_values(tmp_path):
    a = np.arange(10.0)
    _disk.release_pages(a)  # not memory-mapped: nothing to do
    values = np.random.default_rng(0).standard_normal((8, 3000)).astype(np.float32)
    np.save(tmp_path / "a.npy", values)
    mapped = np.load(tmp_path / "a.npy", mmap_mode="r")
    np.testing.assert_array_equal(mapped[2:5], values[2:5])
    _disk.release_pages(mapped[2:5])
    np.testing.assert_array_equal(mapped, values)


@pytest.mark.parametrize("cache", [False, True])
def test_corrupt_file_among_many_stops_the_fit_naming_it(music, tmp_path, cache):
    X, y = music
    paths = _write(tmp_path / "audio", np.concatenate([X, 0.5 * X, 0.25 * X]))
    Path(paths[29]).write_bytes(Path(paths[29]).read_bytes()[:3000])  # cut off
    mel = MelSpectrogram(**MEL, cache_dir=tmp_path / "cache" if cache else None)
    pipe = Pipeline([("mel", mel), ("crnn", CRNNClassifier(param_budget=2e4))])
    with pytest.raises(AudioDecodeError, match=r"clip029\.flac"):
        pipe.fit(paths, np.concatenate([y, y, y]))
    if cache:  # the files before it are cached: a fixed rerun resumes there
        assert len(_entries(tmp_path / "cache")) == 16 * (29 // 16)
