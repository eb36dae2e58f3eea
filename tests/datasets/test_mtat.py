import warnings

import numpy as np
import pytest
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_music import AudioDecodeError, AudioFileNotFoundError, check_audio_input
from sklearn_music.datasets import load_mtat

# Column order of the fixture's annotations_final.csv (tags as named there).
TAGS = ["no voice", "singer", "guitar", "classical", "slow", "techno", "strings",
        "drums"]  # fmt: skip
# Tag frequencies: guitar 5, classical 5 (tie: guitar comes first in the file),
# slow 4, techno 3, no voice 2, singer 1 and strings 1 (tie), drums 0.
BY_FREQUENCY = ["guitar", "classical", "slow", "techno", "no voice", "singer",
                "strings", "drums"]  # fmt: skip
CLIPS = {  # clip_id: (folder, tags)
    2: ("0", ["guitar", "classical"]),
    6: ("0", ["guitar", "no voice"]),
    10: ("5", ["classical", "slow"]),
    11: ("b", ["techno"]),
    15: ("b", []),
    20: ("c", ["guitar", "slow", "singer"]),
    25: ("c", ["classical"]),
    31: ("d", ["techno", "slow"]),
    40: ("e", ["guitar", "strings"]),
    41: ("e", ["classical", "no voice"]),
    50: ("f", ["techno", "slow", "guitar"]),
    57: ("f", ["classical"]),
}


def _mp3_path(clip_id):
    folder = CLIPS[clip_id][0]
    return f"{folder}/jacob_heringman-blame_not_my_lute-{clip_id:02d}-la_rosa-0-29.mp3"


@pytest.fixture
def mtat(tmp_path, put, mp3_bytes):
    """MagnaTagATune in its real layout: a TAB-separated, fully quoted
    annotations_final.csv and the mp3 folders beside it."""
    lines = ["\t".join(f'"{c}"' for c in ["clip_id", *TAGS, "mp3_path"])]
    for clip_id in [2, 10, 6, 11, 15, 20, 25, 31, 40, 41, 57, 50]:
        tags = CLIPS[clip_id][1]
        row = [str(clip_id), *("1" if t in tags else "0" for t in TAGS)]
        lines.append("\t".join(f'"{v}"' for v in [*row, _mp3_path(clip_id)]))
        put(tmp_path / _mp3_path(clip_id), mp3_bytes)
    (tmp_path / "annotations_final.csv").write_text("\n".join(lines) + "\n")
    return tmp_path


def _expected_tags(clip_id, names):
    return [t for t in names if t in CLIPS[clip_id][1]]


def test_standard_split_top3(mtat):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = load_mtat(mtat, n_tags=3)
    assert list(df.columns) == ["clip_id", "path", "tags", "split"]
    assert df["clip_id"].tolist() == [2, 6, 10, 11, 15, 20, 25, 31, 40, 41, 50, 57]
    assert df["split"].tolist() == ["train"] * 5 + ["valid"] * 2 + ["test"] * 5
    assert df["tags"].tolist() == [
        ["guitar", "classical"], ["guitar"], ["classical", "slow"], [], [],
        ["guitar", "slow"], ["classical"], ["slow"], ["guitar"], ["classical"],
        ["guitar", "slow"], ["classical"],
    ]  # fmt: skip
    assert df["path"].tolist() == [str(mtat / _mp3_path(c)) for c in df["clip_id"]]
    assert df.attrs["tag_names"] == ["guitar", "classical", "slow"]
    assert df.attrs["missing"] == [] and df.attrs["unreadable"] == []


@pytest.mark.parametrize("n_tags", [1, 2, 5, 8, None])
def test_tags_by_frequency_with_ties_in_file_order(mtat, n_tags):
    df, Y, names = load_mtat(mtat, n_tags=n_tags, return_y=True)
    expected = BY_FREQUENCY[:n_tags]
    assert names.tolist() == expected == df.attrs["tag_names"]
    assert Y.shape == (12, len(expected))
    for i, clip_id in enumerate(df["clip_id"]):
        assert df["tags"].iat[i] == _expected_tags(clip_id, expected)
        assert Y[i].tolist() == [int(t in CLIPS[clip_id][1]) for t in expected]


def test_n_tags_out_of_range(mtat):
    with pytest.raises(ValueError, match=r"n_tags=9 but .* has only 8 tags"):
        load_mtat(mtat, n_tags=9)
    with pytest.raises(InvalidParameterError):
        load_mtat(mtat, n_tags=0)


def test_drop_untagged(mtat):
    df = load_mtat(mtat, n_tags=3, drop_untagged=True)
    assert df["clip_id"].tolist() == [2, 6, 10, 20, 25, 31, 40, 41, 50, 57]
    df = load_mtat(mtat, n_tags=1, drop_untagged=True)
    assert df["clip_id"].tolist() == [2, 6, 20, 40, 50]


def test_all_clips_without_split(mtat):
    df = load_mtat(mtat, n_tags=None, split="all")
    assert df["clip_id"].tolist() == sorted(CLIPS)
    assert df["split"].isna().all()


def test_published_split_lists(mtat, tmp_path):
    # train.npy of Won et al. (2020): "index<TAB>path" strings
    train = tmp_path / "train.npy"
    entries = [f"{i}\t{_mp3_path(c)}" for i, c in enumerate([20, 2, 10])]
    np.save(train, np.array(entries))
    # a text list in the style of valid_list_pub.cP: paths ending in .npy
    valid = tmp_path / "valid.txt"
    valid.write_text(f"# valid\n{_mp3_path(31)[:-4]}.npy\n\n")
    df, Y, _ = load_mtat(
        mtat,
        n_tags=2,
        split={"train": train, "valid": valid, "test": np.array([57, 40])},
        return_y=True,
    )
    assert df["clip_id"].tolist() == [2, 10, 20, 31, 40, 57]
    assert df["split"].tolist() == ["train"] * 3 + ["valid", "test", "test"]
    assert df["tags"].tolist() == [
        ["guitar", "classical"], ["classical"], ["guitar"], [], ["guitar"],
        ["classical"],
    ]  # fmt: skip
    assert Y.tolist() == [[1, 1], [0, 1], [1, 0], [0, 0], [1, 0], [0, 1]]
    # lists as plain sequences of file names or of ids given as text
    df = load_mtat(mtat, n_tags=2, split={"test": [_mp3_path(6).split("/")[1], "11"]})
    assert df["clip_id"].tolist() == [6, 11]


def test_split_list_errors(mtat, tmp_path):
    with pytest.raises(ValueError, match=r"2 entries of the 'test' list name no"):
        load_mtat(mtat, n_tags=1, split={"test": [2, 3, "f/nothing-0-29.mp3"]})
    with pytest.raises(ValueError, match=r"in 'valid' and in another split.*\b2\b"):
        load_mtat(mtat, n_tags=1, split={"train": [2, 6], "valid": [2]})
    with pytest.raises(ValueError, match=r"keyed by 'train', 'valid', 'test'"):
        load_mtat(mtat, n_tags=1, split={"training": [2]})
    with pytest.raises(FileNotFoundError, match=r"'train' list file"):
        load_mtat(mtat, n_tags=1, split={"train": tmp_path / "train.npy"})
    bad = tmp_path / "bad.npy"
    np.save(bad, np.array([[2, 6]]))
    with pytest.raises(ValueError, match=r"must be 1-D"):
        load_mtat(mtat, n_tags=1, split={"train": bad})


def test_audio_in_mp3_folder(tmp_path, put, mp3_bytes):
    lines = ['"clip_id"\t"guitar"\t"mp3_path"', '"2"\t"1"\t"0/a-0-29.mp3"']
    (tmp_path / "annotations_final.csv").write_text("\n".join(lines) + "\n")
    put(tmp_path / "mp3" / "0" / "a-0-29.mp3", mp3_bytes)
    df = load_mtat(tmp_path, n_tags=1)
    assert df["path"].tolist() == [str(tmp_path / "mp3" / "0" / "a-0-29.mp3")]


def test_empty_mp3_files_are_reported(mtat):
    (mtat / _mp3_path(41)).write_bytes(b"")  # as the few 0-byte files of MTAT
    with pytest.warns(UserWarning, match=r"Left out 1 of the 12 MagnaTagATune"):
        df, Y, _ = load_mtat(mtat, n_tags=None, return_y=True)
    assert 41 not in df["clip_id"].tolist() and Y.shape == (11, 8)
    assert df.attrs["unreadable"] == [str(mtat / _mp3_path(41))]
    with pytest.raises(AudioDecodeError, match=r"e/jacob_heringman.*-41-"):
        load_mtat(mtat, n_tags=3, on_unreadable="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(load_mtat(mtat, n_tags=3, on_unreadable="skip")) == 11


def test_missing_mp3_files(mtat):
    (mtat / _mp3_path(25)).unlink()
    with pytest.raises(AudioFileNotFoundError, match=r"^1 of the 12 MagnaTagATune"):
        load_mtat(mtat, n_tags=3)
    with pytest.warns(UserWarning, match=r"c/jacob_heringman-blame_not_my_lute-25"):
        df = load_mtat(mtat, n_tags=3, on_missing="warn")
    assert df["split"].value_counts().to_dict() == {"train": 5, "test": 5, "valid": 1}


def test_check_audio_opens_headers(mtat):
    (mtat / _mp3_path(50)).write_bytes(b"ID3" + bytes(500))
    assert len(load_mtat(mtat, n_tags=3)) == 12
    with pytest.warns(UserWarning, match=r"no audio header"):
        assert len(load_mtat(mtat, n_tags=3, check_audio=True)) == 11


def test_malformed_annotations(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"annotations_final.csv"):
        load_mtat(tmp_path, n_tags=1)
    csv = tmp_path / "annotations_final.csv"
    csv.write_text("clip_id,guitar,mp3_path\n2,1,0/a.mp3\n")  # commas, not TABs
    with pytest.raises(ValueError, match=r"found 1 column\(s\) 'clip_id,guitar,mp3"):
        load_mtat(tmp_path, n_tags=1)
    csv.write_text("clip_id\tguitar\tpiano\tmp3_path\n2\t1\t2\t0/a.mp3\n")
    with pytest.raises(ValueError, match=r"only 0 and 1; these do not: 'piano'"):
        load_mtat(tmp_path, n_tags=1)
    csv.write_text("clip_id\tguitar\tmp3_path\n2\t1\t0/a.mp3\n2\t0\t1/b.mp3\n")
    with pytest.raises(ValueError, match=r"Duplicate clip ids .*: 2\.$"):
        load_mtat(tmp_path, n_tags=1)
    csv.write_text("clip_id\tguitar\tmp3_path\n2\t1\tg/a.mp3\n")
    with pytest.raises(ValueError, match=r"folder 0-f .* found folders 'g'"):
        load_mtat(tmp_path, n_tags=1)


def test_output_feeds_tagging_code(mtat):
    df = load_mtat(mtat, n_tags=3)
    Y = MultiLabelBinarizer(classes=df.attrs["tag_names"]).fit_transform(df["tags"])
    assert Y.shape == (12, 3)
    source = check_audio_input(df["path"], sr=8000)
    assert len(source) == 12 and source[0].ndim == 1 and source[0].size > 0
