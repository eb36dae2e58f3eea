"""Hostile inputs and faults (issue 13): each numbered case gives a clear
error or the right answer."""

from __future__ import annotations

import struct

import numpy as np
import pytest
import soundfile as sf

from sklearn_music import (
    AudioDecodeError,
    AudioInputError,
    MelSpectrogram,
    check_audio_files,
    load_audio,
)
from sklearn_music.cli import main

SR = 8000


def _tone(seconds=1.0, freq=440.0, sr=SR, amp=0.5):
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.fixture
def two_files(tmp_path):
    """Two WAV files of different content."""
    a, b = tmp_path / "a.wav", tmp_path / "b.wav"
    sf.write(a, _tone(freq=440.0), SR)
    sf.write(b, _tone(freq=1500.0, amp=0.05), SR)
    return a, b


# ----------------------------------------------------------------------------
# 1. the cache cannot be poisoned by a file replaced while it is read


def test_1_replaced_file_never_poisons_the_cache(two_files, tmp_path, monkeypatch):
    from sklearn_music.features import _cache

    a, b = two_files
    mel = MelSpectrogram(sr=SR, n_mels=32, cache_dir=tmp_path / "cache")
    expected_a = MelSpectrogram(sr=SR, n_mels=32).transform([str(a)])
    victim = tmp_path / "victim.wav"
    victim.write_bytes(a.read_bytes())
    keys = _cache._item_keys

    def hash_then_replace(source, n_jobs):
        out = keys(source, n_jobs)  # hashed as the content of a ...
        victim.write_bytes(b.read_bytes())  # ... then replaced by b
        return out

    monkeypatch.setattr(_cache, "_item_keys", hash_then_replace)
    mel.transform([str(victim)])
    monkeypatch.setattr(_cache, "_item_keys", keys)
    # every file with a's content still gets a's spectrogram
    np.testing.assert_array_equal(mel.transform([str(a)]), expected_a)


# ----------------------------------------------------------------------------
# 2. damaged cache entries and checkpoints are detected


def _flip(path, at=-40):
    data = bytearray(path.read_bytes())
    data[at] ^= 0x5A
    path.write_bytes(bytes(data))


def test_2_damaged_cache_entries_are_recomputed(two_files, tmp_path):
    a, _ = two_files
    cache = tmp_path / "cache"
    mel = MelSpectrogram(sr=SR, n_mels=32, cache_dir=cache)
    expected = MelSpectrogram(sr=SR, n_mels=32).transform([str(a)])
    np.testing.assert_array_equal(mel.transform([str(a)]), expected)
    (folder,) = cache.iterdir()
    outputs = list(folder.glob("transform-*.npy"))
    entries = [p for p in folder.glob("*.npy") if p not in outputs]
    assert len(entries) == 1 and len(outputs) == 1
    _flip(entries[0])  # a flipped byte in the spectrogram data
    for p in outputs:
        p.unlink()
    np.testing.assert_array_equal(mel.transform([str(a)]), expected)
    (output,) = folder.glob("transform-*.npy")
    _flip(output)  # a flipped byte in the memory-mapped output
    np.testing.assert_array_equal(mel.transform([str(a)]), expected)
    (entry,) = [p for p in folder.glob("*.npy") if not p.name.startswith("trans")]
    data = bytearray(entry.read_bytes())
    data[200:260] = bytes(60)  # zeroed bytes
    entry.write_bytes(bytes(data))
    for p in folder.glob("transform-*.npy"):
        p.unlink()
    np.testing.assert_array_equal(mel.transform([str(a)]), expected)


def test_2_damaged_checkpoint_is_a_clear_error(tmp_path):
    from sklearn.base import clone

    from sklearn_music import CRNNClassifier

    X = np.random.default_rng(0).normal(size=(8, 16, 24)).astype(np.float32)
    y = np.array(["a", "b"] * 4)
    net = CRNNClassifier(
        checkpoint_dir=tmp_path, max_epochs=1, batch_size=4, random_state=0
    )
    directory = net.fit(X, y).checkpoint_dir_
    path = tmp_path / directory / "checkpoint.pt"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit inside the tensors
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"is damaged.*checksum"):
        clone(net).fit(X, y)


# ----------------------------------------------------------------------------
# 3. the CLI never destroys a file


@pytest.fixture
def train_folder(tmp_path):
    root = tmp_path / "train"
    for label, freq in [("low", 220.0), ("high", 1760.0)]:
        (root / label).mkdir(parents=True)
        for i in range(3):
            sf.write(root / label / f"{i}.wav", _tone(0.5, freq * (1 + i / 10)), SR)
    return root


def test_3_fit_never_overwrites_an_input_even_with_force(train_folder, capsys):
    wav = train_folder / "low" / "0.wav"
    before = wav.read_bytes()
    for extra in ([], ["--force"]):
        argv = ["fit", str(train_folder), "--model", "tzanetakis", "-o", str(wav)]
        assert main(argv + extra) == 2
        assert "one of the input files" in capsys.readouterr().err
    assert wav.read_bytes() == before


def test_3_outputs_are_replaced_only_with_force(train_folder, tmp_path, capsys):
    model = tmp_path / "m.skmusic"
    model.write_bytes(b"previous model")
    argv = ["fit", str(train_folder), "--model", "tzanetakis", "-o", str(model)]
    assert main(argv) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert model.read_bytes() == b"previous model"
    assert main([*argv, "--force"]) == 0
    capsys.readouterr()
    csv = tmp_path / "pred.csv"
    csv.write_text("mine")
    predict = ["predict", "-m", str(model), str(train_folder), "--csv", str(csv)]
    assert main(predict) == 2 and "exists" in capsys.readouterr().err
    assert csv.read_text() == "mine"
    assert main([*predict, "--force"]) == 0
    assert csv.read_text().startswith("path,label")
    capsys.readouterr()
    # the model file is an input of predict: never its --csv
    assert main([*predict[:-1], str(model), "--force"]) == 2
    assert "one of the input files" in capsys.readouterr().err


def test_3_features_npy_protects_its_file_list(train_folder, tmp_path, capsys):
    out = tmp_path / "x.npy"
    listing = tmp_path / "x.paths.txt"
    listing.write_text("precious")
    argv = ["features", str(train_folder), "-o", str(out), "--kind", "mel"]
    assert main(argv) == 2
    assert "x.paths.txt' exists" in capsys.readouterr().err
    assert listing.read_text() == "precious" and not out.exists()
    assert main([*argv, "--force"]) == 0
    assert len(listing.read_text().splitlines()) == 6


def test_3_a_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    from sklearn_music.utils import atomic_write

    path = tmp_path / "model.skmusic"
    path.write_bytes(b"good model")

    def fail_half_way(f):
        f.write(b"half")
        raise OSError("133250 requested and 103392 written")

    with pytest.raises(OSError, match="disk is full") as info:
        atomic_write(path, fail_half_way)
    assert str(path) in str(info.value)
    assert path.read_bytes() == b"good model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.skmusic"]


# ----------------------------------------------------------------------------
# 4. a model file never runs code (see also tests/test_serialize.py)


def test_4_predict_never_runs_a_pickled_payload(train_folder, tmp_path, capsys):
    import joblib

    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    evil = tmp_path / "evil.joblib"
    joblib.dump({"pipeline": Payload()}, evil)
    assert main(["predict", "-m", str(evil), str(train_folder)]) == 2
    err = capsys.readouterr().err
    assert "--trust-pickle" in err and "runs any code" in err
    assert not marker.exists()
    assert main(["predict", "--help"]) == 0
    assert "Unpickling runs any code" in " ".join(capsys.readouterr().out.split())


# ----------------------------------------------------------------------------
# 5. a tiny file cannot exhaust memory


def _wav_with_rate(path, rate, n=20_000):
    sf.write(path, _tone(n / SR), SR, subtype="PCM_16")
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, 24, rate)  # sample rate of the fmt chunk
    struct.pack_into("<I", data, 28, rate * 2)  # byte rate
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("rate", [1, 999, 768_001, 4_000_000])
def test_5_absurd_sample_rates_are_refused(tmp_path, rate):
    path = tmp_path / "forged.wav"
    _wav_with_rate(path, rate)
    with pytest.raises(AudioDecodeError, match=f"sampling rate of {rate} Hz"):
        load_audio(path)
    good = tmp_path / "good.wav"
    sf.write(good, _tone(), SR)
    with pytest.warns(UserWarning, match="Skipped 1 of 2"):
        X, _, report = check_audio_files([str(good), str(path)], on_error="warn")
    assert X == [str(good)] and list(report["error"]) == ["AudioDecodeError"]


def test_5_max_duration_bounds_one_item(tmp_path):
    path = tmp_path / "long.wav"
    sf.write(path, np.tile(_tone(1.0), 5), SR)
    with pytest.raises(AudioInputError, match=r"long.wav.*max_duration=2"):
        load_audio(path, max_duration=2)
    assert load_audio(path, sr=None, max_duration=2, duration=1.5).size == 12_000
    assert load_audio(path, sr=None, max_duration=None).size == 40_000
    from sklearn_music._decode import MAX_DURATION

    assert MAX_DURATION == 3600.0


# ----------------------------------------------------------------------------
# 9. truncated files


@pytest.mark.parametrize(
    "fmt, subtype, ext",
    [
        ("WAV", "PCM_16", "wav"),
        ("AIFF", "PCM_16", "aiff"),
        ("FLAC", "PCM_16", "flac"),
        ("OGG", "VORBIS", "ogg"),
        ("OGG", "OPUS", "opus"),
        ("MP3", "MPEG_LAYER_III", "mp3"),
    ],
)
def test_9_truncated_files_are_decode_errors(tmp_path, fmt, subtype, ext):
    sr = 48000 if subtype == "OPUS" else 44100
    path = tmp_path / f"full.{ext}"
    y = _tone(3.0, sr=sr)
    sf.write(path, np.stack([y, y], axis=1), sr, format=fmt, subtype=subtype)
    assert load_audio(path).size > 0  # the complete file is fine
    data = path.read_bytes()
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(data[: int(len(data) * 0.7)])
    with pytest.raises(AudioDecodeError, match="cut"):
        load_audio(cut)
    with pytest.warns(UserWarning, match="Skipped 1 of 2"):
        X, _, report = check_audio_files(
            [str(path), str(cut)], full=True, on_error="warn"
        )
    assert X == [str(path)]
    assert list(report["error"]) == ["AudioDecodeError"]


# ----------------------------------------------------------------------------
# 11. clear errors


def test_11_load_audio_duration_minus_one(tmp_path):
    path = tmp_path / "a.wav"
    sf.write(path, _tone(), SR)
    for bad in (-1, 0, float("nan")):
        with pytest.raises(ValueError, match="duration must be"):
            load_audio(path, duration=bad)
    with pytest.raises(ValueError, match="offset must be"):
        load_audio(path, offset=-1)


# ----------------------------------------------------------------------------
# 6. dataset metadata cannot point outside the dataset folder


def test_6_mtat_paths_stay_inside_the_root(tmp_path):
    from sklearn_music.datasets import load_mtat

    secret = tmp_path / "secret.mp3"
    secret.write_bytes(b"ID3")
    root = tmp_path / "mtat"
    (root / "c").mkdir(parents=True)
    (root / "c" / "a.mp3").write_bytes(b"ID3")
    rows = [("2", "1", "0", "c/a.mp3"), ("6", "1", "1", "c/../../secret.mp3")]
    with open(root / "annotations_final.csv", "w") as f:
        f.write("clip_id\tguitar\tpiano\tmp3_path\n")
        for row in rows:
            f.write("\t".join(row) + "\n")
    refused = r"outside the dataset folder.*row 6 \('.*secret.mp3'\)"
    with pytest.raises(ValueError, match=refused):
        load_mtat(root, n_tags=2, check_audio=True)


def test_6_msd_path_template_stays_inside_the_root(tmp_path):
    import pandas as pd

    from sklearn_music.datasets import load_msd_tags

    audio = tmp_path / "audio"
    audio.mkdir()
    table = pd.DataFrame(
        {"track_id": ["TRAARKX128F4247A03"], "tags": ["rock"], "split": ["train"]}
    )
    for template in ("../{track_id}.mp3", "/etc/passwd"):
        with pytest.raises(ValueError, match="TRAARKX128F4247A03"):
            load_msd_tags(table, audio, path_template=template)
    with pytest.raises(ValueError, match="outside the dataset folder"):
        load_msd_tags(table, audio, path_template={"TRAARKX128F4247A03": "/etc/x"})


# ----------------------------------------------------------------------------
# 7. loud but finite audio gives finite spectrograms


@pytest.mark.parametrize("kind", ["mel", "stft", "cqt"])
def test_7_loud_finite_audio_gives_finite_output(kind):
    from sklearn_music import CQTSpectrogram, STFTSpectrogram

    make = {"mel": MelSpectrogram, "stft": STFTSpectrogram, "cqt": CQTSpectrogram}
    quiet = _tone(1.0, sr=22050)
    loud = quiet.copy()
    loud[-5000:] = 1e20  # only the last 0.25 s
    S = make[kind]().transform([quiet, loud, quiet * 2.0**40])
    assert np.isfinite(S).all()
    assert S[1].max() > 300  # absolute dB of a power around 1e40
    # scaling by 2**40 shifts the dB by 20 log10(2**40), nothing else
    shift = 20 * np.log10(2.0**40)
    np.testing.assert_allclose(S[2] - S[0], shift, atol=1e-3)


def test_7_features_cli_refuses_output_that_is_not_finite(tmp_path, capsys):
    path = tmp_path / "loud.wav"
    y = _tone(1.0)
    y[-2000:] = 1e30
    sf.write(path, y, SR, subtype="FLOAT")
    out = tmp_path / "x.npz"
    # log="none" cannot hold a power of 1e60 in float32: an error naming it
    mel = MelSpectrogram(sr=SR, log="none")
    with pytest.raises(AudioInputError, match=r"loud.wav.*non-finite"):
        mel.transform([str(path)])
    assert main(["features", str(path), "-o", str(out), "--sr", str(SR)]) == 0
    assert np.isfinite(np.load(out)["X"][:, :, :10]).all()


# ----------------------------------------------------------------------------
# 8. multi-label targets must be 0/1


@pytest.mark.parametrize(
    "Y", [np.array([[1, -1], [-1, 1]] * 4), np.array([[0, 2], [2, 0]] * 4)]
)
def test_8_indicator_targets_must_be_zero_or_one(Y):
    from sklearn_music import Conv2DTagger

    X = np.random.default_rng(0).normal(size=(8, 16, 24)).astype(np.float32)
    with pytest.raises(ValueError, match="only 0 and 1"):
        Conv2DTagger(max_epochs=1).fit(X, Y)


# ----------------------------------------------------------------------------
# 11. clear errors (continued)


@pytest.mark.parametrize("n_fft", [1, 2, 3])
def test_11_tiny_n_fft_works_or_says_why(n_fft):
    from sklearn_music import STFTSpectrogram

    S = STFTSpectrogram(n_fft=n_fft, sr=SR).transform(_tone()[None, :])
    assert S.shape[1] == n_fft // 2 + 1 and np.isfinite(S).all()


def test_11_none_label_and_huge_budget():
    from sklearn_music import CRNNClassifier

    X = np.random.default_rng(0).normal(size=(8, 16, 24)).astype(np.float32)
    y = np.array(["a", "b", None, "a", "b", "a", "b", "a"], dtype=object)
    with pytest.raises(ValueError, match=r"missing \(None or NaN\) at position"):
        CRNNClassifier(max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="max_epochs"):
        CRNNClassifier(max_epochs=0).fit(X, ["a", "b"] * 4)
    with pytest.raises(ValueError, match="above the ceiling"):
        CRNNClassifier(param_budget=1e9).fit(X, ["a", "b"] * 4)


# ----------------------------------------------------------------------------
# 10. one recommender call cannot break the catalogue


def test_10_recommender_ids_of_one_type():
    from sklearn_music import CosineRecommender

    E = np.random.default_rng(0).normal(size=(4, 3))
    rec = CosineRecommender().fit(E[:3], ids=[1, 2, 3])
    with pytest.raises(ValueError):
        rec.partial_fit(E[3:], ids=[True])  # True == 1 would shadow id 1
    assert list(rec.ids_) == [1, 2, 3]
    assert len(rec.recommend(track=1, n=2)) == 2  # still usable
    with pytest.raises(ValueError, match="one type"):
        CosineRecommender().fit(E[:3], ids=["a", 1, 2])
