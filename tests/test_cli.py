"""The ``sklearn-music`` command line, run in-process through ``main``."""

from __future__ import annotations

import joblib
import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from sklearn_music import __version__
from sklearn_music._model_file import MODEL_FORMAT, load_model
from sklearn_music.cli import CLIError, main
from sklearn_music.cli._inputs import find_audio, read_labelled
from sklearn_music.datasets import make_music

SR = 16000
# A CRNN small enough to train in a second: 40 mel bands at 16 kHz, 2 s clips
# (126 frames, more than the 96 its pools need).
TINY_CRNN = ["--preset", "won2020", "--n-mels", "40", "--param-budget", "1e4"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A class-folder tree (2 styles x 8 clips), a tagged CSV and odd files."""
    root = tmp_path_factory.mktemp("cli")
    X, y = make_music(16, n_classes=2, duration=2.0, sr=SR, random_state=0)
    for i, (clip, label) in enumerate(zip(X, y, strict=True)):
        folder = root / "train" / label
        folder.mkdir(parents=True, exist_ok=True)
        sf.write(folder / f"clip{i:02d}.wav", clip, SR)
    (root / "train" / "README.txt").write_text("not audio")
    Xm, Y, names = make_music(
        12, multilabel=True, n_tags=3, duration=2.0, sr=SR, random_state=1,
        return_names=True,
    )  # fmt: skip
    (root / "tagged").mkdir()
    rows = []
    for i, (clip, row) in enumerate(zip(Xm, Y, strict=True)):
        sf.write(root / "tagged" / f"t{i:02d}.flac", clip, SR)
        rows.append(
            {"path": f"tagged/t{i:02d}.flac", "tags": ";".join(names[row == 1])}
        )
    pd.DataFrame(rows).to_csv(root / "tags.csv", index=False)
    (root / "empty").mkdir()
    (root / "broken.joblib").write_bytes(b"not a model")
    return root


def run(capsys, *argv):
    """``main(argv)`` -> (status, stdout, stderr)."""
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def table(text: str) -> pd.DataFrame:
    """Parse a table printed by the CLI (columns separated by 2+ spaces)."""
    lines = [line for line in text.splitlines() if line.strip()]
    rows = [line.split() for line in lines]
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.fixture(scope="module")
def gmm_model(data, tmp_path_factory):
    """The Tzanetakis model fitted by ``fit`` on the class folders."""
    path = tmp_path_factory.mktemp("models") / "gmm.joblib"
    assert main(["fit", str(data / "train"), "--model", "tzanetakis",
                 "-o", str(path)]) == 0  # fmt: skip
    return path


# ----------------------------------------------------------------------------
# the parser


def test_help_version_and_missing_command(capsys):
    status, out, _ = run(capsys, "--help")
    assert status == 0
    for command in ["demo", "fit", "predict", "tag", "recommend", "features"]:
        assert command in out
    status, out, _ = run(capsys, "--version")
    assert status == 0 and f"sklearn-music {__version__}" in out
    status, _, err = run(capsys)
    assert status == 2 and "usage: sklearn-music" in err
    status, _, err = run(capsys, "fit", "x", "--model", "resnet")
    assert status == 2 and "invalid choice: 'resnet'" in err
    status, _, err = run(capsys, "tag", "x.wav", "-m", "m.joblib", "--threshold", "2")
    assert status == 2 and "must be between 0 and 1" in err


def test_choices_come_from_the_registries(capsys, monkeypatch):
    from sklearn_music.features import PRESETS
    from sklearn_music.models import ARCHITECTURES, ArchitectureSpec, CRNNModule

    status, out, _ = run(capsys, "fit", "--help")
    assert status == 0
    assert "--preset {" + ",".join(PRESETS) + "}" in out
    assert "--model {crnn," in out and ",tzanetakis}" in out
    for key in ARCHITECTURES:
        assert f"{key}" in out.split("--model {")[1].split("}")[0]

    # a newly registered architecture or preset is offered and described
    toy = ArchitectureSpec(
        "toynet", CRNNModule, ("conv_widths",), description="a toy network"
    )
    monkeypatch.setitem(ARCHITECTURES, "toynet", toy)
    monkeypatch.setitem(PRESETS, "toy2025", dict(PRESETS["won2020"]))
    status, out, _ = run(capsys, "fit", "--help")
    assert status == 0
    assert ",toynet,tzanetakis}" in out and "toynet: a toy network" in " ".join(
        out.split()
    )
    assert ",toy2025}" in out
    status, out, _ = run(capsys, "features", "--help")
    assert status == 0 and ",toy2025}" in out


def test_subcommand_arguments_are_added_when_used():
    from sklearn_music.cli._main import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    fit = sub.choices["fit"]
    # only the common options until fit runs or shows its help
    assert "--model" not in fit._option_string_actions
    fit.format_usage()
    assert "--model" in fit._option_string_actions
    args = parser.parse_args(["fit", "data", "--model", "tzanetakis"])
    assert args.model == "tzanetakis" and args.run.__module__.endswith("_fit")


# ----------------------------------------------------------------------------
# finding files


def test_find_audio_scans_folders_recursively_and_sorted(tmp_path):
    for name in ["b/2.wav", "b/1.FLAC", "a.mp3", "c/d/3.ogg", "notes.txt",
                 ".hidden/4.wav", "b/._5.wav", "e/notes.txt"]:  # fmt: skip
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    found = find_audio([tmp_path])
    assert found == [str(tmp_path / n) for n in ["a.mp3", "b/1.FLAC", "b/2.wav",
                                                 "c/d/3.ogg"]]  # fmt: skip
    # files are taken as given, whatever their extension, in argument order
    assert find_audio([tmp_path / "notes.txt", tmp_path / "a.mp3"]) == [
        str(tmp_path / "notes.txt"), str(tmp_path / "a.mp3"),
    ]  # fmt: skip
    # a hidden folder named explicitly is searched
    assert find_audio([tmp_path / ".hidden"]) == [str(tmp_path / ".hidden/4.wav")]
    with pytest.raises(CLIError, match=r"no audio files \(.wav.*\) found in folder"):
        find_audio([tmp_path / "e"])
    with pytest.raises(CLIError, match=r"no such file or folder: 'missing\.wav'"):
        find_audio(["missing.wav"])


def test_read_labelled_folder_tree_and_csv(data, tmp_path):
    files, labels, multilabel = read_labelled(data / "train")
    assert not multilabel and len(files) == 16 and set(labels) == {"rock", "waltz"}
    assert all(f"/{label}/" in f for f, label in zip(files, labels, strict=True))

    files, tags, multilabel = read_labelled(data / "tags.csv")
    assert multilabel and len(files) == 12
    assert all(isinstance(t, list) for t in tags)
    assert files[0] == str(data / "tagged" / "t00.flac")  # relative to the CSV

    # single labels, and tags written as Python lists (a DataFrame's to_csv)
    wav = find_audio([data / "train" / "rock"])[0]
    pd.DataFrame({"path": [wav], "label": ["rock"]}).to_csv(tmp_path / "l.csv")
    assert read_labelled(tmp_path / "l.csv") == ([wav], ["rock"], False)
    pd.DataFrame({"path": [wav], "tags": ["['a', 'b c']"]}).to_csv(tmp_path / "t.csv")
    assert read_labelled(tmp_path / "t.csv")[1] == [["a", "b c"]]

    pd.DataFrame({"path": [wav], "genre": ["x"]}).to_csv(tmp_path / "g.csv")
    with pytest.raises(CLIError, match=r"'label' column .* or a 'tags' column"):
        read_labelled(tmp_path / "g.csv")
    pd.DataFrame({"path": ["nope.wav"], "label": ["x"]}).to_csv(tmp_path / "m.csv")
    with pytest.raises(CLIError, match=r"a file listed in .* does not exist"):
        read_labelled(tmp_path / "m.csv")
    with pytest.raises(CLIError, match="no class folders"):
        read_labelled(data / "train" / "rock")


# ----------------------------------------------------------------------------
# fit, predict, tag


def test_fit_predict_round_trip(data, gmm_model, capsys, tmp_path):
    bundle = load_model(gmm_model)
    assert bundle["format"] == MODEL_FORMAT
    assert bundle["sklearn_music_version"] == __version__
    assert bundle["model"] == "tzanetakis" and bundle["task"] == "multiclass"
    assert bundle["classes"] == ["rock", "waltz"]

    out_csv = tmp_path / "pred.csv"
    status, out, _ = run(
        capsys, "predict", "-m", gmm_model, data / "train", "--csv", out_csv
    )
    assert status == 0 and "wrote 16 predictions" in out
    pred = pd.read_csv(out_csv)
    assert list(pred.columns) == ["path", "label", "probability"]
    truth = pred["path"].str.split("/").str[-2]
    assert (pred["label"] == truth).mean() >= 0.9  # rows belong to their files
    assert pred["probability"].between(0.5, 1).all()

    # the printed table has the same content
    one = data / "train" / "waltz"
    status, out, _ = run(capsys, "predict", "-m", gmm_model, one)
    printed = table(out)
    assert status == 0 and len(printed) == 8
    assert set(printed["label"]) <= {"rock", "waltz"}


def test_fit_neural_with_validation_split(data, capsys, tmp_path):
    model = tmp_path / "crnn.joblib"
    status, out, _ = run(
        capsys, "fit", data / "train", *TINY_CRNN, "--epochs", "2",
        "--valid-split", "0.25", "-o", model,
    )  # fmt: skip
    assert status == 0, out
    assert "validation accuracy:" in out and "on 4 clips" in out
    assert "trained crnn (CRNNClassifier, " in out
    bundle = load_model(model)
    pipe = bundle["pipeline"]
    assert pipe.named_steps["clf"].param_budget == 1e4
    assert pipe.named_steps["mel"].n_mels == 40
    assert bundle["trained_on"]["n_clips"] == 12

    files = find_audio([data / "train" / "rock"])
    status, out, _ = run(capsys, "predict", "-m", model, *files)
    printed = table(out)
    assert status == 0
    assert list(printed["path"]) == files
    np.testing.assert_array_equal(printed["label"], pipe.predict(files))


def test_tag_multilabel_csv(data, capsys, tmp_path):
    model = tmp_path / "tagger.joblib"
    status, out, _ = run(
        capsys, "fit", data / "tags.csv", *TINY_CRNN, "--epochs", "2", "-o", model
    )
    assert status == 0 and "12 clips with 3 tags" in out
    bundle = load_model(model)
    assert bundle["task"] == "multilabel" and len(bundle["classes"]) == 3

    out_csv = tmp_path / "tags.csv"
    status, out, _ = run(
        capsys, "tag", "-m", model, data / "tagged", "--top-k", "2",
        "--threshold", "0.3", "--csv", out_csv,
    )  # fmt: skip
    assert status == 0
    tags = pd.read_csv(out_csv, keep_default_na=False)
    assert list(tags.columns) == ["path", "tags", "tag_1", "p_1", "tag_2", "p_2"]
    assert len(tags) == 12
    assert (tags["p_1"] >= tags["p_2"]).all()
    assert set(tags["tag_1"]) | set(tags["tag_2"]) <= set(bundle["classes"])
    proba = bundle["pipeline"].predict_proba(list(tags["path"]))
    for row, p in zip(tags.itertuples(), proba, strict=True):
        expected = {bundle["classes"][j] for j in np.flatnonzero(p >= 0.3)}
        assert set(filter(None, row.tags.split(";"))) == expected

    # each command refuses the other kind of model
    status, _, err = run(capsys, "predict", "-m", model, data / "tagged")
    assert status == 2 and "is a multi-label tagger" in err
    assert "use `sklearn-music tag`" in err


def test_tag_refuses_single_label_model(data, gmm_model, capsys):
    status, out, err = run(capsys, "tag", "-m", gmm_model, data / "train")
    assert status == 2 and out == ""
    assert err.strip() == (
        f"sklearn-music tag: error: '{gmm_model}' is a single-label classifier "
        "(tzanetakis); use `sklearn-music predict` (`tag` needs a model fitted on "
        "tags)"
    )


# ----------------------------------------------------------------------------
# recommend


def test_recommend_without_model(data, capsys):
    query = find_audio([data / "train" / "rock"])[0]
    outside = data / "tagged" / "t00.flac"
    status, out, _ = run(
        capsys, "recommend", "--catalogue", data / "train", "--query", query,
        outside, "-k", "3",
    )  # fmt: skip
    assert status == 0
    rec = table(out)
    # a class-folder catalogue: its folder names are the genres
    assert list(rec.columns) == ["query", "rank", "id", "similarity", "genre"]
    assert (rec["genre"] == rec["id"].str.split("/").str[0]).all()
    assert len(rec) == 6
    first = rec[rec["query"] == str(query)]
    assert list(first["rank"]) == ["1", "2", "3"]
    assert query.split("/")[-1] not in set(first["id"].str.split("/").str[-1])
    similarity = first["similarity"].astype(float).to_numpy()
    assert (np.diff(similarity) <= 0).all() and (similarity <= 1).all()
    # tracks of the same style sound alike
    assert (first["id"].str.startswith("rock/")).sum() >= 2


def test_recommend_with_model_and_genre_method(data, gmm_model, capsys, tmp_path):
    out_csv = tmp_path / "rec.csv"
    status, out, _ = run(
        capsys, "recommend", "--catalogue", data / "train", "--query",
        data / "train" / "waltz", "-k", "2", "-m", gmm_model, "--method", "genre",
        "--csv", out_csv,
    )  # fmt: skip
    assert status == 0 and "wrote 16 recommendations" in out
    rec = pd.read_csv(out_csv)
    assert list(rec.columns) == [
        "query", "rank", "id", "similarity", "score", "genre",
    ]  # fmt: skip
    name = rec["query"].str.split("/").str[-1]
    assert (name != rec["id"].str.split("/").str[-1]).all()  # never itself
    assert (rec["genre"] == "waltz").mean() >= 0.9

    status, _, err = run(
        capsys, "recommend", "--catalogue", data / "train", "--query",
        data / "train", "--method", "genre",
    )  # fmt: skip
    assert status == 2 and "--method genre needs a single-label --model" in err


# ----------------------------------------------------------------------------
# features


def test_features_spectrograms_and_handcrafted(data, capsys, tmp_path):
    status, out, _ = run(
        capsys, "features", data / "train" / "rock", "-o", tmp_path / "mel.npz",
        "--preset", "won2020", "--n-mels", "32", "--duration", "1.5",
    )  # fmt: skip
    assert status == 0 and "mel spectrograms of 8 files" in out
    saved = np.load(tmp_path / "mel.npz")
    assert saved["X"].shape == (8, 32, 94) and saved["X"].dtype == np.float32
    assert list(saved["paths"]) == find_audio([data / "train" / "rock"])
    assert list(saved["lengths"]) == [94] * 8
    assert int(saved["sr"]) == 16000 and int(saved["hop_length"]) == 256

    status, _, _ = run(
        capsys, "features", data / "train" / "waltz", "-o", tmp_path / "f.csv",
        "--kind", "tzanetakis",
    )  # fmt: skip
    frame = pd.read_csv(tmp_path / "f.csv")
    assert status == 0 and frame.shape == (8, 31) and frame.columns[0] == "path"
    assert frame.columns[1] == "timbre_centroid_mean"

    one = find_audio([data / "train" / "waltz"])[0]
    status, out, _ = run(
        capsys, "features", one, "-o",
        tmp_path / "s.npy", "--kind", "stft", "--sr", "8000",
    )  # fmt: skip
    assert status == 0
    assert np.load(tmp_path / "s.npy").shape[:2] == (1, 1025)
    assert (tmp_path / "s.paths.txt").read_text().splitlines() == [one]

    status, _, err = run(capsys, "features", data / "train", "-o", tmp_path / "x.csv")
    assert status == 2 and "must end with .npz or .npy for --kind mel" in err


# ----------------------------------------------------------------------------
# errors


@pytest.mark.parametrize(
    "argv, message",
    [
        (["predict", "-m", "{root}/missing.joblib", "{root}/train"],
         "model file not found: '{root}/missing.joblib'"),
        (["predict", "-m", "{root}/broken.joblib", "{root}/train"],
         "'{root}/broken.joblib' is not a sklearn-music model file"),
        (["predict", "-m", "{gmm}", "{root}/empty"],
         "no audio files (.wav, .flac, .ogg, .opus, .mp3, .aiff, .aif) found in "
         "folder '{root}/empty'"),
        (["predict", "-m", "{gmm}", "{root}/nothing.wav"],
         "no such file or folder: '{root}/nothing.wav'"),
        (["fit", "{root}/nowhere"], "no such file or folder: '{root}/nowhere'"),
        (["fit", "{root}/empty"], "no audio files"),
        (["fit", "{root}/train", "--model", "tzanetakis", "--epochs", "3"],
         "--epochs does not apply to --model tzanetakis"),
        (["fit", "{root}/tags.csv", "--model", "tzanetakis"],
         "--model tzanetakis is single-label"),
        (["fit", "{root}/train", "--model", "samplecnn", "--preset", "won2020"],
         "--preset does not apply to --model samplecnn"),
        (["fit", "{root}/train", "-o", "{root}/nowhere/model.joblib"],
         "the folder of the output file does not exist: '{root}/nowhere'"),
        (["recommend", "--catalogue", "{root}/empty", "--query", "{root}/train"],
         "no audio files"),
        (["predict", "-m", "{gmm}", "{root}/train", "--device", "cuda:7"],
         "device='cuda:7'"),
    ],
)  # fmt: skip
def test_errors_are_one_line_with_status_2(data, gmm_model, capsys, argv, message):
    import torch

    if "cuda:7" in argv and torch.cuda.is_available():  # pragma: no cover
        pytest.skip("the CUDA error is for machines without CUDA")
    fill = {"root": data, "gmm": gmm_model}
    status, out, err = run(capsys, *[a.format(**fill) for a in argv])
    assert status == 2
    assert message.format(**fill) in err
    lines = [line for line in err.splitlines() if not line.startswith("note:")]
    assert len(lines) == 1 and lines[0].startswith(f"sklearn-music {argv[0]}: error:")
    assert "Traceback" not in err and out == ""


def test_debug_shows_the_traceback(data, capsys):
    with pytest.raises(CLIError, match="model file not found"):
        main(["predict", "-m", str(data / "missing.joblib"), str(data), "--debug"])
    with pytest.raises(CLIError, match="no such file"):
        main(["--debug", "fit", str(data / "nowhere")])


# ----------------------------------------------------------------------------
# demo


def test_demo_quick_writes_the_figures(capsys, tmp_path):
    status, out, _ = run(capsys, "demo", "--quick", "-o", tmp_path / "figs")
    assert status == 0
    for text in ["make_music: 32 clips", "Grid search", "<- best",
                 "chance level 0.250 (4 styles)", "genre consistency@5",
                 "method 1, cosine similarity:",
                 "method 2, cosine + predicted"]:  # fmt: skip
        assert text in out, text
    names = ["spectrogram.png", "training_curves.png", "budget_curve.png",
             "confusion_matrix.png"]  # fmt: skip
    for name in names:
        path = tmp_path / "figs" / name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert name in out


def test_model_of_another_version_is_refused(data, gmm_model, capsys, tmp_path):
    bundle = load_model(gmm_model)
    # as pickled by a version whose HandcraftedFeatures lacked a parameter
    del bundle["pipeline"].named_steps["features"].texture_window
    bundle["sklearn_music_version"] = "0.0.1"
    bundle["format"] = "sklearn-music-model/1"
    joblib.dump(bundle, tmp_path / "old.joblib")
    status, _, err = run(capsys, "predict", "-m", tmp_path / "old.joblib", data)
    assert status == 2 and "--trust-pickle" in err  # a pickle is never read unasked
    status, _, err = run(
        capsys, "predict", "-m", tmp_path / "old.joblib", data, "--trust-pickle"
    )
    assert status == 2
    assert "was written by sklearn-music 0.0.1" in err  # a note, then the error
    assert "holds a model of another version of sklearn-music" in err
    assert "fit it again" in err
