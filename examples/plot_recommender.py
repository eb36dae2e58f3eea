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
tracks of that genre.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_music.datasets import make_music
from sklearn_music.features import HandcraftedFeatures
from sklearn_music.recommend import CosineRecommender

X, y = make_music(120, n_classes=4, duration=2.0, sr=16000, random_state=0)
X_catalogue, y_catalogue, X_query, y_query = X[:80], y[:80], X[80:], y[80:]

# %%
# The embedder is fitted once, on the catalogue; the recommender uses it as
# is. Given audio, the recommender embeds the catalogue and every query.
embedder = make_pipeline(HandcraftedFeatures(sr=16000), StandardScaler())
embedder.fit(X_catalogue)
rec = CosineRecommender(n_neighbors=5, embedder=embedder)
rec.fit(X_catalogue, y_catalogue, ids=[f"track {i:02d}" for i in range(80)])
print(f"query style: {y_query[0]}")
print(rec.recommend(X=X_query[0]))

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
