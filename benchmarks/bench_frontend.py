r"""Front-end speed: batched torch MelSpectrogram vs a per-clip librosa loop.

64 clips x 30 s at 22,050 Hz (real CC0 loops tiled to 30 s when
``.ci/fetch_test_audio.sh`` has run, else seeded noise-plus-tones), librosa's
default parameters. Both sides receive the same float32 waveforms already in
memory, so decoding is excluded; the ratio is wall time librosa / ours in the
same run. The stage breakdown times each step of one batch separately.

``--torch-batches 16 64 256`` also times the torch (CUDA) code path of
``MelSpectrogram`` at each batch size -- on ``--device``, on the CPU through
the private backend switch -- and, in the same rounds, torchaudio's
``MelSpectrogram`` + per-clip ``AmplitudeToDB(top_db=80)`` and nnAudio's
``MelSpectrogram`` when they are importable (numpy in, numpy out, like
ours). ``--baseline-torch FILE`` loads another version of
``sklearn_music/features/_stft_torch.py`` (e.g. from ``git show``) and times
it in the same rounds, for before/after comparisons.

Usage::

    python benchmarks/bench_frontend.py [--clips 64] [--seconds 30] [--device cpu]
    python benchmarks/bench_frontend.py --clips 256 --torch-batches 16 64 256 \
        --device cuda

Writes ``benchmarks/results/bench_frontend[_<device>].json`` (``--out`` to
choose).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import librosa
import numpy as np
import torch
from threadpoolctl import threadpool_limits

from sklearn_music import load_audio
from sklearn_music.features import MelSpectrogram
from sklearn_music.features._stft import (
    BLOCK_FRAMES,
    banded_projection,
    frame_segments,
    get_window,
    log_stage,
    windowed_block,
)

ROOT = Path(__file__).resolve().parents[1]
SR = 22050


def make_clips(n_clips: int, seconds: float) -> tuple[np.ndarray, str]:
    n = int(seconds * SR)
    folder = ROOT / ".data" / "sonic-pi-samples"
    loops = sorted(folder.glob("loop_*.flac")) + sorted(folder.glob("guit_*.flac"))
    if loops:
        X = np.empty((n_clips, n), dtype=np.float32)
        for i in range(n_clips):
            y = load_audio(loops[i % len(loops)], sr=SR)
            X[i] = np.resize(y, n)  # tile the loop to the full length
        return X, f"real CC0 loops tiled to {seconds:g} s ({len(loops)} sources)"
    rng = np.random.default_rng(0)
    t = np.arange(n) / SR
    X = 0.05 * rng.standard_normal((n_clips, n))
    X += 0.3 * np.sin(2 * np.pi * rng.uniform(100, 1000, (n_clips, 1)) * t)
    return X.astype(np.float32), "seeded tones + noise"


def librosa_loop(X: np.ndarray) -> None:
    for y in X:
        librosa.power_to_db(
            librosa.feature.melspectrogram(y=y, sr=SR), ref=1.0, amin=1e-10, top_db=80
        )


def timed(fn, repeats: int = 3) -> float:
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best


def stage_breakdown(X: np.ndarray, mel: MelSpectrogram) -> dict[str, float]:
    """Time each stage of the CPU path, one clip after another on one thread.

    Calls the transform's own pieces in its order: frame the clip (views; only
    the ends are padded), then per block of ``BLOCK_FRAMES`` frames window,
    rfft, square and mel-project into the output row, then the per-clip log
    stage in place. The real transform runs clips on
    ``torch.get_num_threads()`` threads at once (BLAS limited to one thread
    each, as here); the shares of the stages are the same.
    """
    import scipy.fft

    p = mel._resolve()
    n_fft, hop = p.n_fft, p.hop_length
    window = get_window(p.window, n_fft, p.win_length)
    project = banded_projection(np.repeat(mel.mel_filterbank().T, 2, axis=0))
    names = ["frame (pad ends)", "window frames", "rfft (pocketfft)", "power",
             "mel (banded)", "log (dB)"]  # fmt: skip
    stages = dict.fromkeys(names, 0.0)
    buffer = np.empty((BLOCK_FRAMES, n_fft), np.float32)
    out = np.empty((X.shape[0], p.n_bins, p.n_frames(X.shape[1])), np.float32)
    clock = time.perf_counter
    with threadpool_limits(1, user_api="blas"):
        for row, y in zip(out, X, strict=True):
            t = clock()
            n, segments = frame_segments(y, n_fft, hop, p.margin, p.pad_mode)
            stages["frame (pad ends)"] += clock() - t
            for start in range(0, n, BLOCK_FRAMES):
                stop = min(start + BLOCK_FRAMES, n)
                t0 = clock()
                w = windowed_block(segments, start, stop, window, buffer)
                t1 = clock()
                spec = scipy.fft.rfft(w, axis=-1, overwrite_x=True)
                t2 = clock()
                parts = spec.view(np.float32)
                np.square(parts, out=parts)
                t3 = clock()
                project(parts, row[:, start:stop])
                t4 = clock()
                steps = np.diff([t0, t1, t2, t3, t4])
                for key, dt in zip(names[1:5], steps, strict=True):
                    stages[key] += float(dt)
            t = clock()
            log_stage(row, p.log)
            stages["log (dB)"] += clock() - t
    return stages


def _load_baseline(path: str):
    """``stft_batch`` of another version of the torch backend module."""
    import importlib.util

    name = "sklearn_music.features._stft_torch_baseline"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.stft_batch


def _torch_path(device: str, batch_size: int, stft_batch=None):
    """``transform`` of the torch code path (optionally another version)."""
    import sklearn_music.features._stft_torch as backend

    mel = MelSpectrogram(device=device, batch_size=batch_size)
    mel._backend = "torch"
    current = backend.stft_batch

    def run(X):
        backend.stft_batch = stft_batch or current
        try:
            return mel.transform(X)
        finally:
            backend.stft_batch = current

    return run


def _torchaudio_path(device: str, batch_size: int):
    """torchaudio mel + per-clip dB (top_db=80), numpy in and out; or None."""
    try:
        import torchaudio
    except ImportError:
        return None
    mel = torchaudio.transforms.MelSpectrogram(
        sample_rate=SR, n_fft=2048, hop_length=512, n_mels=128, norm="slaney",
        mel_scale="slaney", pad_mode="constant",
    ).to(device)  # fmt: skip
    to_db = torchaudio.transforms.AmplitudeToDB(stype="power", top_db=80.0)

    def run(X):
        out = []
        for start in range(0, len(X), batch_size):
            x = torch.from_numpy(X[start : start + batch_size]).to(device)
            S = mel(x)  # (B, n_mels, T); (B, 1, ...) makes top_db per clip
            out.append(to_db(S[:, None])[:, 0].cpu().numpy())
        return np.concatenate(out)

    return run


def _nnaudio_path(device: str, batch_size: int):
    """nnAudio mel + per-clip dB, numpy in and out; or None."""
    try:
        from nnAudio.features import MelSpectrogram as NNMel
    except ImportError:
        return None
    mel = NNMel(sr=SR, n_fft=2048, hop_length=512, n_mels=128, pad_mode="constant",
                verbose=False).to(device)  # fmt: skip

    def run(X):
        out = []
        for start in range(0, len(X), batch_size):
            S = mel(torch.from_numpy(X[start : start + batch_size]).to(device))
            S_db = 10 * torch.log10(S.clamp(min=1e-10))
            peak = S_db.amax(dim=(1, 2), keepdim=True)
            out.append(torch.maximum(S_db, peak - 80.0).cpu().numpy())
        return np.concatenate(out)

    return run


def batch_scaling(X, args) -> dict:
    """Interleaved timings of the torch path (and the libraries) per batch."""
    candidates = {}
    baseline = _load_baseline(args.baseline_torch) if args.baseline_torch else None
    for bs in args.torch_batches:
        candidates[f"torch path, batch {bs}"] = _torch_path(args.device, bs)
        if baseline is not None:
            candidates[f"baseline torch path, batch {bs}"] = _torch_path(
                args.device, bs, baseline
            )
        for lib, make in (("torchaudio", _torchaudio_path), ("nnAudio", _nnaudio_path)):
            run = make(args.device, bs)
            if run is not None:
                candidates[f"{lib}, batch {bs}"] = run
    for run in candidates.values():  # warm-up: kernels, plans, allocator
        run(X[: min(len(X), 4)])
    wall = {name: [] for name in candidates}
    cpu = {name: [] for name in candidates}
    for _ in range(args.rounds):
        for name, run in candidates.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            run(X)
            if args.device.startswith("cuda"):
                torch.cuda.synchronize()
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    return {
        name: {"wall_s": wall[name], "best_s": min(wall[name]),
               "process_cpu_s": cpu[name], "best_cpu_s": min(cpu[name])}
        for name in candidates
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--torch-batches", type=int, nargs="*", default=[])
    parser.add_argument("--baseline-torch", default=None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--skip-librosa",
        action="store_true",
        help="only the batch scaling (no librosa loop, no stages)",
    )
    parser.add_argument("--out", default=None)
    args = parser.parse_args()  # fmt: skip

    X, source = make_clips(args.clips, args.seconds)
    mel = MelSpectrogram(device=args.device, batch_size=args.batch_size)
    mel.fit_transform(X[:2])  # warm-up (filterbank, kernels)

    # parity on the benchmark data itself
    ours = mel.transform(X[:4])
    ref = [librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=SR),
                               top_db=80) for y in X[:4]]  # fmt: skip
    max_diff = float(max(np.abs(o - r).max() for o, r in zip(ours, ref, strict=True)))

    scaling = batch_scaling(X, args) if args.torch_batches else {}
    audio_s = args.clips * args.seconds
    if scaling:
        print(f"\nbatch scaling ({args.rounds} interleaved rounds, best wall / best "
              f"process CPU time):")  # fmt: skip
        for name, t in scaling.items():
            print(f"  {name:38s} {t['best_s']:8.3f} s {t['best_cpu_s']:8.3f} s cpu "
                  f"{audio_s / t['best_s']:9.0f} x realtime")  # fmt: skip
    if args.skip_librosa:
        _write(args, {"n_clips": args.clips, "seconds": args.seconds, "sr": SR,
                      "data": source, "device": args.device,
                      "torch": torch.__version__, "torch_threads":
                      torch.get_num_threads(), "parity_max_abs_db": max_diff,
                      "batch_scaling": scaling, "load_average_1min":
                      os.getloadavg()[0], "cuda_device": _cuda_name(args)})  # fmt: skip
        return

    librosa_loop(X[:2])  # warm-up
    t_librosa = timed(lambda: librosa_loop(X), repeats=2)
    t_ours = timed(lambda: mel.transform(X))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    t_one = timed(lambda: mel.transform(X), repeats=2)
    torch.set_num_threads(threads)
    stages = stage_breakdown(X, mel)

    rows = [
        ("librosa per-clip loop", t_librosa, audio_s / t_librosa, 1.0),
        (f"MelSpectrogram ({args.device}, batch {args.batch_size})", t_ours,
         audio_s / t_ours, t_librosa / t_ours),
        ("MelSpectrogram, 1 thread", t_one, audio_s / t_one, t_librosa / t_one),
    ]  # fmt: skip
    print(f"\n{args.clips} clips x {args.seconds:g} s at {SR} Hz; data: {source}")
    cpu = platform.processor() or platform.machine()
    print(
        f"torch {torch.__version__}, librosa {librosa.__version__}, "
        f"threads {torch.get_num_threads()}, {cpu}"
    )
    print(f"parity on the benchmark data: max |ours - librosa| = {max_diff:.2e} dB\n")
    print(f"{'method':45s} {'wall s':>8s} {'x realtime':>11s} {'speed-up':>9s}")
    for name, t, rt, ratio in rows:
        print(f"{name:45s} {t:8.2f} {rt:11.0f} {ratio:8.2f}x")
    total = sum(stages.values())
    print("\nwhere the time goes (CPU path, stages timed one clip at a time):")
    for key, dt in stages.items():
        print(f"  {key:18s} {dt:6.2f} s  {100 * dt / total:5.1f} %")

    result = {
        "n_clips": args.clips, "seconds": args.seconds, "sr": SR, "data": source,
        "device": args.device, "batch_size": args.batch_size,
        "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
        "librosa": librosa.__version__, "librosa_loop_s": t_librosa,
        "ours_s": t_ours, "speedup": t_librosa / t_ours,
        "ours_one_thread_s": t_one, "thread_scaling": t_one / t_ours,
        "parity_max_abs_db": max_diff, "stages_s": stages,
        "batch_scaling": scaling, "load_average_1min": os.getloadavg()[0],
        "cuda_device": _cuda_name(args),
    }  # fmt: skip
    _write(args, result)


def _cuda_name(args) -> str | None:
    return torch.cuda.get_device_name() if args.device.startswith("cuda") else None


def _write(args, result: dict) -> None:
    suffix = "" if args.device == "cpu" else f"_{args.device.replace(':', '')}"
    default = ROOT / "benchmarks" / "results" / f"bench_frontend{suffix}.json"
    out = Path(args.out) if args.out else default
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
