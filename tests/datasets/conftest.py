"""Helpers that write tiny audio files for the dataset-loader fixture trees."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SR = 8000


def tone_bytes(fmt: str = "WAV", *, duration: float = 0.1, freq: float = 440.0):
    """Encoded bytes of a short sine tone (``fmt`` is a libsndfile format)."""
    t = np.arange(int(duration * SR)) / SR
    y = (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    buffer = io.BytesIO()
    subtype = "MPEG_LAYER_III" if fmt == "MP3" else None
    sf.write(buffer, y, SR, format=fmt, subtype=subtype)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def wav_bytes() -> bytes:
    return tone_bytes("WAV")


@pytest.fixture(scope="session")
def mp3_bytes() -> bytes:
    return tone_bytes("MP3")


def _put(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture(scope="session")
def put():
    """``put(path, data)`` writes ``data`` to ``path``, creating its folders."""
    return _put
