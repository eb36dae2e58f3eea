import re
import warnings
from importlib import resources

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_music import AudioDecodeError, AudioFileNotFoundError, check_audio_input
from sklearn_music.datasets import load_gtzan

GENRES = [
    "blues", "classical", "country", "disco", "hiphop",
    "jazz", "metal", "pop", "reggae", "rock",
]  # fmt: skip
ALL_IDS = [f"{g}.{i:05d}" for g in GENRES for i in range(100)]
COUNTS = {"train": 443, "valid": 197, "test": 290}
#: excerpts per genre in the training split of the fault-filtered partition
TRAIN_PER_GENRE = {
    "blues": 46, "classical": 48, "country": 45, "disco": 42, "hiphop": 47,
    "jazz": 43, "metal": 44, "pop": 41, "reggae": 43, "rock": 44,
}  # fmt: skip


def _shipped(split):
    text = (
        resources.files("sklearn_music.datasets")
        .joinpath("data", f"gtzan_filtered_{split}.txt")
        .read_text("utf-8")
    )
    return [line for line in text.splitlines() if not line.startswith("#")]


@pytest.fixture
def gtzan(tmp_path, put, wav_bytes):
    """A full copy of GTZAN in the layout of the original archive."""
    for track_id in ALL_IDS:
        genre = track_id.split(".")[0]
        put(tmp_path / "genres" / genre / f"{track_id}.wav", wav_bytes)
    (tmp_path / "genres" / "README").write_text("not an excerpt")
    return tmp_path


def _path(root, track_id, ext="wav"):
    return str(root / "genres" / track_id.split(".")[0] / f"{track_id}.{ext}")


@pytest.mark.parametrize("split", ["train", "valid", "test"])
def test_shipped_split_lists(split):
    ids = _shipped(split)
    assert len(ids) == COUNTS[split] == len(set(ids))
    assert all(re.fullmatch(r"([a-z]+)\.000\d\d", t) for t in ids)
    assert set(ids) <= set(ALL_IDS)
    others = {t for s in COUNTS if s != split for t in _shipped(s)}
    assert not set(ids) & others


def test_filtered_split(gtzan):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = load_gtzan(gtzan)
    assert list(df.columns) == ["track_id", "path", "label", "split"]
    assert df["split"].value_counts().to_dict() == COUNTS
    assert df.loc[df["split"] == "train", "label"].value_counts().to_dict() == (
        TRAIN_PER_GENRE
    )
    assert df.iloc[0].tolist() == [
        "blues.00029",
        _path(gtzan, "blues.00029"),
        "blues",
        "train",
    ]
    assert df.iloc[443].tolist() == [
        "blues.00000",
        _path(gtzan, "blues.00000"),
        "blues",
        "valid",
    ]
    assert df.iloc[-1].tolist() == [
        "rock.00090",
        _path(gtzan, "rock.00090"),
        "rock",
        "test",
    ]
    for split in COUNTS:  # sorted by track id within each split
        ids = df.loc[df["split"] == split, "track_id"].tolist()
        assert ids == sorted(_shipped(split))
    assert (df["label"] == df["track_id"].str.split(".").str[0]).all()
    assert df.attrs["missing"] == [] and df.attrs["unreadable"] == []
    assert df.index.tolist() == list(range(930))


def test_all_split(gtzan):
    df = load_gtzan(gtzan, split="all")
    assert df["track_id"].tolist() == ALL_IDS
    assert df["split"].isna().all() and df["split"].dtype == object
    assert df["path"].tolist() == [_path(gtzan, t) for t in ALL_IDS]
    assert df["label"].value_counts().to_dict() == dict.fromkeys(GENRES, 100)


@pytest.mark.parametrize(
    "parts, given",
    [
        (("genres",), ()),  # the original archive
        (("genres_original",), ()),  # Kaggle copy, unpacked Data/ folder
        (("Data", "genres_original"), ()),  # Kaggle copy, archive folder
        (("genres",), ("genres",)),  # root is the genres folder itself
    ],
)
def test_layouts(tmp_path, put, wav_bytes, parts, given):
    genres = tmp_path.joinpath(*parts)
    for track_id in ALL_IDS:
        put(genres / track_id.split(".")[0] / f"{track_id}.wav", wav_bytes)
    df = load_gtzan(tmp_path.joinpath(*given), split="all")
    assert len(df) == 1000
    assert df["path"].iloc[0] == str(genres / "blues" / "blues.00000.wav")


def test_au_files_of_the_original_archive(gtzan):
    wav = gtzan / "genres" / "jazz" / "jazz.00002.wav"
    wav.rename(wav.with_suffix(".au"))
    df = load_gtzan(gtzan).set_index("track_id")
    assert df.loc["jazz.00002", "path"] == _path(gtzan, "jazz.00002", "au")
    assert df.loc["jazz.00003", "path"] == _path(gtzan, "jazz.00003")


def test_missing_files_raise_and_name_them(gtzan):
    for track_id in ["rock.00099", "blues.00000", "pop.00037"]:  # pop.00037: unused
        (gtzan / "genres" / track_id.split(".")[0] / f"{track_id}.wav").unlink()
    with pytest.raises(AudioFileNotFoundError) as info:
        load_gtzan(gtzan)
    message = str(info.value)
    assert message.startswith("2 of the 930 GTZAN audio files are missing: ")
    assert "'rock/rock.00099.wav', 'blues/blues.00000.wav' in " in message
    assert "pop.00037" not in message and "on_missing='warn'" in message
    assert info.value.filename == _path(gtzan, "rock.00099")
    assert isinstance(info.value, FileNotFoundError | ValueError)

    with pytest.warns(UserWarning, match=r"Left out 2 of the 930 GTZAN clips"):
        df = load_gtzan(gtzan, on_missing="warn")
    assert len(df) == 928
    assert df.attrs["missing"] == [
        _path(gtzan, "rock.00099"), _path(gtzan, "blues.00000")
    ]  # fmt: skip
    assert "rock.00099" not in df["track_id"].tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(load_gtzan(gtzan, on_missing="skip")) == 928


def test_many_missing_files_are_counted(gtzan):
    for wav in (gtzan / "genres" / "pop").iterdir():
        wav.unlink()
    with pytest.raises(AudioFileNotFoundError, match=r"^84 of the 930 ") as info:
        load_gtzan(gtzan)
    assert str(info.value).count("'pop/pop.") == 10
    assert "and 74 more" in str(info.value)
    df = load_gtzan(gtzan, split="all", on_missing="skip")
    assert len(df) == 900 and "pop" not in set(df["label"])


def test_unreadable_jazz_00054(gtzan):
    # the famous broken excerpt is in the training split
    (gtzan / "genres" / "jazz" / "jazz.00054.wav").write_bytes(b"\x00" * 4096)
    with pytest.warns(UserWarning, match=r"jazz/jazz.00054.wav") as record:
        df = load_gtzan(gtzan)
    assert "have no audio header libsndfile can read" in str(record[0].message)
    assert record[0].filename == __file__  # points at the caller
    assert (df["split"] == "train").sum() == 442
    assert df.attrs["unreadable"] == [_path(gtzan, "jazz.00054")]
    with pytest.raises(AudioDecodeError, match=r"^1 of the 930 GTZAN audio files"):
        load_gtzan(gtzan, on_unreadable="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(load_gtzan(gtzan, check_audio=False)) == 930
        assert len(load_gtzan(gtzan, on_unreadable="skip")) == 929


def test_raise_comes_before_any_warning(gtzan):
    (gtzan / "genres" / "jazz" / "jazz.00054.wav").write_bytes(b"")
    (gtzan / "genres" / "rock" / "rock.00099.wav").unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AudioDecodeError, match=r"jazz/jazz\.00054\.wav"):
            load_gtzan(gtzan, on_missing="warn", on_unreadable="raise")
    with pytest.warns(UserWarning) as record:
        df = load_gtzan(gtzan, on_missing="warn", on_unreadable="warn")
    assert [str(w.message).split(" whose ")[0] for w in record] == [
        "Left out 1 of the 930 GTZAN clips",
        "Left out 1 of the 930 GTZAN clips",
    ]
    assert "is missing: 'rock/rock.00099.wav'" in str(record[0].message)
    assert "are empty (0 bytes)" in str(record[1].message)
    assert df.attrs["missing"] == [_path(gtzan, "rock.00099")]
    assert df.attrs["unreadable"] == [_path(gtzan, "jazz.00054")]


def test_empty_files_are_unreadable_without_check_audio(gtzan):
    (gtzan / "genres" / "disco" / "disco.00005.wav").write_bytes(b"")
    with pytest.warns(UserWarning, match=r"are empty \(0 bytes\): 'disco/disco"):
        df = load_gtzan(gtzan, check_audio=False)
    assert len(df) == 929


def test_bad_root(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_gtzan(tmp_path / "nowhere")
    (tmp_path / "music").mkdir()
    with pytest.raises(FileNotFoundError, match=r"No GTZAN genre folders"):
        load_gtzan(tmp_path)


@pytest.mark.parametrize(
    "kwargs",
    [{"split": "train"}, {"on_missing": "ignore"}, {"check_audio": "yes"}],
)
def test_invalid_parameters(gtzan, kwargs):
    with pytest.raises(InvalidParameterError):
        load_gtzan(gtzan, **kwargs)


def test_paths_feed_the_audio_layer(gtzan):
    df = load_gtzan(gtzan)
    source = check_audio_input(df["path"].head(3), sr=8000)
    clips = [source[i] for i in range(3)]
    assert [c.shape for c in clips] == [(800,)] * 3
    assert np.abs(clips[0]).max() > 0.4


def test_home_folder_is_expanded(gtzan, monkeypatch):
    monkeypatch.setenv("HOME", str(gtzan))
    df = load_gtzan("~", split="all")
    assert df["path"].iloc[0] == _path(gtzan, "blues.00000")
