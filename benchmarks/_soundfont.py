"""Render clips of real sampled instruments from General MIDI soundfonts.

Used by the benchmarks that need recorded instrument sounds rather than
``make_music``'s synthesis: the FluidR3 GM (MIT), TimGM6mb (GPL-2) and
MuseScore General (MIT) soundfonts, fetched from Debian packages by
``benchmarks/fetch_soundfont.sh`` into ``.data/soundfont/`` (never
committed), played by TinySoundFont (``pip install --no-deps tinysoundfont``).
:class:`Renderer` plays event lists; :func:`render_dataset` is the older
*predominant instrument* set: a lead instrument from one General MIDI family
plays a random melody over a quieter accompaniment (chords on an instrument
of another family, and drums in half of the clips); the label is the lead's
family. :mod:`_tasks` builds the accuracy benchmark's tasks on top.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

#: General MIDI families used as classes: name -> programs (0-based), range
FAMILIES = {
    "piano": (range(0, 6), (48, 84)),
    "chromatic percussion": (range(8, 16), (60, 96)),
    "organ": (range(16, 21), (48, 84)),
    "guitar": (range(24, 31), (40, 76)),
    "bass": (range(32, 40), (28, 55)),
    "strings": ([40, 41, 42, 43, 44, 48, 49], (55, 88)),
    "brass": (range(56, 63), (50, 82)),
    "reed": (range(64, 72), (50, 82)),
    "pipe": (range(72, 80), (60, 93)),
}
_MAJOR = np.array([0, 2, 4, 5, 7, 9, 11])
_MINOR = np.array([0, 2, 3, 5, 7, 8, 10])


def _events(rng, family, seconds):
    """MIDI events ``(time_s, kind, chan, key, vel)`` of one clip."""
    programs, (lo, hi) = FAMILIES[family]
    lead_prog = int(rng.choice(list(programs)))
    others = [f for f in FAMILIES if f != family]
    acc_family = others[rng.integers(len(others))]
    acc_programs, (alo, ahi) = FAMILIES[acc_family]
    acc_prog = int(rng.choice(list(acc_programs)))
    tonic = int(rng.integers(0, 12))
    scale = _MAJOR if rng.random() < 0.5 else _MINOR
    beat = 60.0 / rng.uniform(70, 160)
    events = [(0.0, "program", 0, lead_prog, 0), (0.0, "program", 1, acc_prog, 0)]
    # lead melody: a random walk on the scale within the family's range
    keys = [k for k in range(lo, hi + 1) if (k - tonic) % 12 in scale]
    pos = int(rng.integers(len(keys) // 4, 3 * len(keys) // 4))
    t = float(rng.uniform(0, 0.2))
    while t < seconds:
        dur = beat * float(rng.choice([0.5, 1.0, 1.0, 2.0]))
        pos = int(np.clip(pos + rng.integers(-2, 3), 0, len(keys) - 1))
        vel = int(rng.integers(85, 120))
        events.append((t, "on", 0, keys[pos], vel))
        events.append((t + 0.9 * dur, "off", 0, keys[pos], 0))
        t += dur
    # accompaniment: sustained triads, one per bar, much quieter
    acc_vel = int(rng.integers(30, 60))
    bar = 4 * beat
    t = 0.0
    while t < seconds:
        degree = int(rng.choice([0, 3, 4, 5]))
        root = tonic + 12 * ((alo + ahi) // 24)
        for k in (0, 2, 4):
            key = root + scale[(degree + k) % 7] + 12 * ((degree + k) // 7)
            events.append((t, "on", 1, int(key), acc_vel))
            events.append((t + 0.95 * bar, "off", 1, int(key), 0))
        t += bar
    if rng.random() < 0.5:  # drums on channel 10
        events.append((0.0, "program", 9, 0, 0))
        t, step = 0.0, beat / 2
        i = 0
        while t < seconds:
            key = 36 if i % 4 == 0 else (38 if i % 4 == 2 else 42)
            events += [(t, "on", 9, key, int(rng.integers(40, 70)))]
            events += [(t + 0.1, "off", 9, key, 0)]
            t += step
            i += 1
    return events


SOUNDFONTS = {
    "FluidR3_GM": ROOT / ".data" / "soundfont" / "FluidR3_GM.sf2",
    "TimGM6mb": ROOT / ".data" / "soundfont" / "TimGM6mb.sf2",
    "MuseScore_General": ROOT / ".data" / "soundfont" / "MuseScore_General_Full.sf3",
}


class Renderer:
    """TinySoundFont synthesiser with the soundfonts of :data:`SOUNDFONTS`.

    ``render(events, seconds, soundfont)`` plays MIDI-like events
    ``(time_s, kind, chan, key, vel)`` (``kind`` one of ``"program"``,
    ``"on"``, ``"off"``; channel 9 is the drum kit) with one soundfont and
    returns a mono float32 waveform, peak-normalised to 0.5.
    """

    def __init__(self, sr=22050, names=None):
        import tinysoundfont

        names = list(SOUNDFONTS) if names is None else list(names)
        missing = [str(SOUNDFONTS[n]) for n in names if not SOUNDFONTS[n].exists()]
        if missing:
            raise FileNotFoundError(
                f"{', '.join(missing)} missing: run benchmarks/fetch_soundfont.sh "
                "first."
            )
        self.sr = sr
        self.synth = tinysoundfont.Synth(samplerate=sr)
        self.sfids = {n: self.synth.sfload(str(SOUNDFONTS[n])) for n in names}

    def render(self, events, seconds, soundfont="FluidR3_GM"):
        synth, sr, sfid = self.synth, self.sr, self.sfids[soundfont]
        n = int(seconds * sr)
        synth.notes_off()
        synth.sounds_off()
        synth.generate(sr)  # let previous voices die out
        audio = np.zeros((n, 2), np.float32)
        done = 0
        order = sorted(events, key=lambda e: (e[0], e[1] != "program", e[1] == "on"))
        for t, kind, chan, key, vel in order:
            at = min(n, int(t * sr))
            if at > done:
                audio[done:at] = np.frombuffer(synth.generate(at - done), np.float32
                                               ).reshape(-1, 2)  # fmt: skip
                done = at
            if kind == "program":
                drums = chan == 9
                synth.program_select(chan, sfid, 128 if drums else 0, key,
                                     is_drums=drums)  # fmt: skip
            elif kind == "on":
                synth.noteon(chan, key, vel)
            else:
                synth.noteoff(chan, key)
        if done < n:
            tail = synth.generate(n - done)
            audio[done:] = np.frombuffer(tail, np.float32).reshape(-1, 2)
        mono = audio.mean(axis=1)
        peak = np.abs(mono).max()
        return (0.5 * mono / peak if peak > 0 else mono).astype(np.float32)


def render_dataset(n_per_class=60, seconds=4.0, sr=22050, random_state=0):
    """Render ``n_per_class`` clips for each family in :data:`FAMILIES`.

    Returns ``(X, y)``: float32 waveforms ``(n, seconds * sr)`` peak-normalised
    to 0.5, and family names. Deterministic for a given ``random_state``.
    """
    rng = np.random.default_rng(random_state)
    renderer = Renderer(sr, names=["FluidR3_GM"])
    X, y = [], []
    for family in FAMILIES:
        for _ in range(n_per_class):
            X.append(renderer.render(_events(rng, family, seconds), seconds))
            y.append(family)
    return np.stack(X).astype(np.float32), np.array(y)
