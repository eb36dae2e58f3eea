"""Shared fixtures: seeded random generators, generated audio files, and the
CC0 recordings that ``.ci/fetch_test_audio.sh`` fetches (sonic-pi-samples)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

REPO = Path(__file__).resolve().parents[1]


def _real_audio_dir() -> Path | None:
    root = os.environ.get("SKLEARN_MUSIC_TEST_AUDIO")
    path = Path(root) if root else REPO / ".data" / "sonic-pi-samples"
    return path if path.is_dir() and any(path.glob("*.flac")) else None


def pytest_addoption(parser):
    parser.addoption(
        "--run-slow", action="store_true", help="also run tests marked slow"
    )


def pytest_collection_modifyitems(config, items):
    """Tests marked ``slow`` run only with ``--run-slow`` (or ``-m slow``)."""
    if config.getoption("--run-slow") or "slow" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="slow; run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def pytest_configure(config):
    """Under pytest-xdist each worker gets one torch thread: two workers with
    two threads each on two cores make tiny networks many times slower."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import torch

        torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seed():
    """Seed numpy's and torch's global generators before every test."""
    np.random.seed(0)  # noqa: NPY002 - legacy global state used by libraries
    try:
        import torch
    except ImportError:  # pragma: no cover
        return
    torch.manual_seed(0)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def real_audio_dir() -> Path:
    """Folder of CC0 sonic-pi sample recordings (flac, 44.1 kHz).

    Skips the test where the data is absent, except on CI, where
    ``.ci/run`` must have fetched it, so a missing fetch fails loudly.
    """
    path = _real_audio_dir()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(
                "CI must fetch the real test audio: run .ci/fetch_test_audio.sh"
            )
        pytest.skip("real test audio not fetched; run .ci/fetch_test_audio.sh")
    return path


@pytest.fixture(scope="session")
def music_loops(real_audio_dir) -> list[Path]:
    """Real recorded music loops and instrument phrases (several seconds each)."""
    names = [
        "loop_amen_full", "loop_garzul", "loop_mika", "loop_safari",
        "loop_compus", "guit_em9", "ambi_piano", "loop_industrial",
    ]  # fmt: skip
    return [real_audio_dir / f"{n}.flac" for n in names]


@pytest.fixture(scope="session")
def audio_files(tmp_path_factory):
    """Generated files in every supported container, same 1.5 s stereo tone.

    Returns a dict ``format -> path`` plus the reference signal at 44.1 kHz.
    """
    root = tmp_path_factory.mktemp("audio")
    sr = 44100
    t = np.arange(int(1.5 * sr)) / sr
    left = 0.5 * np.sin(2 * np.pi * 440 * t) * np.exp(-t)
    right = 0.3 * np.sin(2 * np.pi * 660 * t)
    stereo = np.stack([left, right], axis=1).astype(np.float32)
    paths = {}
    for ext, fmt, subtype in [
        ("wav", "WAV", "FLOAT"),
        ("flac", "FLAC", "PCM_24"),
        ("ogg", "OGG", "VORBIS"),
        ("opus", "OGG", "OPUS"),
        ("mp3", "MP3", "MPEG_LAYER_III"),
    ]:
        path = root / f"tone.{ext}"
        rate = 48000 if ext == "opus" else sr
        data = stereo
        if rate != sr:
            import soxr

            data = soxr.resample(stereo, sr, rate)
        sf.write(path, data, rate, format=fmt, subtype=subtype)
        paths[ext] = path
    paths["signal"] = stereo
    paths["sr"] = sr
    return paths
