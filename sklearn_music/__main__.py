"""The main job: ``python -m sklearn_music`` (also the ``sklearn-music`` command).

Generates a labelled music dataset with :func:`~sklearn_music.datasets.make_music`,
fits three scikit-learn pipelines on the same stratified split and prints a
report:

* log-mel spectrogram -> per-band mean and std over time (padding-aware)
  -> standard scaling -> logistic regression;
* the Tzanetakis & Cook (2002) system: handcrafted timbre/rhythm/pitch
  features -> scaling -> one Gaussian mixture per class;
* the same features with scikit-learn's k-nearest neighbours.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def band_statistics(S: np.ndarray) -> np.ndarray:
    """Mean and standard deviation of every band over the valid frames.

    NaN frames (padding after the end of a shorter clip, see
    :func:`~sklearn_music.features.frame_lengths`) are ignored, so padding
    never counts as music.
    """
    return np.concatenate([np.nanmean(S, axis=2), np.nanstd(S, axis=2)], axis=1)


def build_pipelines(n_jobs: int | None, random_state: int) -> dict:
    """The pipelines the main job compares, by display name."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    from .estimators import GaussianMixtureClassifier
    from .features import HandcraftedFeatures, MelSpectrogram

    return {
        "mel stats + logistic regression": Pipeline(
            [
                ("mel", MelSpectrogram(n_mels=64, n_jobs=n_jobs)),
                ("stats", FunctionTransformer(band_statistics)),
                ("scale", StandardScaler()),
                ("clf", LogisticRegression(max_iter=2000, random_state=random_state)),
            ]
        ),
        "Tzanetakis features + GMM": make_pipeline(
            HandcraftedFeatures(n_jobs=n_jobs),
            StandardScaler(),
            GaussianMixtureClassifier(n_components=2, random_state=random_state),
        ),
        "Tzanetakis features + 5-NN": make_pipeline(
            HandcraftedFeatures(n_jobs=n_jobs),
            StandardScaler(),
            KNeighborsClassifier(n_neighbors=5),
        ),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the main job and print the report; returns the process exit code."""
    parser = argparse.ArgumentParser(
        prog="sklearn-music",
        description="Fit and compare music genre pipelines on generated audio.",
    )
    parser.add_argument("--n-clips", type=int, default=160, help="clips to generate")
    parser.add_argument("--n-classes", type=int, default=4, help="number of styles")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds a clip")
    parser.add_argument("--n-jobs", type=int, default=-1, help="parallel workers")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    args = parser.parse_args(argv)

    from sklearn.metrics import accuracy_score, classification_report
    from sklearn.model_selection import train_test_split

    from . import __version__
    from .datasets import make_music

    start = time.perf_counter()
    X, y = make_music(
        args.n_clips,
        n_classes=args.n_classes,
        duration=args.duration,
        random_state=args.seed,
    )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=args.seed
    )
    print(f"sklearn-music {__version__}: main job")
    print(
        f"data: make_music, {len(X)} clips x {args.duration:g} s at 22050 Hz, "
        f"classes {sorted(set(y))}; {len(X_train)} train / {len(X_test)} test "
        f"({time.perf_counter() - start:.1f} s)\n"
    )

    results = []
    for name, pipe in build_pipelines(args.n_jobs, args.seed).items():
        t0 = time.perf_counter()
        pipe.fit(X_train, y_train)
        pred = pipe.predict(X_test)
        seconds = time.perf_counter() - t0
        accuracy = accuracy_score(y_test, pred)
        results.append((name, accuracy, seconds))
        print(f"== {name}: accuracy {accuracy:.3f} ({seconds:.1f} s)")
        print(classification_report(y_test, pred, digits=3, zero_division=0))

    chance = 1.0 / len(set(y))
    print(f"{'pipeline':34s} {'accuracy':>8s} {'fit+predict s':>14s}")
    for name, accuracy, seconds in results:
        print(f"{name:34s} {accuracy:8.3f} {seconds:14.1f}")
    print(f"{'chance':34s} {chance:8.3f}")
    print(f"\ntotal {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
