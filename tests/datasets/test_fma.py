import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_music import AudioDecodeError, AudioFileNotFoundError
from sklearn_music.datasets import load_fma

# genre_id: (parent, title, top_level), as in genres.csv
GENRES = {
    1: (38, "Avant-Garde", 38),
    10: (0, "Pop", 10),
    12: (0, "Rock", 12),
    15: (0, "Electronic", 15),
    17: (0, "Folk", 17),
    21: (0, "Hip-Hop", 21),
    25: (12, "Punk", 12),
    38: (0, "Experimental", 38),
}
# track_id: (split, subset, genre_top, genres, genres_all), as in tracks.csv
TRACKS = {
    2: ("training", "small", "Hip-Hop", "[21]", "[21]"),
    3: ("training", "medium", "Hip-Hop", "[21]", "[21]"),
    5: ("validation", "small", "Hip-Hop", "[21]", "[21]"),
    10: ("training", "small", "Pop", "[10]", "[10]"),
    134: ("test", "small", "Hip-Hop", "[21]", "[21]"),
    140: ("training", "large", None, "[10, 17]", "[17, 10]"),
    141: ("test", "medium", "Folk", "[17]", "[17]"),
    148: ("validation", "large", "Experimental", "[1]", "[1, 38]"),
    182: ("training", "medium", "Rock", "[25]", "[25, 12]"),
    98565: ("test", "small", "Rock", "[25]", "[25, 12]"),
    99134: ("training", "small", "Electronic", "[15]", "[15]"),
    133297: ("training", "small", "Electronic", "[15]", "[15]"),
}
SMALL = {"train": [2, 10, 99134, 133297], "valid": [5], "test": [134, 98565]}


def _write_metadata(folder, tracks=TRACKS):
    """tracks.csv with its two header rows and genres.csv, as in fma_metadata."""
    folder.mkdir(exist_ok=True)
    columns = pd.MultiIndex.from_tuples(
        [("album", "title"), ("artist", "name"), ("set", "split"),
         ("set", "subset"), ("track", "genre_top"), ("track", "genres"),
         ("track", "genres_all"), ("track", "title")]
    )  # fmt: skip
    rows = [
        ["Album", f"Artist {t}", *values, f"Track {t}"] for t, values in tracks.items()
    ]
    index = pd.Index(list(tracks), name="track_id")
    pd.DataFrame(rows, index=index, columns=columns).to_csv(folder / "tracks.csv")
    genres = pd.DataFrame(
        [(100, *values) for values in GENRES.values()],
        index=pd.Index(list(GENRES), name="genre_id"),
        columns=["#tracks", "parent", "title", "top_level"],
    )
    genres.to_csv(folder / "genres.csv")


def _audio(root, track_id):
    return root / f"{track_id:06d}"[:3] / f"{track_id:06d}.mp3"


@pytest.fixture
def fma(tmp_path, put, mp3_bytes):
    """fma_metadata/ and fma_large/ (every track has audio)."""
    _write_metadata(tmp_path / "fma_metadata")
    for track_id in TRACKS:
        put(_audio(tmp_path / "fma_large", track_id), mp3_bytes)
    return tmp_path / "fma_large", tmp_path / "fma_metadata"


def test_tracks_csv_has_the_real_header(fma):
    lines = (fma[1] / "tracks.csv").read_text().splitlines()
    assert lines[0].startswith(",album,artist,set,set,track")
    assert lines[1].startswith(",title,name,split,subset,genre_top")
    assert lines[2].startswith("track_id,,,")


def test_small_subset(fma):
    root, meta = fma
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = load_fma(root, meta)
    assert list(df.columns) == ["track_id", "path", "label", "split"]
    assert df["track_id"].tolist() == [t for s in SMALL.values() for t in s]
    assert df["split"].tolist() == ["train"] * 4 + ["valid"] + ["test"] * 2
    assert df["label"].tolist() == [
        "Hip-Hop", "Pop", "Electronic", "Electronic", "Hip-Hop", "Hip-Hop", "Rock"
    ]  # fmt: skip
    assert df["path"].iloc[0] == str(root / "000" / "000002.mp3")
    assert df["path"].iloc[-1] == str(root / "098" / "098565.mp3")
    assert df["track_id"].dtype == np.int64


def test_medium_includes_small(fma):
    df = load_fma(*fma, subset="medium")
    assert df["track_id"].tolist() == [
        2, 3, 10, 182, 99134, 133297, 5, 134, 141, 98565
    ]  # fmt: skip
    assert df.set_index("track_id").loc[182, "label"] == "Rock"


@pytest.mark.parametrize("subset", ["large", "full"])
def test_large_and_full_are_multilabel(fma, subset):
    df = load_fma(*fma, subset=subset)
    assert list(df.columns) == ["track_id", "path", "tags", "split"]
    assert sorted(df["track_id"]) == sorted(TRACKS)
    tags = df.set_index("track_id")["tags"]
    assert tags[140] == ["Folk", "Pop"]
    assert tags[148] == ["Avant-Garde", "Experimental"]
    assert tags[182] == ["Punk", "Rock"]
    assert tags[2] == ["Hip-Hop"]


def test_targets(fma):
    df = load_fma(*fma, subset="large", target="genre_top")
    assert 140 not in df["track_id"].tolist()  # no top-level genre
    assert df.set_index("track_id").loc[148, "label"] == "Experimental"
    df = load_fma(*fma, target="genres")
    assert df.set_index("track_id").loc[98565, "tags"] == ["Punk"]
    df = load_fma(*fma, subset="medium", target="genres_all")
    assert df.set_index("track_id").loc[182, "tags"] == ["Punk", "Rock"]


def test_broken_files_are_reported(fma):
    root, meta = fma
    _audio(root, 133297).write_bytes(b"")  # empty
    _audio(root, 99134).write_bytes(b"ID3" + bytes(400))  # a tag, no audio
    with pytest.warns(UserWarning, match=r"are empty \(0 bytes\): '133/133297.mp3'"):
        df = load_fma(root, meta)
    assert df.attrs["unreadable"] == [str(_audio(root, 133297))]
    assert 99134 in df["track_id"].tolist() and len(df) == 6
    with pytest.warns(UserWarning, match=r"Left out 2 of the 7 FMA small") as record:
        df = load_fma(root, meta, check_audio=True)
    assert "'099/099134.mp3', '133/133297.mp3'" in str(record[0].message)
    assert df["track_id"].tolist() == [2, 10, 5, 134, 98565]
    with pytest.raises(AudioDecodeError, match=r"133/133297.mp3"):
        load_fma(root, meta, on_unreadable="raise")


def test_missing_files(fma, tmp_path):
    root, meta = fma
    small = tmp_path / "fma_small"
    for track_id in [t for s in SMALL.values() for t in s]:
        small.joinpath(_audio(root, track_id).relative_to(root)).parent.mkdir(
            parents=True, exist_ok=True
        )
        _audio(root, track_id).rename(_audio(small, track_id))
    assert len(load_fma(small, meta)) == 7
    with pytest.raises(AudioFileNotFoundError) as info:
        load_fma(small, meta, subset="medium")
    assert str(info.value).startswith(
        "3 of the 10 FMA medium audio files are missing: '000/000003.mp3', "
        "'000/000182.mp3', '000/000141.mp3' in "
    )
    with pytest.warns(UserWarning, match=r"Left out 3 of the 10 FMA medium clips"):
        df = load_fma(small, meta, subset="medium", on_missing="warn")
    assert len(df) == 7 and len(df.attrs["missing"]) == 3


def test_missing_metadata(fma, tmp_path):
    root, meta = fma
    with pytest.raises(FileNotFoundError, match=r"tracks.csv"):
        load_fma(root, tmp_path)
    (meta / "genres.csv").unlink()
    assert len(load_fma(root, meta)) == 7  # genre_top needs no genre table
    with pytest.raises(FileNotFoundError, match=r"genres.csv"):
        load_fma(root, meta, subset="large")


def _bad_tracks(meta, track_id, field, value):
    tracks = dict(TRACKS)
    values = list(tracks[track_id])
    values[field] = value
    tracks[track_id] = tuple(values)
    _write_metadata(meta, tracks)


@pytest.mark.parametrize(
    "track_id, field, value, subset, message",
    [
        (2, 1, "tiny", "small", r"Unexpected \('set', 'subset'\) value\(s\).*'tiny'"),
        (5, 0, "holdout", "small", r"\('set', 'split'\) value\(s\).*'holdout'"),
        (148, 4, "[1, 999]", "large", r"absent from genres.csv: 999\.$"),
        (182, 4, "25", "large", r"lists of genre ids .* track\(s\) 182\.$"),
    ],
)
def test_malformed_tracks(fma, track_id, field, value, subset, message):
    root, meta = fma
    _bad_tracks(meta, track_id, field, value)
    with pytest.raises(ValueError, match=message):
        load_fma(root, meta, subset=subset)


def test_flat_tracks_table(fma):
    root, meta = fma
    (meta / "tracks.csv").write_text("track_id,genre_top\n2,Hip-Hop\n")
    with pytest.raises(ValueError, match=r"FMA tracks"):
        load_fma(root, meta)


def test_invalid_parameters(fma):
    with pytest.raises(InvalidParameterError):
        load_fma(*fma, subset="tiny")
    with pytest.raises(InvalidParameterError):
        load_fma(*fma, target="genre")
