"""
Recommending similar music, with and without genre
==================================================

A content-based recommender suggests the catalogue tracks whose embedding
is closest, by cosine similarity, to the query's. Here the embedding is the
standardised Tzanetakis feature vector of each clip, and the catalogue is
synthetic music in four styles, so we can count how often a recommended
track has the query's style.

We compare the two rankings of :class:`~sklearn_music.recommend.CosineRecommender`:
method 1, cosine similarity only, and method 2, which also predicts the
query's genre with a classifier and adds ``genre_weight`` to the score of
tracks of that genre, and test whether the difference is significant with
:func:`~sklearn_music.recommend.compare_methods`. Finally we recommend from
several liked tracks at once, with diversity and without the tracks already
heard.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_music.datasets import make_music
from sklearn_music.features import HandcraftedFeatures
from sklearn_music.recommend import CosineRecommender, compare_methods

X, y = make_music(120, n_classes=4, duration=2.0, sr=16000, random_state=0)
X_catalogue, y_catalogue, X_query, y_query = X[:80], y[:80], X[80:], y[80:]

# %%
# The embedder is fitted once, on the catalogue; the recommender uses it as
# is. Given audio, the recommender embeds the catalogue and every query.
embedder = make_pipeline(HandcraftedFeatures(sr=16000), StandardScaler())
embedder.fit(X_catalogue)
ids = np.array([f"track {i:02d}" for i in range(80)])
rec = CosineRecommender(n_neighbors=5, embedder=embedder)
rec.fit(X_catalogue, y_catalogue, ids=ids)
print(f"query style: {y_query[0]}")
print(rec.recommend(X=X_query[0]))  # one waveform: one query

# %%
# To compare settings without embedding the audio again, we work on the
# embeddings themselves. The genre classifier of method 2 predicts the style
# of a query from its embedding; it is trained on the catalogue only.
E_catalogue = embedder.transform(X_catalogue)
E_query = embedder.transform(X_query)
classifier = LogisticRegression(max_iter=1000).fit(E_catalogue, y_catalogue)
accuracy = classifier.score(E_query, y_query)
print(f"genre classifier accuracy on the queries: {accuracy:.2f}")


def precision_at_k(recommender):
    """Fraction of recommended tracks that have the query's style."""
    neighbours = recommender.kneighbors(E_query, return_distance=False)
    return np.mean(y_catalogue[neighbours] == y_query[:, np.newaxis])


weights = [0.0, 0.05, 0.1, 0.2, 0.3, 0.5]
precision = []
for w in weights:
    method = "cosine" if w == 0 else "genre"
    genre_rec = CosineRecommender(
        n_neighbors=5, method=method, genre_weight=w, genre_classifier=classifier
    ).fit(E_catalogue, y_catalogue)
    precision.append(precision_at_k(genre_rec))
    print(f"genre_weight={w:<4}  precision@5 {precision[-1]:.3f}")
restrict = CosineRecommender(
    n_neighbors=5, method="genre", genre_mode="restrict", genre_classifier=classifier
).fit(E_catalogue, y_catalogue)
print(f"genre_mode='restrict' precision@5 {precision_at_k(restrict):.3f}")

# %%
# Is method 2 better than method 1, or did these 40 queries just happen to
# favour it? :func:`~sklearn_music.recommend.compare_methods` scores every
# query with both rankings of one fitted recommender (here with
# ``genre_weight=0.2``) and runs a paired test over the queries: the
# Wilcoxon signed-rank test on precision@5, and a paired permutation test on
# AP@5, which also rewards the recommendations in the query's style being
# ranked first. The intervals are 95% bootstrap confidence intervals.
recommender = CosineRecommender(genre_weight=0.2, genre_classifier=classifier)
recommender.fit(E_catalogue, y_catalogue)
comparison = compare_methods(recommender, E_query, y_query, k=5, random_state=0)
print(comparison)
print(comparison.per_genre.round(3))
comparison_ap = compare_methods(
    recommender,
    E_query,
    y_query,
    k=5,
    metric="average_precision",
    test="permutation",
    random_state=0,
)
print(comparison_ap)

# %%
# A listener rarely likes a single track. With ``profile="max"`` (closest to
# any liked track) a track scores its similarity to the nearest seed, so
# every seed brings its own neighbours (the ``seed`` column says which), the
# closest ones first; ``profile="mean"`` recommends around the average of the
# seeds instead. The seeds themselves, and the tracks in ``exclude`` (already
# heard), are never recommended. ``diversity`` re-ranks by maximal marginal
# relevance: 0 is the plain ranking, higher values trade similarity to the
# query for variety among the recommendations.
liked = [
    str(ids[np.flatnonzero(y_catalogue == style)[0]]) for style in ("ballad", "waltz")
]
heard = rec.recommend(liked[0], n=2)["id"].tolist()
print(f"liked: {liked} (a ballad and a waltz); already heard: {heard}")
print(rec.recommend(liked, n=6, profile="max", exclude=heard))
print(rec.recommend(liked, n=4, profile="mean", exclude=heard))
for diversity in (0.0, 0.5):
    table = rec.recommend(liked[0], n=5, diversity=diversity)
    mean_sim = table["similarity"].mean()
    print(
        f"diversity={diversity}: styles {sorted(set(table['genre']))}, "
        f"mean similarity to the query {mean_sim:.3f}"
    )

# %%
# Left: the catalogue in the plane of its first two principal components,
# with one query and its five recommendations. Right: how often a
# recommendation has the query's style, against the weight of the genre
# bonus (0 is method 1; chance is 1/4).
pca = PCA(2).fit(E_catalogue)
P, p_query = pca.transform(E_catalogue), pca.transform(E_query[:1])
neighbours = rec.kneighbors(X_query[:1], return_distance=False)[0]

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
for style in np.unique(y_catalogue):
    members = y_catalogue == style
    ax1.scatter(*P[members].T, s=15, label=style)
ax1.scatter(*P[neighbours].T, s=90, facecolors="none", edgecolors="k")
ax1.scatter(*p_query.T, marker="*", s=250, c="k", label=f"query ({y_query[0]})")
ax1.set(title="Catalogue embeddings (PCA)", xticks=[], yticks=[])
ax1.legend(fontsize=8)
ax2.plot(weights, precision, "o-")
ax2.axhline(1 / 4, color="gray", linestyle=":", label="chance")
ax2.set(
    xlabel="genre_weight",
    ylabel="precision@5 (same style)",
    title="Method 1 (weight 0) and method 2",
    ylim=(0, 1.05),
)
ax2.legend()
fig.tight_layout()
plt.show()
