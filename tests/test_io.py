"""The audio input layer: every accepted form, order, and clear errors."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import soundfile as sf

from sklearn_music import load_audio
from sklearn_music._io import (
    AudioDecodeError,
    AudioFileNotFoundError,
    AudioInputError,
    AudioTypeError,
    check_audio_input,
)


def _read_all(source):
    return [source[i] for i in range(len(source))]


@pytest.mark.parametrize("ext", ["wav", "flac", "ogg", "opus", "mp3"])
def test_load_audio_formats_downmix_and_resample(audio_files, ext):
    y = load_audio(audio_files[ext], sr=22050)
    assert y.dtype == np.float32 and y.ndim == 1
    # lossy codecs add priming samples; length within 60 ms of 1.5 s
    assert abs(y.size - 1.5 * 22050) < 0.06 * 22050
    # mono mixdown of the two channels: spectrum peaks at 440 and 660 Hz
    spectrum = np.abs(np.fft.rfft(y[:22050]))
    freqs = np.fft.rfftfreq(22050, 1 / 22050)
    top = sorted(freqs[np.argsort(spectrum)[-2:]])
    assert top == pytest.approx([440, 660], abs=2)


def test_load_audio_matches_librosa(audio_files):
    librosa = pytest.importorskip("librosa")
    ours = load_audio(audio_files["flac"], sr=16000)
    ref, _ = librosa.load(audio_files["flac"], sr=16000)
    np.testing.assert_allclose(ours, ref, atol=1e-6)


def test_load_audio_offset_duration(audio_files):
    full = load_audio(audio_files["wav"], sr=None)
    part = load_audio(audio_files["wav"], sr=None, offset=0.5, duration=0.25)
    start = round(0.5 * 44100)
    np.testing.assert_array_equal(part, full[start : start + round(0.25 * 44100)])


def test_missing_file_lists_paths(tmp_path, audio_files):
    missing = [str(tmp_path / "nope.wav"), str(tmp_path / "gone.flac")]
    with pytest.raises(AudioFileNotFoundError, match="2 audio file") as info:
        check_audio_input([str(audio_files["wav"]), *missing], sr=22050)
    assert "nope.wav" in str(info.value) and "gone.flac" in str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    assert info.value.errno == 2 and info.value.filename.endswith("nope.wav")
    assert isinstance(info.value, ValueError)


def test_corrupt_file_names_path(tmp_path):
    bad = tmp_path / "corrupt.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage" * 3)
    source = check_audio_input([str(bad)], sr=22050)
    with pytest.raises(AudioDecodeError, match=r"corrupt\.wav"):
        source[0]


def test_empty_file_names_path(tmp_path):
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros((0,), dtype=np.float32), 22050)
    with pytest.raises(AudioInputError, match=r"empty\.wav.*empty"):
        check_audio_input([str(empty)], sr=22050)[0]


def test_silent_file_rejected(tmp_path):
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(1000, dtype=np.float32), 22050)
    with pytest.raises(AudioInputError, match=r"silent\.wav.*silent"):
        check_audio_input([str(silent)], sr=22050)[0]


def test_all_container_forms_agree(audio_files, tmp_path):
    paths = [str(audio_files["wav"]), str(audio_files["flac"])]
    expected = [load_audio(p, sr=8000) for p in paths]
    for X in [
        paths,
        tuple(paths),
        np.array(paths),
        pd.Series(paths),
        pd.DataFrame({"path": paths}),
        [audio_files["wav"], audio_files["flac"]],  # pathlib.Path
    ]:
        got = _read_all(check_audio_input(X, sr=8000))
        for g, e in zip(got, expected, strict=True):
            np.testing.assert_array_equal(g, e)


def test_arrays_ragged_and_mixed_keep_order(rng, audio_files):
    a, b = rng.standard_normal(100), rng.standard_normal(37)
    got = _read_all(check_audio_input([a, str(audio_files["wav"]), b], sr=8000))
    np.testing.assert_allclose(got[0], a.astype(np.float32))
    assert got[1].size == pytest.approx(12000, abs=1)
    np.testing.assert_allclose(got[2], b.astype(np.float32))
    two_d = rng.standard_normal((3, 50))
    got = _read_all(check_audio_input(two_d, sr=8000))
    np.testing.assert_allclose(np.stack(got), two_d.astype(np.float32))


def test_iter_batches_order_and_parallel(audio_files):
    paths = [str(audio_files[k]) for k in ["wav", "flac", "ogg", "mp3", "wav"]]
    source = check_audio_input(paths, sr=8000)
    serial = [y for _, clips in source.iter_batches(2) for y in clips]
    parallel = [y for _, clips in source.iter_batches(2, n_jobs=2) for y in clips]
    idx = [i for ids, _ in source.iter_batches(2) for i in ids]
    assert idx == list(range(5))
    for s, p in zip(serial, parallel, strict=True):
        np.testing.assert_array_equal(s, p)


@pytest.mark.parametrize(
    "X, match",
    [
        (np.zeros(10) + 0.1, "1-D array of 10 numbers.*Reshape"),
        (np.zeros((2, 3, 4)), r"shape \(2, 3, 4\)"),
        ([], "0 items"),
        (np.zeros((3, 0)), "0 feature"),
        ([np.ones(5), np.ones((2, 5))], r"clip 1 has shape \(2, 5\)"),
        ([np.ones(5), np.array([])], "clip 1 is empty"),
        ([np.ones(5), np.array([0.1, np.nan, 0.2])], "clip 1 contains NaN.*sample 1"),
        ([np.ones(5), np.array([0.1, np.inf])], "clip 1 contains NaN or infinite"),
        ([np.ones(5), np.zeros(8)], "clip 1 is silent"),
        ([np.ones(5), None], "Item 1 of X is missing"),
        ([np.ones(5), 3.0], "Item 1 of X is a scalar"),
        ([np.ones(3, dtype=bool)], "boolean"),
        ([np.ones(3) + 1j], "Complex data not supported"),
        (pd.DataFrame({"a": ["x"], "b": ["y"]}), "one column of audio"),
        ("song.wav", "single path"),
        (sp.csr_matrix(np.ones((2, 3))), "Sparse input is not supported"),
        (42, "Cannot read audio"),
    ],
)
def test_bad_input_messages(X, match):
    with pytest.raises(AudioInputError, match=match):
        check_audio_input(X, sr=22050)


def test_object_array_elements_must_be_numeric():
    X = np.ones((2, 4), dtype=object)
    X[1, 2] = {"foo": "bar"}
    with pytest.raises(AudioTypeError, match="clip 1 is not numeric") as info:
        check_audio_input(X, sr=22050)
    assert isinstance(info.value, TypeError)


def test_integer_pcm_needs_a_scale():
    pcm = (np.sin(np.arange(1000)) * 20000).astype(np.int16)
    with pytest.raises(AudioInputError, match="clip 0 holds integer samples"):
        check_audio_input([pcm], sr=22050)
    full = check_audio_input([pcm], sr=22050, pcm_scale="dtype")[0]
    np.testing.assert_allclose(full, pcm / 32768.0, rtol=1e-6)
    custom = check_audio_input([pcm], sr=22050, pcm_scale=20000)[0]
    np.testing.assert_allclose(custom, pcm / 20000.0, rtol=1e-6)
    unsigned = np.array([0, 128, 255], dtype=np.uint8)
    got = check_audio_input([unsigned], sr=22050, pcm_scale="dtype")[0]
    np.testing.assert_allclose(got, [-1.0, 0.0, 127 / 128])


@pytest.mark.parametrize("bad", [0, -5, 2.5, "22050"])
def test_bad_sr(bad):
    with pytest.raises(AudioInputError, match="sr must be a positive integer"):
        check_audio_input([np.ones(4)], sr=bad)


def test_bad_pcm_scale():
    with pytest.raises(AudioInputError, match="pcm_scale"):
        check_audio_input([np.ones(4)], sr=100, pcm_scale="int16")


def test_subset_keeps_original_positions_in_errors(tmp_path):
    silent = tmp_path / "quiet.wav"
    sf.write(silent, np.zeros(100, dtype=np.float32), 8000)
    source = check_audio_input([np.ones(4), np.ones(5), str(silent)], sr=8000)
    part = source.subset([2, 1])
    assert len(part) == 2 and part[1].size == 5
    with pytest.raises(AudioInputError, match=r"quiet\.wav' \(item 2\)"):
        part[0]
    assert part.subset([1]).describe(0) == "clip 1"


def test_numeric_dataframe_rows_are_waveforms(rng):
    frame = pd.DataFrame(rng.standard_normal((3, 50)))
    got = _read_all(check_audio_input(frame, sr=8000))
    np.testing.assert_allclose(np.stack(got), frame.to_numpy().astype(np.float32))


def test_clip_length_recorded_only_for_equal_length_arrays(rng):
    from sklearn_music.features import MelSpectrogram

    mel = MelSpectrogram(n_mels=8).fit(rng.standard_normal((2, 4096)))
    assert mel.n_features_in_ == 4096
    with pytest.raises(AudioInputError, match="expecting 4096 features"):
        mel.transform(rng.standard_normal((2, 2048)))
    assert mel.transform([rng.standard_normal(2048)]).shape[0] == 1  # lists: ok
    mel.fit([rng.standard_normal(4096), rng.standard_normal(2048)])  # ragged
    assert not hasattr(mel, "n_features_in_")
    assert mel.transform(rng.standard_normal((1, 1000))).shape[0] == 1


@pytest.fixture
def collection(tmp_path):
    """Twenty good 0.2 s files, then three bad ones among them."""
    rng = np.random.default_rng(0)
    paths = []
    for i in range(20):
        path = tmp_path / f"song{i:02d}.flac"
        sf.write(path, 0.1 * rng.standard_normal(1600), 8000)
        paths.append(str(path))
    (tmp_path / "song05.flac").write_bytes(b"fLaC but not really" * 10)  # corrupt
    (tmp_path / "song11.flac").unlink()  # missing
    paths[17] = str(tmp_path / "song17.wav")
    sf.write(paths[17], np.zeros((0,)), 8000)  # empty
    labels = np.array([f"genre{i % 3}" for i in range(20)])
    return paths, labels


def test_check_audio_files_raise_lists_every_bad_item(collection):
    from sklearn_music import check_audio_files

    paths, labels = collection
    with pytest.raises(AudioInputError, match="3 of 20 audio item") as info:
        check_audio_files(paths, labels)
    for name in ("song05", "song11", "song17"):
        assert name in str(info.value)
    assert info.value.report["index"].tolist() == [5, 11, 17]
    assert info.value.report["error"].tolist() == [
        "AudioDecodeError", "AudioFileNotFoundError", "AudioInputError",
    ]  # fmt: skip


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_check_audio_files_skip_keeps_x_and_y_aligned(collection, n_jobs):
    from sklearn_music import check_audio_files

    paths, labels = collection
    keep = [i for i in range(20) if i not in (5, 11, 17)]
    with pytest.warns(UserWarning, match="Skipped 3 of 20") as record:
        X, y, report = check_audio_files(paths, labels, on_error="skip", n_jobs=n_jobs)
    assert len(record) == 1
    assert X == [paths[i] for i in keep]
    np.testing.assert_array_equal(y, labels[keep])
    assert list(report.columns) == ["index", "path", "error", "message"]
    assert report["path"].tolist() == [paths[5], paths[11], paths[17]]
    assert "song05.flac" in report["message"][0]

    # pandas keeps its index; tag lists and indicator rows follow X
    series = pd.Series(paths, index=np.arange(100, 120))
    tags = [[f"t{i}"] for i in range(20)]
    with pytest.warns(UserWarning):
        Xs, ys, _ = check_audio_files(series, tags, on_error="skip")
    assert Xs.index.tolist() == [100 + i for i in keep]
    assert ys == [[f"t{i}"] for i in keep]
    frame = pd.DataFrame({"path": paths})
    with pytest.warns(UserWarning):
        Xf, yf, _ = check_audio_files(frame, np.eye(20), on_error="skip")
    assert Xf["path"].tolist() == X and yf.shape == (17, 20)
    np.testing.assert_array_equal(yf.argmax(axis=1), keep)


def test_check_audio_files_clean_input_is_returned_as_is(collection):
    from sklearn_music import check_audio_files

    paths, _ = collection
    good = [p for i, p in enumerate(paths) if i not in (5, 11, 17)]
    X, y, report = check_audio_files(good, on_error="skip")
    assert X is good and y is None and report.empty
    assert list(report.columns) == ["index", "path", "error", "message"]


def test_check_audio_files_full_decode_finds_cut_off_and_silent_files(tmp_path):
    from sklearn_music import check_audio_files

    rng = np.random.default_rng(0)
    cut, silent, good = (
        tmp_path / "cut.flac",
        tmp_path / "silent.flac",
        tmp_path / "ok.flac",
    )
    sf.write(cut, 0.1 * rng.standard_normal(44100), 22050)
    cut.write_bytes(cut.read_bytes()[:20000])  # header intact, data cut off
    sf.write(silent, np.zeros(1000), 22050)
    sf.write(good, 0.1 * rng.standard_normal(1000), 22050)
    X = [str(good), str(cut), str(silent)]
    assert check_audio_files(X)[2].empty  # the headers are fine
    with pytest.raises(AudioInputError, match=r"(?s)cut\.flac.*silent\.flac.*silent"):
        check_audio_files(X, full=True)


def test_check_audio_files_in_memory_clips_and_errors(collection):
    from sklearn_music import check_audio_files

    paths, _ = collection
    clips = [np.ones(10), np.array([0.1, np.nan]), np.zeros(5), paths[0]]
    with pytest.warns(UserWarning, match="Skipped 2 of 4.*clip 1"):
        X, _, report = check_audio_files(clips, on_error="skip")
    assert len(X) == 2 and X[1] == paths[0]
    assert report["path"].isna().all() and report["index"].tolist() == [1, 2]
    with pytest.raises(ValueError, match="inconsistent numbers of items: 4 and 3"):
        check_audio_files(clips, [0, 1, 2])
    with pytest.raises(ValueError, match="on_error"):
        check_audio_files(clips, on_error="ignore")
    with pytest.raises(AudioInputError, match="No item is usable"):
        check_audio_files([paths[5], paths[11]], on_error="skip")


def test_check_audio_files_warn_is_the_loaders_word_for_skip(collection):
    from sklearn_music import check_audio_files

    paths, labels = collection
    with pytest.warns(UserWarning, match="Skipped 3 of 20") as record:
        X, y, report = check_audio_files(paths, labels, on_error="warn")
    assert len(record) == 1 and record[0].filename == __file__
    with pytest.warns(UserWarning, match="Skipped 3 of 20"):
        X_skip, y_skip, report_skip = check_audio_files(paths, labels, on_error="skip")
    assert X == X_skip and len(X) == 17
    np.testing.assert_array_equal(y, y_skip)
    pd.testing.assert_frame_equal(report, report_skip)


def test_check_audio_files_long_lists_are_shortened(tmp_path):
    from sklearn_music import check_audio_files

    missing = [str(tmp_path / f"gone{i:02d}.wav") for i in range(53)]
    with pytest.raises(AudioInputError, match="53 of 54 audio item") as info:
        check_audio_files([np.ones(8), *missing])
    message = str(info.value)
    assert "gone49.wav" in message and "gone50.wav" not in message
    assert "gone49.wav' and 3 more\n" in message
    assert len(info.value.report) == 53
    with pytest.warns(UserWarning, match=r"\('gone00.wav', 'gone01.wav', "):
        check_audio_files([np.ones(8), *missing], on_error="warn")


@pytest.mark.parametrize(
    "depth, problems",
    [
        ("exists", [None, "AudioFileNotFoundError", None, None, None]),
        ("size", [None, "AudioFileNotFoundError", "AudioDecodeError", None, None]),
        (
            "header",
            [None, "AudioFileNotFoundError", "AudioDecodeError", "AudioDecodeError",
             None],
        ),
        (
            "frames",
            [None, "AudioFileNotFoundError", "AudioDecodeError", "AudioDecodeError",
             "AudioInputError"],
        ),
    ],
)  # fmt: skip
def test_file_problem_depths(tmp_path, depth, problems):
    from sklearn_music._filecheck import file_problem

    good, empty, junk, no_frames = (
        tmp_path / "good.wav",
        tmp_path / "empty.wav",
        tmp_path / "junk.wav",
        tmp_path / "no_frames.wav",
    )
    sf.write(good, np.ones(10) * 0.1, 8000)
    empty.write_bytes(b"")
    junk.write_bytes(b"not audio at all" * 8)
    sf.write(no_frames, np.zeros(0), 8000)
    files = [good, tmp_path / "gone.wav", empty, junk, no_frames]
    found = [file_problem(f, depth=depth) for f in files]
    assert [None if e is None else type(e).__name__ for e in found] == problems
    assert found[1].filename == str(tmp_path / "gone.wav")
    if depth == "frames":
        assert "no_frames.wav' is empty (0 samples)" in str(found[4])
    with pytest.raises(ValueError, match="depth"):
        file_problem(good, depth="full")


def test_handle_problems_raises_before_warning():
    from sklearn_music._filecheck import Problems, handle_problems

    def group(items, action, name):
        return Problems(items, action, lambda: ValueError(name), lambda: name)

    with pytest.raises(ValueError, match="second"):
        handle_problems(group([1], "warn", "first"), group([2], "raise", "second"))
    with pytest.warns(UserWarning, match="first") as record:
        handle_problems(
            group([1], "warn", "first"),
            group([], "raise", "empty"),
            group([3], "skip", "silent"),
        )
    assert len(record) == 1 and record[0].filename == __file__
    with pytest.raises(ValueError, match="action must be 'raise', 'warn' or 'skip'"):
        handle_problems(group([1], "ignore", "bad"))
