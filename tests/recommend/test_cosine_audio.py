"""CosineRecommender on audio: fitted embedders (handcrafted features, a
CRNN), file paths, and recommendation quality on music of known style."""

import numpy as np
import pytest
import soundfile as sf
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklearn_music.datasets import make_music
from sklearn_music.features import HandcraftedFeatures, MelSpectrogram
from sklearn_music.recommend import CosineRecommender

SR = 16000
N_CLASSES = 4


def precision_at_k(neighbour_labels, query_labels):
    """Fraction of the recommended tracks that share the query's label."""
    return np.mean(neighbour_labels == np.asarray(query_labels)[:, np.newaxis])


@pytest.fixture(scope="module")
def music():
    """Four styles: 64 catalogue clips and 32 queries of 1.5 s, and a fitted
    handcrafted-feature embedder."""
    X, y = make_music(96, n_classes=N_CLASSES, duration=1.5, sr=SR, random_state=0)
    embedder = make_pipeline(HandcraftedFeatures(sr=SR), StandardScaler()).fit(X[:64])
    return X[:64], y[:64], X[64:], y[64:], embedder


def test_neighbours_share_the_style_and_genre_raises_it(music):
    X, y, Xq, yq, embedder = music
    F = embedder.transform(X)
    classifier = make_pipeline(embedder, LogisticRegression().fit(F, y))
    k = 5
    cosine = CosineRecommender(n_neighbors=k, embedder=embedder).fit(X, y)
    ind = cosine.kneighbors(Xq, return_distance=False)
    p_cosine = precision_at_k(y[ind], yq)
    p_catalogue = precision_at_k(y[cosine.kneighbors(return_distance=False)], y)
    chance = 1 / N_CLASSES
    assert p_cosine > 2.5 * chance and p_catalogue > 2.5 * chance, (
        p_cosine,
        p_catalogue,
    )

    genre = clone(cosine).set_params(
        embedder=embedder, method="genre", genre_classifier=classifier
    )
    genre.fit(X, y)
    p_genre = precision_at_k(y[genre.kneighbors(Xq, return_distance=False)], yq)
    accuracy = classifier.score(Xq, yq)
    assert p_genre >= min(accuracy, p_cosine + 0.05), (p_genre, p_cosine, accuracy)
    assert p_genre > p_cosine


def test_audio_in_is_embeddings_through_the_embedder(music):
    X, y, Xq, _, embedder = music
    rec = CosineRecommender(n_neighbors=4, embedder=embedder, chunk_size=7)
    rec.fit(X, y, ids=[f"clip{i}" for i in range(64)])
    assert not hasattr(rec, "n_features_in_")  # no feature matrix was given
    plain = CosineRecommender(n_neighbors=4).fit(embedder.transform(X), y)
    dist, ind = rec.kneighbors(Xq[:5])
    ref_dist, ref_ind = plain.kneighbors(embedder.transform(Xq[:5]))
    np.testing.assert_array_equal(ind, ref_ind)
    np.testing.assert_allclose(dist, ref_dist, atol=1e-6)
    one = rec.recommend(X=Xq[0])  # a single waveform
    assert list(one["id"]) == [f"clip{j}" for j in ind[0]]
    ragged = rec.recommend(X=[Xq[0], Xq[1][: SR // 2]], n=2)
    assert list(ragged["query"]) == [0, 0, 1, 1]
    assert list(rec.recommend("clip3").columns) == ["id", "similarity", "genre"]


def test_file_paths(music, tmp_path):
    X, _, Xq, _, embedder = music
    paths = []
    for i, clip in enumerate(X[:12]):
        paths.append(str(tmp_path / f"track{i:02d}.wav"))
        sf.write(paths[-1], clip, SR, subtype="FLOAT")
    query = tmp_path / "query.wav"
    sf.write(query, Xq[0], SR, subtype="FLOAT")
    rec = CosineRecommender(n_neighbors=3, embedder=embedder).fit(paths, ids=paths)
    from_paths = rec.recommend(X=query)
    from_array = CosineRecommender(n_neighbors=3, embedder=embedder)
    from_array.fit(X[:12], ids=paths)
    np.testing.assert_array_equal(from_paths["id"], from_array.recommend(X=Xq[0])["id"])
    np.testing.assert_allclose(
        from_paths["similarity"], from_array.recommend(X=Xq[0])["similarity"], 1e-5
    )


def test_embedder_is_used_as_is(music):
    X, _, _, _, embedder = music
    unfitted = make_pipeline(HandcraftedFeatures(sr=SR), StandardScaler())
    with pytest.raises(NotFittedError, match="never fits it"):
        CosineRecommender(embedder=unfitted).fit(X)
    # clone unfits a plain embedder, not a frozen one
    rec = CosineRecommender(embedder=embedder).fit(X[:20])
    with pytest.raises(NotFittedError):
        clone(rec).fit(X[:20])
    frozen = CosineRecommender(embedder=FrozenEstimator(embedder)).fit(X[:20])
    np.testing.assert_array_equal(
        clone(frozen).fit(X[:20]).embeddings_, rec.embeddings_
    )
    # an embedder swapped after fit must keep the catalogue's dimension
    rec.set_params(embedder=make_pipeline(embedder, FunctionTransformer(_first_5)))
    with pytest.raises(ValueError, match=r"5-dimensional .* \(expected 30, got 5\)"):
        rec.kneighbors(X[:2])
    rec.set_params(embedder=make_pipeline(embedder, FunctionTransformer(_nan_row_1)))
    with pytest.raises(ValueError, match=r"embeddings of X contains NaN .* row\(s\) 1"):
        rec.kneighbors(X[:3])
    rec.set_params(embedder=make_pipeline(embedder, FunctionTransformer(_drop_one)))
    with pytest.raises(ValueError, match="X has 3 tracks, the embedder returned 2"):
        rec.kneighbors(X[:3])


def _first_5(F):
    return F[:, :5]


def _drop_one(F):
    return F[1:]


def _nan_row_1(F):
    F = F.copy()
    F[1, 0] = np.nan
    return F


def test_crnn_pipeline_as_embedder_and_genre_classifier(music):
    from sklearn_music.estimators import CRNNClassifier

    X, y, Xq, _, _ = music
    X, y = X[:24], y[:24]
    crnn = make_pipeline(
        MelSpectrogram(sr=SR, n_fft=512, hop_length=256, n_mels=32),
        CRNNClassifier(
            param_budget=2e4,
            module__pool_sizes=((2, 2),) * 4,
            max_epochs=2,
            lr=3e-3,
            batch_size=8,
            train_split=None,
            random_state=0,
        ),
    ).fit(X, y)
    rec = CosineRecommender(
        n_neighbors=3, embedder=crnn, genre_classifier=crnn, method="genre"
    ).fit(X, ids=np.arange(100, 124))
    width = crnn[-1].module_.embedding_dim
    assert rec.embeddings_.shape == (24, width)
    np.testing.assert_array_equal(rec.genres_, crnn.predict(X))
    table = rec.recommend(X=Xq[:4])
    assert table.shape == (12, 5) and set(table["id"]) <= set(range(100, 124))
    dist, ind = rec.kneighbors(Xq[:4])
    assert ind.shape == (4, 3) and (np.diff(dist, axis=1) >= 0).all()
