"""Frame-level feature learning: frames, pooling, FrameFeatureLearner and the
sparse-dictionary two-stage system."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.decomposition import PCA, MiniBatchDictionaryLearning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline

from sklearn_music.datasets import make_music
from sklearn_music.features import (
    FrameFeatureLearner,
    MelSpectrogram,
    make_dictionary_pipeline,
    pool_frames,
    spectrogram_frames,
)


def _ragged(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(3, n)) for n in (7, 4, 9)]


def _padded(clips):
    out = np.full((len(clips), 3, max(c.shape[1] for c in clips)), np.nan)
    for i, c in enumerate(clips):
        out[i, :, : c.shape[1]] = c
    return out


@pytest.mark.parametrize("context, stride", [(1, 1), (2, 1), (3, 2), (4, 3)])
def test_spectrogram_frames_match_a_loop(context, stride):
    clips = _ragged()
    rows, owner = spectrogram_frames(clips, context=context, stride=stride)
    expected, who = [], []
    for i, c in enumerate(clips):
        for t in range(0, c.shape[1] - context + 1, stride):
            expected.append(np.concatenate([c[:, t + k] for k in range(context)]))
            who.append(i)
    np.testing.assert_array_equal(rows, np.asarray(expected))
    np.testing.assert_array_equal(owner, who)


def test_spectrogram_frames_errors():
    with pytest.raises(ValueError, match="Clip 1 has 4 frame"):
        spectrogram_frames(_ragged(), context=5)
    with pytest.raises(ValueError, match="stride must be an integer >= 1"):
        spectrogram_frames(_ragged(), stride=0)


def test_pool_frames_match_numpy():
    rng = np.random.default_rng(0)
    F = rng.normal(size=(20, 4))
    owner = rng.permutation(np.arange(20) % 3)
    pooled = pool_frames(F, owner, 3, pooling=("mean", "std", "max", "min"))
    assert pooled.shape == (3, 16)
    for i in range(3):
        rows = F[owner == i]
        np.testing.assert_allclose(
            pooled[i],
            np.concatenate([rows.mean(0), rows.std(0), rows.max(0), rows.min(0)]),
        )
    with pytest.raises(ValueError, match="pooling must be one or more of"):
        pool_frames(F, owner, 3, pooling=("median",))
    with pytest.raises(ValueError, match="every clip needs at least one frame"):
        pool_frames(F, owner, 4)


class _Identity(TransformerMixin, BaseEstimator):
    """A frame 'model' whose features are the frames themselves."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X


def test_learner_pools_each_clip_and_ignores_padding():
    clips = _ragged()
    learner = FrameFeatureLearner(_Identity(), context=2, pooling=("mean", "max"))
    padded = learner.fit_transform(_padded(clips))
    np.testing.assert_allclose(padded, learner.transform(clips))
    rows, owner = spectrogram_frames(clips, context=2)
    np.testing.assert_allclose(
        padded, pool_frames(rows, owner, 3, pooling=("mean", "max"))
    )
    assert padded.shape == (3, 2 * 6)
    assert list(learner.get_feature_names_out()[[0, 6]]) == ["mean_0", "max_0"]
    assert learner.n_features_in_ == 3 and learner.n_frame_features_ == 6
    # small batches give the same result
    np.testing.assert_allclose(
        learner.set_params(batch_size=1).transform(clips), padded
    )


def test_learner_input_errors():
    clips = _ragged()
    learner = FrameFeatureLearner(_Identity(), context=5, short="raise")
    with pytest.raises(ValueError, match="Clip 1 has 4 frame"):
        learner.fit(clips)
    bad = _padded(clips)
    bad[2, 1, 3] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity inside clip 2"):
        FrameFeatureLearner(_Identity()).fit(bad)
    learner = FrameFeatureLearner(_Identity()).fit(clips)
    with pytest.raises(ValueError, match="expecting 3 features"):
        learner.transform(np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match="pooling must be one or more"):
        FrameFeatureLearner(_Identity(), pooling="median").fit(clips)


def test_short_clips_are_padded_with_their_floor():
    clips = _ragged()
    learner = FrameFeatureLearner(_Identity(), context=5, pooling=("mean", "min"))
    out = learner.fit_transform(clips)
    short = clips[1]  # 4 frames: one row, the clip and one frame of its minimum
    row = np.concatenate([short[:, t] for t in range(4)] + [np.full(3, short.min())])
    np.testing.assert_allclose(out[1, :15], row)
    np.testing.assert_allclose(out[1, 15:], row)
    assert out.shape == (3, 30)


def test_max_frames_subsamples_reproducibly():
    rng = np.random.default_rng(0)
    S = rng.normal(size=(6, 8, 50))
    learner = FrameFeatureLearner(
        PCA(n_components=3), max_frames=10, random_state=0
    ).fit(S)
    assert learner.n_frames_fit_ == 60
    again = clone(learner).fit(S)
    np.testing.assert_allclose(
        learner.estimator_.components_, again.estimator_.components_
    )
    assert FrameFeatureLearner(PCA(n_components=3)).fit(S).n_frames_fit_ == 300
    assert learner.transform(S).shape == (6, 9)


def test_supervised_frame_model_learns_from_clip_labels():
    """Each frame inherits its clip's label; the pooled class probabilities
    separate the classes."""
    rng = np.random.default_rng(0)
    S = rng.normal(size=(20, 6, 12))
    y = np.arange(20) % 2
    S[y == 1, 2] += 2.0  # class 1: energy in band 2
    learner = FrameFeatureLearner(
        LogisticRegression(), pooling="mean", random_state=0
    ).fit(S, y)
    assert learner.n_frames_fit_ == 240
    proba = learner.transform(S)
    assert proba.shape == (20, 2)
    assert proba[y == 1, 1].min() > 0.5 > proba[y == 0, 1].max()
    with pytest.raises(ValueError, match="is supervised: pass y"):
        FrameFeatureLearner(LogisticRegression()).fit(S)
    with pytest.raises(ValueError, match="y has 3 labels for 20 clips"):
        FrameFeatureLearner(LogisticRegression()).fit(S, y[:3])


@pytest.fixture(scope="module")
def music():
    X, y = make_music(32, n_classes=2, duration=1.0, sr=16000, random_state=0)
    return MelSpectrogram(sr=16000, n_mels=24).fit_transform(X), y, X


def test_dictionary_learning_in_a_grid_search(music):
    S, y, _ = music
    pipe = make_pipeline(
        FrameFeatureLearner(
            MiniBatchDictionaryLearning(
                n_components=8, max_iter=5, fit_algorithm="cd",
                transform_algorithm="threshold",
                random_state=0,
            ),
            random_state=0,
        ),
        LogisticRegression(max_iter=500),
    )  # fmt: skip
    grid = GridSearchCV(
        pipe,
        {
            "framefeaturelearner__estimator__n_components": [4, 8],
            "framefeaturelearner__context": [1, 3],
        },
        cv=StratifiedKFold(2, shuffle=True, random_state=0),
    ).fit(S, y)
    assert len(grid.cv_results_["params"]) == 4
    best = grid.best_estimator_[0]
    n_atoms = grid.best_params_["framefeaturelearner__estimator__n_components"]
    assert best.estimator_.components_.shape == (
        n_atoms,
        24 * grid.best_params_["framefeaturelearner__context"],
    )
    assert grid.best_score_ >= 0.75


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_mlp_frame_features_pipeline(music):
    S, y, _ = music
    pipe = make_pipeline(
        FrameFeatureLearner(
            MLPClassifier((16,), max_iter=100, random_state=0),
            context=2,
            stride=2,
            pooling=("mean", "max"),
            random_state=0,
        ),
        LogisticRegression(),
    )
    cv = StratifiedKFold(2, shuffle=True, random_state=0)
    scores = cross_val_score(pipe, S, y, cv=cv)
    assert scores.mean() >= 0.75


def test_make_dictionary_pipeline_learns_genres():
    X, y = make_music(48, n_classes=3, duration=1.5, sr=16000, random_state=2)
    pipe = make_dictionary_pipeline(
        n_atoms=32, mel=MelSpectrogram(sr=16000, n_mels=32), random_state=0
    )
    assert [name for name, _ in pipe.steps] == ["mel", "frames", "scale", "clf"]
    dictionary = pipe.named_steps["frames"].estimator[-1]
    assert dictionary.split_sign and dictionary.n_components == 32
    scores = cross_val_score(
        pipe, X, y, cv=StratifiedKFold(3, shuffle=True, random_state=0)
    )
    assert scores.mean() >= 0.7  # chance is 1/3
    pipe.fit(X, y)
    assert pipe[:-2].transform(X[:2]).shape == (2, 2 * 2 * 32)
    with pytest.raises(ValueError, match="n_atoms must be an integer >= 1"):
        make_dictionary_pipeline(n_atoms=0)
