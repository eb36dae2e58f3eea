"""The instruments of :func:`~sklearn_music.datasets.make_music`.

Band-limited wavetable oscillators with vibrato, ADSR envelopes, one note
synthesiser per pitched instrument (wavetable, FM and Karplus-Strong
synthesis) and a drum kit tuned per clip; numpy only.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["NOTE_SYNTHS", "RELEASE", "TREMOLO", "drum_kit", "hz"]


# --------------------------------------------------------------------------
# oscillators and envelopes

_TABLE_SIZE = 4096  # a power of two: phases wrap with a bit mask


@lru_cache(maxsize=256)
def _wavetable(timbre: str, n_harmonics: int) -> np.ndarray:
    """One period of a band-limited waveform, peak-normalised, float32."""
    k = np.arange(1, n_harmonics + 1)
    if timbre == "saw":
        amp = 1.0 / k
    elif timbre == "soft":  # triangle-like, for pads
        amp = 1.0 / k**2
    elif timbre == "bass":
        amp = 1.0 / k**1.5
    elif timbre == "string":
        amp = 1.0 / k**1.2
    elif timbre == "organ":  # drawbars 8', 4', 2 2/3', 2', 1 3/5', 1 1/3', 1'
        levels = np.array([1.0, 0.8, 0.6, 0.5, 0.2, 0.3, 0.0, 0.35])
        amp = levels[:n_harmonics]
        k = k[: amp.shape[0]]
    elif timbre == "piano_bright":  # hammer excitation: strong upper partials
        amp = np.abs(np.sin(np.pi * k / 7.3)) / k**0.8
    elif timbre == "piano_body":
        amp = np.exp(-(k - 1) / 1.5)
    else:  # pragma: no cover - internal
        raise ValueError(f"unknown timbre {timbre!r}")
    phase = np.arange(_TABLE_SIZE) / _TABLE_SIZE
    table = (amp[:, None] * np.sin(2 * np.pi * k[:, None] * phase)).sum(axis=0)
    return (table / np.abs(table).max()).astype(np.float32)


def _band_limit(max_harmonics: int, f_max: float, sr: int) -> int:
    """Harmonics of a tone at ``f_max`` Hz that lie below the Nyquist frequency."""
    return int(np.clip((sr / 2) // max(f_max, 1.0), 1, max_harmonics))


def _phase(f0, m, sr, *, vibrato=0.0, rate=5.5) -> np.ndarray:
    """Wavetable indices of a tone at ``f0`` Hz over its first ``m`` samples.

    ``vibrato`` is the relative frequency deviation; the phase is the exact
    integral of ``f0 * (1 + vibrato * sin(2 pi rate t))``. Indices are read
    without interpolation: with 4096-sample tables the error stays far below
    the added noise.
    """
    position = np.arange(m, dtype=np.float64) * (f0 * _TABLE_SIZE / sr)
    if vibrato:
        depth = f0 * vibrato * _TABLE_SIZE / (2 * np.pi * rate)
        w = np.float32(2 * np.pi * rate / sr)
        position += np.float32(depth) * (1 - np.cos(np.arange(m, dtype=np.float32) * w))
    index = position.astype(np.int64)
    index &= _TABLE_SIZE - 1
    return index


def _envelope(t, hold, *, attack, decay, sustain, release):
    """Linear attack, exponential decay towards ``sustain``, linear release.

    ``t`` is the note's local time in seconds (ascending); the release starts
    at ``hold`` seconds.
    """
    if sustain >= 1:
        env = np.ones_like(t)
    else:
        env = np.exp(t * np.float32(-1 / decay))
        if sustain > 0:
            env = sustain + (1 - sustain) * env
    n_attack = t.searchsorted(np.float32(attack))  # same dtype: no copy of t
    env[:n_attack] *= t[:n_attack] / np.float32(attack)
    n_hold = t.searchsorted(np.float32(hold))
    env[n_hold:] *= np.clip(1 - (t[n_hold:] - hold) / np.float32(release), 0, 1)
    return env


def hz(midi) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


# --------------------------------------------------------------------------
# instruments: each renders the first ``m`` samples of one note of ``hold``
# seconds at ``f0`` Hz (the note starts at local sample 0)


def _note_bass(f0, m, hold, sr, rng):
    t = np.arange(m, dtype=np.float32) / sr
    table = _wavetable("bass", _band_limit(10, f0, sr))
    env = _envelope(t, hold, attack=0.005, decay=0.25, sustain=0.35, release=0.04)
    return env * table[_phase(f0, m, sr)]


def _note_piano(f0, m, hold, sr, rng):
    t = np.arange(m, dtype=np.float32) / sr
    bright = _wavetable("piano_bright", _band_limit(16, f0, sr))
    body = _wavetable("piano_body", _band_limit(6, f0, sr))
    index = _phase(f0, m, sr)
    tau = 1.4 * (262.0 / f0) ** 0.4  # low notes ring longer
    env_body = _envelope(t, hold, attack=0.002, decay=tau, sustain=0, release=0.12)
    env_bright = _envelope(t, hold, attack=0.002, decay=0.12, sustain=0, release=0.05)
    return env_body * body[index] + 0.6 * env_bright * bright[index]


def _note_organ(f0, m, hold, sr, rng):
    t = np.arange(m, dtype=np.float32) / sr
    table = _wavetable("organ", _band_limit(8, f0, sr))
    env = _envelope(t, hold, attack=0.008, decay=1.0, sustain=1.0, release=0.03)
    return env * table[_phase(f0, m, sr)]


def _note_strings(f0, m, hold, sr, rng):
    t = np.arange(m, dtype=np.float32) / sr
    table = _wavetable("string", _band_limit(14, f0 * 1.01, sr))
    env = _envelope(t, hold, attack=0.25, decay=1.0, sustain=1.0, release=0.3)
    low = table[_phase(f0 * 0.997, m, sr, vibrato=0.004, rate=5.2)]
    high = table[_phase(f0 * 1.003, m, sr)]
    return 0.5 * env * (low + high)


def _note_pad(f0, m, hold, sr, rng):
    t = np.arange(m, dtype=np.float32) / sr
    table = _wavetable("soft", _band_limit(8, f0 * 1.01, sr))
    env = _envelope(t, hold, attack=0.3, decay=1.0, sustain=1.0, release=0.8)
    low = table[_phase(f0 * 0.992, m, sr)]
    high = table[_phase(f0 * 1.008, m, sr)]
    return 0.5 * env * (low + high)


def _note_lead(f0, m, hold, sr, rng):
    t = np.arange(m, dtype=np.float32) / sr
    table = _wavetable("saw", _band_limit(30, f0 * 1.01, sr))
    env = _envelope(t, hold, attack=0.01, decay=0.3, sustain=0.7, release=0.05)
    return env * table[_phase(f0, m, sr, vibrato=0.005, rate=5.0)]


def _note_bell(f0, m, hold, sr, rng):
    """Two-operator FM with an inharmonic 1:1.4 ratio (Chowning's bell)."""
    t = np.arange(m, dtype=np.float32) / sr
    index = 4.0 * np.exp(t * np.float32(-1 / 0.4))
    modulator = np.sin(t * np.float32(2 * np.pi * 1.4 * f0))
    env = _envelope(t, hold + 1.0, attack=0.001, decay=0.8, sustain=0, release=0.3)
    return env * np.sin(t * np.float32(2 * np.pi * f0) + index * modulator)


def _note_guitar(f0, m, hold, sr, rng):
    """Karplus-Strong plucked string; the recursion runs one period at a time."""
    period = max(2, round(sr / f0 - 0.5))  # the averaging filter adds 0.5
    gain = np.float32(0.5 * np.exp(-1.0 / (1.5 * f0)))  # ~1.5 s time constant
    y = np.zeros(max(m, period + 1), dtype=np.float32)
    burst = rng.uniform(-1, 1, period + 1).astype(np.float32)
    burst -= np.roll(burst, max(1, period // 5))  # pluck a fifth of the way
    y[: period + 1] = burst
    for start in range(period + 1, m, period):
        stop = min(start + period, m)
        block = y[start:stop]
        np.add(
            y[start - period : stop - period],
            y[start - period - 1 : stop - period - 1],
            out=block,
        )
        block *= gain
    t = np.arange(m, dtype=np.float32) / sr
    env = _envelope(t, hold, attack=0, decay=1.0, sustain=1.0, release=0.05)
    return 0.7 * env * y[:m]


NOTE_SYNTHS = {
    "bass": _note_bass,
    "guitar": _note_guitar,
    "piano": _note_piano,
    "organ": _note_organ,
    "strings": _note_strings,
    "pad": _note_pad,
    "lead": _note_lead,
    "bell": _note_bell,
}
#: seconds an instrument sounds after its note ends
RELEASE = {"bass": 0.04, "guitar": 0.05, "piano": 0.12, "organ": 0.03,
            "strings": 0.3, "pad": 0.8, "lead": 0.05, "bell": 1.3}  # fmt: skip
#: amplitude modulation (rate in Hz, depth) of a whole track: the organ's
#: rotating speaker, the pad's slow swell
TREMOLO = {"organ": (6.3, 0.2), "pad": (0.4, 0.15)}


def drum_kit(sr: int, rng) -> dict[str, np.ndarray]:
    """Synthesise one kick, snare, closed and open hi-hat, tuned per clip."""

    def noise(n):
        return rng.standard_normal(n, dtype=np.float32)

    def time(seconds):
        return np.arange(round(seconds * sr), dtype=np.float32) / sr

    def highpass(x):  # two first differences: +12 dB/octave
        return np.diff(x, n=2, prepend=x[:2])

    t = time(0.4)
    f_hi, f_lo = rng.uniform(130, 180), rng.uniform(42, 58)
    sweep = f_lo * t + (f_hi - f_lo) * 0.035 * (1 - np.exp(-t / 0.035))  # Hz -> cycles
    kick = np.sin(2 * np.pi * sweep) * np.exp(-t / rng.uniform(0.15, 0.3))
    kick[: t.shape[0] // 100] += 0.3 * noise(t.shape[0] // 100)  # beater click
    t = time(0.25)
    body = np.sin(2 * np.pi * rng.uniform(170, 230) * t) * np.exp(-t / 0.05)
    rattle = highpass(noise(t.shape[0]))
    snare = 0.6 * body + 0.35 * rattle * np.exp(-t / rng.uniform(0.06, 0.12))
    hat = highpass(noise(round(0.35 * sr)))
    t = time(0.35)
    closed = 0.25 * hat * np.exp(-t / rng.uniform(0.012, 0.03))
    opened = 0.25 * hat * np.exp(-t / rng.uniform(0.1, 0.18))
    return {"kick": kick, "snare": snare, "hat": closed, "open_hat": opened}
