"""Progress by default: the epoch table of the neural estimators, the
front-ends' bars on long inputs; ``verbose=0`` silences both."""

import numpy as np
import pytest

from sklearn_music.estimators import (
    Conv1DClassifier,
    Conv2DTagger,
    CRNNClassifier,
    SampleCNNClassifier,
)

NEURAL = [CRNNClassifier, Conv2DTagger, Conv1DClassifier, SampleCNNClassifier]
TINY = dict(
    module__pool_sizes=((2, 2),) * 4,
    module__conv_widths=(4, 4, 4, 4),
    module__gru_widths=(4,),
    max_epochs=2,
    batch_size=8,
    random_state=0,
)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(12, 16, 16)).astype(np.float32), np.repeat([0, 1], 6)


@pytest.mark.parametrize("cls", NEURAL, ids=lambda c: c.__name__)
def test_verbose_defaults_to_one(cls):
    assert cls().verbose == 1


def test_fit_prints_the_epoch_table_by_default(data, capsys):
    X, y = data
    CRNNClassifier(**TINY).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    header = lines[0].split()
    assert header[:2] == ["epoch", "train_loss"]
    assert "valid_acc" in header and "dur" in header
    # one row per epoch after the header and its rule, then early
    # stopping's note on the restored weights
    assert [line.split()[0] for line in lines[2:4]] == ["1", "2"]
    assert lines[4].startswith("Restoring best model")


def test_verbose_zero_is_silent(data, capsys):
    X, y = data
    CRNNClassifier(**TINY, verbose=0).fit(X, y)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("name", ["MelSpectrogram", "STFTSpectrogram",
                                  "CQTSpectrogram", "HandcraftedFeatures"])  # fmt: skip
def test_front_end_bars_appear_on_long_inputs_by_default(name, capsys, monkeypatch):
    import sklearn_music.features as features
    from sklearn_music.features import _base

    cls = getattr(features, name)
    assert cls().verbose == 1
    clips = [np.random.default_rng(0).standard_normal(22050) for _ in range(2)]
    monkeypatch.setattr(_base, "_PROGRESS_DELAY_S", 1e6)  # work shorter than it
    cls().fit_transform(clips)
    assert capsys.readouterr().err == ""
    cls(verbose=2).fit_transform(clips)  # 2: from the start
    assert name in capsys.readouterr().err
    monkeypatch.setattr(_base, "_PROGRESS_DELAY_S", 0.0)  # as if it ran long
    cls().fit_transform(clips)
    assert name in capsys.readouterr().err
    cls(verbose=0).fit_transform(clips)
    assert capsys.readouterr().err == ""
