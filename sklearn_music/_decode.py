"""Decoding one audio file, with the checks that bound what it may cost.

:func:`load_audio` (re-exported by :mod:`sklearn_music._io` and the package)
decodes through libsndfile and resamples with soxr. Before decoding, the
header is checked against the resource bounds: a sampling rate between
:data:`MIN_SAMPLE_RATE` and :data:`MAX_SAMPLE_RATE` (a tiny file that
declares 1 Hz would be resampled to gigabytes) and at most ``max_duration``
seconds of audio to read (default :data:`MAX_DURATION`, one hour). After
decoding, a clip shorter than its header announces is an
:class:`~sklearn_music.AudioDecodeError` (a truncated file), as is an Ogg
stream (Vorbis, Opus) that does not end with its end-of-stream page.

:func:`load_audio_hashed` decodes from the very bytes it hashes, for the
spectrogram cache, whose keys must describe what was decoded.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct

import numpy as np
import soundfile as sf
import soxr

from ._errors import AudioDecodeError, AudioInputError
from ._filecheck import DECODE_ERRORS, decode_error, file_problem

__all__ = [
    "MAX_DURATION",
    "MAX_SAMPLE_RATE",
    "MIN_SAMPLE_RATE",
    "check_header",
    "declared_frames",
    "load_audio",
    "load_audio_hashed",
]

#: Lowest sampling rate a file header may declare, in Hz.
MIN_SAMPLE_RATE = 1_000
#: Highest sampling rate a file header may declare, in Hz.
MAX_SAMPLE_RATE = 768_000
#: Default ``max_duration``: seconds of audio one item may decode to.
MAX_DURATION = 3600.0
# files up to this size are hashed and decoded from one buffer in memory
_HASHED_IN_MEMORY = 256 * 2**20
_HASH_SIZE = 16
_TAIL = 65_536


def check_header(f: sf.SoundFile, where: str) -> None:
    """Refuse a header whose sampling rate is out of bounds."""
    sr = f.samplerate
    if not MIN_SAMPLE_RATE <= sr <= MAX_SAMPLE_RATE:
        raise AudioDecodeError(
            f"{where} declares a sampling rate of {sr} Hz, outside "
            f"[{MIN_SAMPLE_RATE}, {MAX_SAMPLE_RATE}] Hz; the header is damaged "
            "or forged (decoding it would resample to an unbounded size)."
        )


def _riff_frames(head: bytes, size: int, read) -> int | None:
    """Frames a WAV header announces (data chunk bytes / block align)."""
    pos, block_align = 12, None
    while pos + 8 <= size:
        chunk = read(pos, 8)
        if len(chunk) < 8:
            return None
        cid, length = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        if cid == b"fmt ":
            fmt = read(pos + 8, 16)
            if len(fmt) < 16:
                return None
            block_align = struct.unpack("<H", fmt[12:14])[0]
        elif cid == b"data":
            if not block_align or length in (0, 0xFFFFFFFF):
                return None  # a stream whose length was never written
            return length // block_align
        pos += 8 + length + (length & 1)
    return None


def _aiff_frames(size: int, read) -> int | None:
    """Frames the COMM chunk of an AIFF header announces."""
    pos = 12
    while pos + 8 <= size:
        chunk = read(pos, 8)
        if len(chunk) < 8:
            return None
        cid, length = chunk[:4], struct.unpack(">I", chunk[4:])[0]
        if cid == b"COMM":
            comm = read(pos + 8, 6)
            return struct.unpack(">I", comm[2:6])[0] if len(comm) == 6 else None
        pos += 8 + length + (length & 1)
    return None


def declared_frames(source) -> int | None:
    """Frames a WAV or AIFF header announces, or None (other formats, or a
    header that does not say)."""

    def read(pos, n):
        source.seek(pos)
        return source.read(n)

    source.seek(0, os.SEEK_END)
    size = source.tell()
    head = read(0, 12)
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return _riff_frames(head, size, read)
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return _aiff_frames(size, read)
    return None


def _ogg_ends(source) -> bool:
    """Whether ``source`` ends with a complete end-of-stream Ogg page."""
    source.seek(0, os.SEEK_END)
    size = source.tell()
    source.seek(max(0, size - 2 * _TAIL))  # a page holds at most 65307 bytes
    tail = source.read(2 * _TAIL)
    at = tail.rfind(b"OggS")
    while at >= 0:
        if len(tail) >= at + 27:
            n_segments = tail[at + 26]
            table = tail[at + 27 : at + 27 + n_segments]
            end = at + 27 + n_segments + sum(table)
            if len(table) == n_segments and end == len(tail):
                return bool(tail[at + 5] & 0x04)
        at = tail.rfind(b"OggS", 0, at)  # "OggS" inside the data of a page
    return False


def _check_complete(source, f: sf.SoundFile, where: str) -> None:
    """Refuse a file whose header announces more than the file holds."""
    fmt = f.format
    if fmt in ("WAV", "AIFF"):
        declared = declared_frames(source)
        if declared is not None and declared > f.frames:
            raise AudioDecodeError(
                f"{where} is truncated: its header announces {declared} frames "
                f"but the file holds {f.frames}."
            )
    elif fmt == "OGG" and not _ogg_ends(source):
        raise AudioDecodeError(
            f"{where} is truncated: its Ogg stream has no end-of-stream page."
        )


def _slack(fmt: str, frames: int) -> int:
    """Frames a decode may fall short of the header's count: none, except
    for MP3, whose length libsndfile estimates when no Xing/Info header
    states it (a truncated file falls far shorter)."""
    return 2 * 1152 + frames // 100 if fmt == "MP3" else 0


def _check_span(offset, duration, max_duration, where) -> None:
    if not (np.isfinite(offset) and offset >= 0):
        raise ValueError(f"offset must be a finite number >= 0; got {offset!r}.")
    if duration is not None and not (np.isfinite(duration) and duration > 0):
        raise ValueError(
            f"duration must be None or a finite number > 0 (seconds); got {duration!r}."
        )
    if max_duration is not None and not max_duration > 0:
        raise ValueError(f"max_duration must be None or > 0; got {max_duration!r}.")


def _decode(source, where, *, sr, offset, duration, max_duration) -> np.ndarray:
    """Decode ``source`` (a path or a binary file object); see load_audio."""
    with sf.SoundFile(source) as f:
        check_header(f, where)
        fmt = f.format
        native_sr = f.samplerate
        start = min(round(offset * native_sr), f.frames)
        available = f.frames - start
        frames = available
        if duration is not None:
            frames = min(available, round(duration * native_sr))
        if max_duration is not None and frames > max_duration * native_sr:
            raise AudioInputError(
                f"{where} holds {available / native_sr:.0f} s of audio from "
                f"offset {offset} s, more than max_duration={max_duration} s. "
                "Read a part of it with duration=, or pass max_duration=None "
                "to lift the bound."
            )
        if start:
            f.seek(start)
        y = f.read(frames, dtype="float32", always_2d=True)
        if frames == available and isinstance(source, str):
            with open(source, "rb") as raw:
                _check_complete(raw, f, where)
        elif frames == available:
            _check_complete(source, f, where)
    if y.shape[0] < frames - _slack(fmt, frames):
        raise AudioDecodeError(
            f"{where} is truncated or damaged: {y.shape[0]} frames decoded of "
            f"the {frames} its header announces."
        )
    y = y.mean(axis=1, dtype=np.float32) if y.shape[1] > 1 else y[:, 0]
    if sr is not None and native_sr != sr and y.size:
        y = soxr.resample(y, native_sr, sr, quality="HQ").astype(np.float32)
    return np.ascontiguousarray(y, dtype=np.float32)


def load_audio(
    path: str | os.PathLike,
    *,
    sr: int | None = 22050,
    offset: float = 0.0,
    duration: float | None = None,
    max_duration: float | None = MAX_DURATION,
) -> np.ndarray:
    """Decode an audio file to a mono float32 waveform at ``sr``.

    Reads wav, flac, ogg/vorbis, ogg/opus and mp3 through libsndfile. Only the
    requested span is read from disk, so memory stays bounded for long files.
    Multi-channel audio is averaged to mono and resampled with soxr's
    high-quality filter, which matches ``librosa.load(path, sr=sr)``.

    Parameters
    ----------
    path : str or path-like
        Audio file to read.
    sr : int or None, default=22050
        Target sampling rate in Hz. ``None`` keeps the file's native rate.
    offset : float, default=0.0
        Start reading this many seconds into the file (>= 0).
    duration : float or None, default=None
        Read at most this many seconds (> 0). ``None`` reads to the end.
    max_duration : float or None, default=3600.0
        Refuse to read more than this many seconds (one hour by default), so
        that one item cannot exhaust memory; ``None`` lifts the bound. A
        ``duration`` within it reads part of a longer file.

    Returns
    -------
    y : ndarray of shape (n_samples,), dtype float32
        Mono waveform at ``sr``.

    Raises
    ------
    AudioFileNotFoundError
        If ``path`` does not exist.
    AudioDecodeError
        If the file cannot be decoded, is truncated (fewer frames than its
        header announces, or an Ogg stream without its end), or declares a
        sampling rate outside [1 kHz, 768 kHz].
    AudioInputError
        If more than ``max_duration`` seconds would be read.
    ValueError
        If ``offset``, ``duration`` or ``max_duration`` is out of range.

    Examples
    --------
    >>> import numpy as np, soundfile as sf, tempfile, os
    >>> from sklearn_music import load_audio
    >>> path = os.path.join(tempfile.mkdtemp(), "tone.wav")
    >>> sf.write(path, np.sin(np.arange(44100) * 0.05), 44100)
    >>> load_audio(path, sr=22050).shape
    (22050,)
    """
    path = os.fspath(path)
    _check_span(offset, duration, max_duration, path)
    missing = file_problem(path, depth="exists")
    if missing is not None:
        raise missing
    try:
        return _decode(
            path,
            f"file {path!r}",
            sr=sr,
            offset=offset,
            duration=duration,
            max_duration=max_duration,
        )
    except DECODE_ERRORS as exc:
        raise decode_error(path, exc) from exc


def load_audio_hashed(
    path: str,
    *,
    sr: int | None,
    duration: float | None = None,
    max_duration: float | None = MAX_DURATION,
) -> tuple[np.ndarray, str | None]:
    """:func:`load_audio` and the BLAKE2b digest of the bytes decoded.

    A file of up to 256 MiB is read once; the digest and the waveform come
    from that one buffer, so they agree even if the file is replaced
    meanwhile. A larger file is hashed before and after decoding; if the
    two digests differ (it changed while being read), the digest is None.

    Returns
    -------
    y : ndarray of shape (n_samples,), dtype float32
        As :func:`load_audio` returns it.
    digest : str or None
        Hex digest of the content decoded (as
        :func:`~sklearn_music.utils.digest_file` computes it), or None.
    """
    from .utils import digest_file

    missing = file_problem(path, depth="exists")
    if missing is not None:
        raise missing
    span = {"sr": sr, "duration": duration, "max_duration": max_duration}
    if os.path.getsize(path) > _HASHED_IN_MEMORY:
        before = digest_file(path, size=_HASH_SIZE)
        y = load_audio(path, **span)
        after = digest_file(path, size=_HASH_SIZE)
        return y, before if before == after else None
    with open(path, "rb") as f:
        data = f.read()
    digest = hashlib.blake2b(data, digest_size=_HASH_SIZE).hexdigest()
    try:
        y = _decode(io.BytesIO(data), f"file {path!r}", offset=0.0, **span)
    except DECODE_ERRORS as exc:
        raise decode_error(path, exc) from exc
    return y, digest
