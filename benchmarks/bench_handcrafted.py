"""Throughput of HandcraftedFeatures: realtime factor, serial vs parallel.

The realtime factor is seconds of audio processed per second of wall time.
Each feature set is timed with ``n_jobs=1`` (the baseline: a plain loop over
clips in this process) and with ``n_jobs=2`` (loky worker processes), on the
same clips in the same run; the runs are interleaved and the best of
``--repeats`` is kept, since other load on the machine only slows a run
down. Every configuration is warmed up first on a few short clips, so
imports and worker start-up are not counted. The 1-minute load average is
recorded: numbers from a busy machine understate the speed-up.

Audio: ``--n-clips`` clips of ``--seconds`` s at 22050 Hz, synthesised with a
seeded generator (harmonic notes with a percussive envelope, a noise
hi-hat and a kick), or real recordings (tiled to length) when
``SKLEARN_MUSIC_TEST_AUDIO`` names a folder of ``.flac`` files.

Usage::

    python benchmarks/bench_handcrafted.py [--n-clips 32] [--seconds 30]

Results are printed and written to ``benchmarks/results/bench_handcrafted.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from sklearn_music import load_audio
from sklearn_music.features import HandcraftedFeatures

SR = 22050
RESULTS = Path(__file__).resolve().parent / "results" / "bench_handcrafted.json"


def synth_clip(rng: np.random.Generator, seconds: float, sr: int = SR) -> np.ndarray:
    """A few bars of synthetic 'music': chords, bass, hi-hat and kick."""
    n = int(seconds * sr)
    t = np.arange(n) / sr
    bpm = rng.uniform(70, 160)
    beat = 60.0 / bpm
    phase = t % beat
    y = np.zeros(n)
    # a chord per bar, three partials per note, decaying on every beat
    root = rng.integers(40, 60)
    for bar_start in np.arange(0, seconds, 4 * beat):
        in_bar = (t >= bar_start) & (t < bar_start + 4 * beat)
        chord = root + rng.choice([0, 2, 5, 7, 9]) + np.array([0, 4, 7])
        for midi in chord:
            f0 = 440.0 * 2 ** ((midi - 69) / 12)
            for h in (1, 2, 3):
                y[in_bar] += np.sin(2 * np.pi * h * f0 * t[in_bar]) / (h * 3)
    y *= np.exp(-4.0 * phase / beat)
    # kick on the beat, hi-hat on the off-beat
    y += 0.8 * np.sin(2 * np.pi * 55 * t) * np.exp(-phase / 0.05)
    off = (t + beat / 2) % beat
    y += 0.2 * rng.standard_normal(n) * np.exp(-off / 0.01)
    return (0.2 * y / np.abs(y).max()).astype(np.float32)


def real_clips(folder: Path, n_clips: int, seconds: float) -> list[np.ndarray]:
    files = sorted(folder.glob("*.flac"))
    n = int(seconds * SR)
    clips = []
    for i in range(n_clips):
        y = load_audio(files[i % len(files)], sr=SR)
        clips.append(np.resize(y, n))  # tile to length
    return clips


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-clips", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--repeats", type=int, default=3, help="best of N runs")
    parser.add_argument("--n-jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)

    audio_dir = os.environ.get("SKLEARN_MUSIC_TEST_AUDIO")
    if audio_dir and Path(audio_dir).is_dir() and any(Path(audio_dir).glob("*.flac")):
        source = f"real recordings from {audio_dir}"
        clips = real_clips(Path(audio_dir), args.n_clips, args.seconds)
    else:
        source = "synthetic (seeded)"
        rng = np.random.default_rng(0)
        clips = [synth_clip(rng, args.seconds) for _ in range(args.n_clips)]
    X = np.stack(clips)
    audio_seconds = X.shape[0] * X.shape[1] / SR
    warmup = X[:4, : 5 * SR]

    load_before = os.getloadavg()
    rows = []
    for feature_set in ("tzanetakis", "extended"):
        models = {
            n_jobs: HandcraftedFeatures(feature_set=feature_set, n_jobs=n_jobs)
            for n_jobs in args.n_jobs
        }
        for hf in models.values():
            hf.transform(warmup)
        # interleave the configurations so that load changes hit them alike
        best = dict.fromkeys(models, np.inf)
        for _ in range(args.repeats):
            for n_jobs, hf in models.items():
                start = time.perf_counter()
                hf.transform(X)
                best[n_jobs] = min(best[n_jobs], time.perf_counter() - start)
        baseline = best[args.n_jobs[0]]
        for n_jobs, wall in best.items():
            rows.append(
                dict(
                    feature_set=feature_set,
                    n_jobs=n_jobs,
                    wall_s=round(wall, 3),
                    realtime_factor=round(audio_seconds / wall, 1),
                    speedup_vs_baseline=round(baseline / wall, 2),
                )
            )
    load_after = os.getloadavg()

    header = f"{'feature_set':<12} {'n_jobs':>6} {'wall s':>8} {'x realtime':>11}"
    print(f"{args.n_clips} clips x {args.seconds:g} s at {SR} Hz ({source}),")
    print(
        f"{audio_seconds:.0f} s of audio, {os.cpu_count()} CPUs, best of "
        f"{args.repeats}; load average {load_before[0]:.1f} -> {load_after[0]:.1f}"
    )
    print(header + f" {'speed-up':>9}")
    for r in rows:
        print(
            f"{r['feature_set']:<12} {r['n_jobs']:>6} {r['wall_s']:>8.2f} "
            f"{r['realtime_factor']:>11.1f} {r['speedup_vs_baseline']:>8.2f}x"
        )

    import joblib
    import librosa
    import scipy
    import sklearn

    result = dict(
        benchmark="HandcraftedFeatures realtime factor",
        audio=dict(
            source=source,
            n_clips=args.n_clips,
            seconds_per_clip=args.seconds,
            sr=SR,
            total_seconds=audio_seconds,
        ),
        repeats=args.repeats,
        baseline=f"n_jobs={args.n_jobs[0]} (plain loop in this process)",
        load_average_1min=dict(before=load_before[0], after=load_after[0]),
        machine=dict(
            cpu_count=os.cpu_count(),
            processor=platform.processor() or platform.machine(),
            python=platform.python_version(),
            numpy=np.__version__,
            scipy=scipy.__version__,
            librosa=librosa.__version__,
            sklearn=sklearn.__version__,
            joblib=joblib.__version__,
        ),
        results=rows,
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {RESULTS}")
    return result


if __name__ == "__main__":
    main()
