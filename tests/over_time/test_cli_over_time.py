"""``sklearn-music tag --over-time``: one CSV row per chunk of every file."""

import numpy as np
import pandas as pd
import soundfile as sf

from sklearn_music._model_file import load_model
from sklearn_music.cli import main
from sklearn_music.datasets import make_music
from sklearn_music.segments import predict_over_time

SR = 16000


def test_tag_over_time_csv(tmp_path, capsys):
    X, y, names = make_music(
        12, multilabel=True, n_tags=3, duration=2.0, sr=SR, random_state=1,
        return_names=True,
    )  # fmt: skip
    rows = []
    (tmp_path / "clips").mkdir()
    for i, (clip, row) in enumerate(zip(X, y, strict=True)):
        sf.write(tmp_path / "clips" / f"t{i:02d}.flac", clip, SR)
        rows.append({"path": f"clips/t{i:02d}.flac", "tags": ";".join(names[row == 1])})
    pd.DataFrame(rows).to_csv(tmp_path / "tags.csv", index=False)
    # a longer file: three clips one after the other
    long = tmp_path / "long.flac"
    sf.write(long, np.concatenate(list(X[:3])), SR)
    model = tmp_path / "tagger.skm"
    argv = [
        "fit", tmp_path / "tags.csv", "--preset", "won2020", "--n-mels", "40",
        "--param-budget", "1e4", "--epochs", "1", "-o", model,
    ]  # fmt: skip
    assert main([str(a) for a in argv]) == 0
    out_csv = tmp_path / "over_time.csv"
    argv = ["tag", "-m", model, long, "--over-time", "--hop", "0.5", "--csv", out_csv]
    assert main([str(a) for a in argv]) == 0
    capsys.readouterr()
    table = pd.read_csv(out_csv)
    bundle = load_model(model)
    assert list(table.columns) == ["path", "start_s", "end_s", *bundle["classes"]]
    assert table["path"].unique().tolist() == [str(long)]
    assert table["end_s"].iloc[-1] >= 5.9 and len(table) > 6
    expected = predict_over_time(bundle["pipeline"], [str(long)], hop=0.5)[0]
    np.testing.assert_allclose(table["start_s"], expected.start_s, atol=1e-4)
    np.testing.assert_allclose(
        table[list(bundle["classes"])], expected.values, atol=1e-4
    )
