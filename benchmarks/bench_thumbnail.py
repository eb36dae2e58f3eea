"""Thumbnail hit rate on generated songs with a known, repeated chorus.

Every song comes from :func:`sklearn_music.segments.make_song`: an intro,
two verses, a bridge and an outro around a chorus that is played three
times (a quarter of the songs start with it). A thumbnail of ``--duration``
seconds (the chorus length) *hits* when it overlaps one of the choruses by
at least half its length. Compared in the same run:

* ``repetition``: :func:`~sklearn_music.segments.thumbnail` from the chroma
  and mel self-similarity matrix (no model);
* ``embedding`` and ``confidence``: the model-based strategies, with a
  Conv2DTagger style classifier trained here on separate generated clips
  (3-s clips of :func:`~sklearn_music.datasets.make_music`);
* baselines: the first ``--duration`` seconds of the song ("first 30 s"),
  and a segment starting anywhere at random (its expected hit rate, over
  every start on a 0.1-s grid).

Usage::

    python benchmarks/bench_thumbnail.py [--n-songs 40] [--duration 30]

Results are printed and written to ``benchmarks/results/bench_thumbnail.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
from sklearn.pipeline import make_pipeline

from sklearn_music.datasets import make_music
from sklearn_music.estimators import Conv2DTagger
from sklearn_music.features import MelSpectrogram
from sklearn_music.segments import make_song, thumbnail

RESULTS = Path(__file__).resolve().parent / "results" / "bench_thumbnail.json"


def hits(start: float, duration: float, sections) -> bool:
    """Whether ``[start, start + duration)`` overlaps a chorus by at least
    half of ``duration``."""
    choruses = sections[sections.section == "chorus"]
    overlap = np.minimum(choruses.end_s, start + duration) - np.maximum(
        choruses.start_s, start
    )
    return bool((overlap >= duration / 2 - 1e-6).any())


def random_hit_rate(length: float, duration: float, sections) -> float:
    """Expected hit rate of a uniformly random segment of the song."""
    starts = np.arange(0.0, max(0.0, length - duration) + 1e-9, 0.1)
    return float(np.mean([hits(s, duration, sections) for s in starts]))


def train_model(sr: int, random_state: int):
    """A style classifier on generated 3-s clips (not the songs)."""
    X, y = make_music(120, n_classes=6, duration=3.0, sr=sr, random_state=random_state)
    net = Conv2DTagger(
        param_budget=1e5,
        chunk_size=64,
        max_epochs=8,
        random_state=random_state,
        verbose=0,
    )
    return make_pipeline(MelSpectrogram(sr=sr, n_mels=64), net).fit(X, y)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-songs", type=int, default=40)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--sr", type=int, default=16000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    model = train_model(args.sr, args.seed)
    train_s = time.perf_counter() - t0
    songs = [
        make_song(chorus=args.duration, sr=args.sr, random_state=args.seed + 1 + i)
        for i in range(args.n_songs)
    ]
    audio = [y for y, _ in songs]
    strategies = {}
    for strategy in ("repetition", "embedding", "confidence"):
        t0 = time.perf_counter()
        kwargs = {} if strategy == "repetition" else {"model": model}
        found = thumbnail(
            audio, strategy=strategy, duration=args.duration, sr=args.sr, **kwargs
        )
        strategies[strategy] = {
            "hits": [
                hits(s, args.duration, sec)
                for s, (_, sec) in zip(found.start_s, songs, strict=True)
            ],
            "seconds": time.perf_counter() - t0,
        }
    first = [hits(0.0, args.duration, sec) for _, sec in songs]
    rand = [random_hit_rate(y.size / args.sr, args.duration, sec) for y, sec in songs]
    chorus_first = [sec.section.iloc[0] == "chorus" for _, sec in songs]
    rows = [
        {
            "method": f"thumbnail {k}",
            "hit_rate": float(np.mean(v["hits"])),
            "seconds": round(v["seconds"], 2),
        }
        for k, v in strategies.items()
    ]
    rows.append(
        {"method": f"first {args.duration:g} s", "hit_rate": float(np.mean(first))}
    )
    rows.append(
        {"method": "random segment (expected)", "hit_rate": float(np.mean(rand))}
    )
    n = args.n_songs
    print(
        f"\n{n} songs, thumbnail {args.duration:g} s, "
        f"{int(np.sum(chorus_first))} start with the chorus"
    )
    print(f"{'method':<28}{'hit rate':>10}{'95% CI':>18}{'time s':>9}")
    for row in rows:
        p = row["hit_rate"]
        half = 1.96 * np.sqrt(p * (1 - p) / n)
        row["ci95"] = [round(max(0.0, p - half), 3), round(min(1.0, p + half), 3)]
        row["hit_rate"] = round(p, 3)
        time_s = f"{row['seconds']:.1f}" if "seconds" in row else ""
        lo, hi = row["ci95"]
        ci = f"[{lo:.2f}, {hi:.2f}]"
        print(f"{row['method']:<28}{p:>10.3f}{ci:>18}{time_s:>9}")
    result = dict(
        benchmark="bench_thumbnail",
        command="python benchmarks/bench_thumbnail.py " + " ".join(argv or []),
        n_songs=n,
        duration_s=args.duration,
        sr=args.sr,
        seed=args.seed,
        songs_starting_with_chorus=int(np.sum(chorus_first)),
        model_training_s=round(train_s, 1),
        results=rows,
        machine=dict(
            platform=platform.platform(),
            cpus=os.cpu_count(),
            load_1min=os.getloadavg()[0],
        ),
    )
    if not args.no_write:
        RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
