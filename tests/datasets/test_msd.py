import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_music import AudioDecodeError, AudioFileNotFoundError
from sklearn_music.datasets import load_msd_tags

# tags.py of the split of Choi et al. (2016), in column order
CHOI_TAGS = [
    "rock", "pop", "alternative", "indie", "electronic", "female vocalists",
    "dance", "00s", "alternative rock", "jazz", "beautiful", "metal",
    "chillout", "male vocalists", "classic rock", "soul", "indie rock",
    "Mellow", "electronica", "80s", "folk", "90s", "chill", "instrumental",
    "punk", "oldies", "blues", "hard rock", "ambient", "acoustic",
    "experimental", "female vocalist", "guitar", "Hip-Hop", "70s", "party",
    "country", "easy listening", "sexy", "catchy", "funk", "electro",
    "heavy metal", "Progressive rock", "60s", "rnb", "indie pop", "sad",
    "House", "happy",
]  # fmt: skip
SPLITS = {  # split: {track_id: tags}, in the order of the *_x_msd_id.txt files
    "train": {
        "TRYLROL128F931C1A7": ["rock", "indie"],
        "TRAAAAW128F429D538": ["jazz"],
        "TRMYBAB128F4243432": ["female vocalists", "happy"],
    },
    "valid": {"TRYMBCM128F425866B": ["rock", "House"]},
    "test": {
        "TRAADIN128F931D672": ["Hip-Hop"],
        "TRAADQW128F427CE68": ["pop", "dance", "sexy"],
    },
}
ALL = {t: tags for split in SPLITS.values() for t, tags in split.items()}


def _preview(root, track_id):
    return root / track_id[2] / track_id[3] / track_id[4] / f"{track_id}.mp3"


@pytest.fixture
def audio_root(tmp_path, put, mp3_bytes):
    root = tmp_path / "previews"
    for track_id in ALL:
        put(_preview(root, track_id), mp3_bytes)
    return root


@pytest.fixture
def choi(tmp_path):
    """The split folder of Choi et al.: one id list and one 0/1 matrix per split."""
    folder = tmp_path / "MSD_split_for_tagging"
    folder.mkdir()
    for split, tracks in SPLITS.items():
        (folder / f"{split}_x_msd_id.txt").write_text("\n".join(tracks) + "\n")
        Y = np.array([[int(t in tags) for t in CHOI_TAGS] for tags in tracks.values()])
        np.save(folder / f"{split}_y.npy", Y)
    return folder


def test_choi_split_folder(choi, audio_root):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df, Y, names = load_msd_tags(choi, audio_root, return_y=True)
    assert list(df.columns) == ["track_id", "path", "tags", "split"]
    assert names.tolist() == CHOI_TAGS == df.attrs["tag_names"]
    assert df["track_id"].tolist() == [
        "TRAAAAW128F429D538", "TRMYBAB128F4243432", "TRYLROL128F931C1A7",
        "TRYMBCM128F425866B", "TRAADIN128F931D672", "TRAADQW128F427CE68",
    ]  # fmt: skip
    assert df["split"].tolist() == ["train"] * 3 + ["valid"] + ["test"] * 2
    assert df["tags"].tolist() == [
        ["jazz"], ["female vocalists", "happy"], ["rock", "indie"],
        ["rock", "House"], ["Hip-Hop"], ["pop", "dance", "sexy"],
    ]  # fmt: skip
    assert df["path"].iloc[0] == str(audio_root / "A/A/A/TRAAAAW128F429D538.mp3")
    assert Y.shape == (6, 50)
    for i, tags in enumerate(df["tags"]):
        assert names[Y[i] == 1].tolist() == tags


def test_choi_folder_with_only_some_splits(choi, audio_root):
    (choi / "train_x_msd_id.txt").unlink()
    (choi / "valid_x_msd_id.txt").unlink()
    df = load_msd_tags(choi, audio_root)
    assert df["split"].tolist() == ["test", "test"]


def test_choi_folder_errors(choi, audio_root, tmp_path):
    np.save(choi / "valid_y.npy", np.zeros((2, 50), dtype=int))
    with pytest.raises(ValueError, match=r"shape \(2, 50\); expected \(1, 50\)"):
        load_msd_tags(choi, audio_root)
    (choi / "valid_y.npy").unlink()
    with pytest.raises(FileNotFoundError, match=r"no matching tag matrix"):
        load_msd_tags(choi, audio_root)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match=r"train_x_msd_id.txt"):
        load_msd_tags(empty, audio_root)
    with pytest.raises(FileNotFoundError, match=r"annotations not found"):
        load_msd_tags(tmp_path / "nothing.tsv", audio_root)


def test_tag_list_file(tmp_path, audio_root):
    csv = tmp_path / "msd_lastfm_tags.csv"
    rows = [f'{t},"{",".join(tags)}",{s}' for s, ts in SPLITS.items()
            for t, tags in ts.items()]  # fmt: skip
    csv.write_text("track_id,tags,split\n" + "\n".join(rows) + "\n")
    df, Y, names = load_msd_tags(csv, audio_root, return_y=True)
    # rock is the most frequent; the others, once each, by name
    assert names.tolist() == [
        "rock", "Hip-Hop", "House", "dance", "female vocalists", "happy", "indie",
        "jazz", "pop", "sexy",
    ]  # fmt: skip
    assert df.set_index("track_id")["tags"].to_dict() == {
        "TRYLROL128F931C1A7": ["rock", "indie"],
        "TRAAAAW128F429D538": ["jazz"],
        "TRMYBAB128F4243432": ["female vocalists", "happy"],
        "TRYMBCM128F425866B": ["rock", "House"],
        "TRAADIN128F931D672": ["Hip-Hop"],
        "TRAADQW128F427CE68": ["dance", "pop", "sexy"],
    }
    assert Y.sum(axis=0).tolist() == [2, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    assert df["split"].tolist() == ["train"] * 3 + ["valid"] + ["test"] * 2


def test_indicator_tsv_without_split(tmp_path, audio_root):
    tsv = tmp_path / "tags.tsv"
    lines = ["track_id\tsad\trock"]
    lines += [f"{t}\t{int('sad' in g)}\t{int('rock' in g)}" for t, g in ALL.items()]
    tsv.write_text("\n".join(lines) + "\n")
    df = load_msd_tags(tsv, audio_root)
    assert df.attrs["tag_names"] == ["sad", "rock"]
    assert df["track_id"].tolist() == sorted(ALL)
    assert df["split"].isna().all()
    assert df.set_index("track_id")["tags"]["TRYMBCM128F425866B"] == ["rock"]


def test_dataframe_with_lists_and_a_custom_separator(audio_root):
    table = pd.DataFrame({"track_id": list(ALL), "tags": list(ALL.values())})
    df = load_msd_tags(table, audio_root)
    assert df.set_index("track_id")["tags"]["TRAADQW128F427CE68"] == [
        "dance", "pop", "sexy"
    ]  # fmt: skip
    table["tags"] = ["|".join(t) for t in ALL.values()]
    table.loc[0, "tags"] = np.nan
    df = load_msd_tags(table, audio_root, tag_sep="|")
    assert df.set_index("track_id")["tags"]["TRYLROL128F931C1A7"] == []


def test_path_mapping_and_callable(tmp_path, put, mp3_bytes):
    seven = {"TRAAAAW128F429D538": "8/9/8947470.clip.mp3",
             "TRYLROL128F931C1A7": "3/9/3974574.clip.mp3"}  # fmt: skip
    for path in seven.values():
        put(tmp_path / "7digital" / path, mp3_bytes)
    table = pd.DataFrame({"track_id": list(seven), "tags": ["jazz", "rock"]})
    df = load_msd_tags(table, tmp_path / "7digital", path_template=seven)
    assert df["path"].tolist() == [
        str(tmp_path / "7digital/8/9/8947470.clip.mp3"),
        str(tmp_path / "7digital/3/9/3974574.clip.mp3"),
    ]
    df2 = load_msd_tags(table, tmp_path / "7digital", path_template=seven.get)
    assert df2["path"].tolist() == df["path"].tolist()
    with pytest.raises(ValueError, match=r"no entry for 1 track id\(s\): 'TRAA"):
        load_msd_tags(table, tmp_path, path_template={"TRYLROL128F931C1A7": "x.mp3"})


def test_template_that_does_not_fit(tmp_path):
    table = pd.DataFrame({"track_id": ["TR1"], "tags": ["rock"]})
    with pytest.raises(ValueError, match=r"does not fit track id 'TR1'"):
        load_msd_tags(table, tmp_path)
    put_path = tmp_path / "TR1.wav"
    put_path.write_bytes(b"RIFF")
    df = load_msd_tags(table, tmp_path, path_template="{track_id}.wav")
    assert df["path"].tolist() == [str(put_path)]


def test_missing_previews(choi, audio_root):
    for track_id in ["TRYLROL128F931C1A7", "TRAADIN128F931D672"]:
        _preview(audio_root, track_id).unlink()
    with pytest.raises(AudioFileNotFoundError) as info:
        load_msd_tags(choi, audio_root)
    assert str(info.value).startswith(
        "2 of the 6 MSD preview audio files are missing: "
        "'Y/L/R/TRYLROL128F931C1A7.mp3', 'A/A/D/TRAADIN128F931D672.mp3' in "
    )
    with pytest.warns(UserWarning, match=r"Left out 2 of the 6 MSD preview clips"):
        df, Y, names = load_msd_tags(choi, audio_root, on_missing="warn", return_y=True)
    assert df["track_id"].tolist() == [
        "TRAAAAW128F429D538", "TRMYBAB128F4243432", "TRYMBCM128F425866B",
        "TRAADQW128F427CE68",
    ]  # fmt: skip
    assert [names[row == 1].tolist() for row in Y] == df["tags"].tolist()
    assert len(df.attrs["missing"]) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(load_msd_tags(choi, audio_root, on_missing="skip")) == 4


def test_empty_previews(choi, audio_root):
    _preview(audio_root, "TRAADQW128F427CE68").write_bytes(b"")
    with pytest.warns(UserWarning, match=r"A/A/D/TRAADQW128F427CE68.mp3"):
        df = load_msd_tags(choi, audio_root)
    assert len(df) == 5
    with pytest.raises(AudioDecodeError):
        load_msd_tags(choi, audio_root, on_unreadable="raise")


@pytest.mark.parametrize(
    "table, message",
    [
        ({"id": ["TRAAAAW128F429D538"], "tags": ["rock"]}, r"need a track_id column"),
        (
            {"track_id": ["TRAAAAW128F429D538"] * 2, "tags": ["rock", "pop"]},
            r"listed more than once .*: 'TRAAAAW128F429D538'",
        ),
        (
            {"track_id": ["TRAAAAW128F429D538"], "tags": ["rock"], "split": ["dev"]},
            r"Unexpected split value\(s\) .*: 'dev'",
        ),
        (
            {"track_id": ["TRAAAAW128F429D538"], "rock": [1], "year": [1999]},
            r"0/1 tag indicator; these are not: 'year'",
        ),
        ({"track_id": ["TRAAAAW128F429D538"]}, r"need a tags column"),
    ],
)
def test_malformed_tables(audio_root, table, message):
    with pytest.raises(ValueError, match=message):
        load_msd_tags(pd.DataFrame(table), audio_root)


def test_invalid_parameters(choi, audio_root):
    with pytest.raises(InvalidParameterError):
        load_msd_tags(choi, audio_root, on_missing="drop")
    with pytest.raises(InvalidParameterError):
        load_msd_tags(choi, audio_root, path_template=3)
