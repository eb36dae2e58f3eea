"""``--on-error skip|raise`` of the CLI commands, and catalogue genres from a
class folder tree for ``recommend --method genre``."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from sklearn_music._model_file import load_model
from sklearn_music.cli import main
from sklearn_music.datasets import make_music

SR = 16000
COMMANDS = ["fit", "predict", "tag", "recommend", "features"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Class folders (2 styles x 6 clips) plus a corrupt and a silent file in
    one of them, and query files: good, corrupt, silent."""
    root = tmp_path_factory.mktemp("on_error")
    X, y = make_music(12, n_classes=2, duration=2.0, sr=SR, random_state=0)
    for i, (clip, label) in enumerate(zip(X, y, strict=True)):
        folder = root / "train" / label
        folder.mkdir(parents=True, exist_ok=True)
        sf.write(folder / f"clip{i:02d}.wav", clip, SR)
    (root / "query").mkdir()
    sf.write(root / "query" / "a_good.wav", X[0], SR)
    (root / "query" / "b_corrupt.wav").write_bytes(b"this is not audio")
    sf.write(root / "query" / "c_silent.wav", np.zeros(SR), SR)
    # the same faults inside a class folder
    bad = root / "train_bad"
    for label in sorted(set(y)):
        (bad / label).mkdir(parents=True)
        for path in (root / "train" / label).iterdir():
            (bad / label / path.name).write_bytes(path.read_bytes())
    first = sorted(set(y))[0]
    (bad / first / "corrupt.wav").write_bytes(b"this is not audio")
    sf.write(bad / first / "silent.wav", np.zeros(SR), SR)
    return root


@pytest.fixture(scope="module")
def model(data, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "gmm.skm"
    argv = ["fit", str(data / "train"), "--model", "tzanetakis", "-o", str(path)]
    assert main(argv) == 0
    return path


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_on_error(command, capsys):
    status, out, _ = run(capsys, command, "--help")
    assert status == 0
    assert "--on-error {raise,skip}" in " ".join(out.split())


def test_predict_raise_names_the_file(data, model, capsys):
    status, out, err = run(capsys, "predict", "-m", model, data / "query")
    assert status == 2 and out == ""
    assert "b_corrupt.wav" in err


def test_predict_skip_lists_the_files_on_stderr_and_in_the_table(
    data, model, capsys, tmp_path
):
    status, out, err = run(
        capsys, "predict", "-m", model, data / "query", "--on-error", "skip"
    )
    assert status == 0
    assert "skipped 2 files" in err
    assert "b_corrupt.wav" in err and "c_silent.wav" in err and "silent" in err
    lines = out.splitlines()
    assert lines[0].split() == ["path", "label", "probability", "error"]
    # one row per input file, in order; the good one is labelled
    assert [line.split()[0].rsplit("/", 1)[-1] for line in lines[1:]] == [
        "a_good.wav",
        "b_corrupt.wav",
        "c_silent.wav",
    ]
    assert len(lines[1].split()) == 3  # label and probability, no error
    assert "Could not decode" in lines[2] and "silent" in lines[3]
    # the CSV too
    csv = tmp_path / "p.csv"
    argv = ["predict", "-m", model, data / "query", "--on-error", "skip"]
    assert run(capsys, *argv, "--csv", csv)[0] == 0
    import pandas as pd

    frame = pd.read_csv(csv, keep_default_na=False)
    assert list(frame.columns) == ["path", "label", "probability", "error"]
    assert frame["error"].astype(bool).tolist() == [False, True, True]
    assert frame["label"].astype(bool).tolist() == [True, False, False]


def test_fit_skip_trains_on_the_usable_files(data, capsys, tmp_path):
    out_file = tmp_path / "m.skm"
    argv = ["fit", data / "train_bad", "--model", "tzanetakis", "-o", out_file]
    status, out, err = run(capsys, *argv)
    assert status == 2 and "corrupt.wav" in err  # raise is the default
    status, out, err = run(capsys, *argv, "--on-error", "skip")
    assert status == 0, err
    assert "data: 12 clips" in out and "skipped 2 unusable files" in out
    assert "corrupt.wav" in err and "silent.wav" in err
    skipped = load_model(out_file)["trained_on"]["skipped"]
    assert sorted(p.rsplit("/", 1)[-1] for p in skipped) == [
        "corrupt.wav",
        "silent.wav",
    ]


def test_features_skip_records_the_skipped_files(data, capsys, tmp_path):
    out_file = tmp_path / "f.npz"
    status, out, err = run(
        capsys, "features", data / "query", "-o", out_file, "--kind", "mel",
        "--on-error", "skip",
    )  # fmt: skip
    assert status == 0, err
    saved = np.load(out_file)
    assert [p.rsplit("/", 1)[-1] for p in saved["paths"]] == ["a_good.wav"]
    assert sorted(p.rsplit("/", 1)[-1] for p in saved["skipped"]) == [
        "b_corrupt.wav",
        "c_silent.wav",
    ]
    assert saved["X"].shape[0] == 1
    assert "skipped 2 unusable files" in out and "b_corrupt.wav" in err


def test_recommend_skip_and_folder_genres(data, model, capsys):
    # a corrupt file in the catalogue and in the queries
    status, out, err = run(
        capsys, "recommend", "--catalogue", data / "train_bad", "--query",
        data / "query", "-m", model, "-k", "2", "--on-error", "skip",
        "--method", "genre",
    )  # fmt: skip
    assert status == 0, err
    assert "skipped 2 catalogue files" in err and "skipped 2 query files" in err
    assert "skipped 2 unusable catalogue files" in out
    lines = out.splitlines()
    header = lines[0].split()
    assert header[:3] == ["query", "rank", "id"] and header[-1] == "error"
    # the catalogue's genres are its folder names, and the note says so
    assert "catalogue genres from" in err and "the model predicts the genre" in err
    rows = [line.split() for line in lines[1:3]]
    genre = header.index("genre")
    for row in rows:
        assert row[genre] == row[header.index("id")].split("/")[0]
    assert "b_corrupt.wav" in lines[3] and "Could not decode" in lines[3]


def test_recommend_genre_refuses_unknown_folder_genres(data, model, capsys, tmp_path):
    catalogue = tmp_path / "cat"
    for name in ("jazz", "folk"):
        (catalogue / name).mkdir(parents=True)
        src = next((data / "train").rglob("*.wav"))
        (catalogue / name / "x.wav").write_bytes(src.read_bytes())
    status, _, err = run(
        capsys, "recommend", "--catalogue", catalogue, "--query",
        data / "query" / "a_good.wav", "-m", model, "--method", "genre",
    )  # fmt: skip
    assert status == 2
    assert "none of the catalogue's genres (folk, jazz)" in err


def test_predict_says_when_probabilities_are_saturated(data, model, capsys):
    # a Gaussian mixture per class over 30 features: posteriors of 0 or 1
    status, out, err = run(capsys, "predict", "-m", model, data / "train")
    assert status == 0
    probabilities = [float(line.split()[-1]) for line in out.splitlines()[1:]]
    assert sum(p >= 0.99995 for p in probabilities) >= len(probabilities) / 2
    assert "probabilities round to 1.0000" in err
    assert "overconfident (Gaussian mixtures over 30 features" in err
