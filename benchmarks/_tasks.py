"""The tasks of the accuracy benchmark, built offline from Debian packages.

:func:`load_task` returns ``(X, y, groups, meta)`` for one task:

``sonicpi``
    Single-label, real recordings: the category of a Sonic Pi sample (CC0,
    Debian ``sonic-pi-samples``, fetched by ``.ci/fetch_test_audio.sh``), the
    file-name prefix (``ambi_``, ``bass_``, ``elec_``, ...; ``bd_``, ``drum_``
    and ``sn_`` form one class ``drum``). Categories with fewer than
    :data:`MIN_FILES` files (``guit``, ``misc``, ``vinyl``) are left out: a
    grouped split cannot put them on both sides. Most samples are one-shots
    under 2 s, so a clip is what a Sonic Pi user makes of a sample: the
    sample played again and again at a random playback rate (0.8-1.25, as
    Sonic Pi's ``rate:``) with random gaps (0-1 s) and gains until the clip
    is full; samples longer than the clip are cropped at a random offset.
    Each file gives several such clips (more for the categories with fewer
    files, so classes are roughly balanced); ``group`` is the source file.
``scores``
    Single-label, rendered scores, a *musical* label: the mode (major or
    minor) of a Bach chorale (music21 corpus). The label is music21's key
    analysis of the whole chorale, kept only when the analysis of the
    rendered excerpt (its opening) agrees. Every clip is transposed by a
    random interval (-6..+5 semitones), played at a random tempo, each voice
    on a random instrument from a pool of sustained General MIDI programs,
    with one of three soundfonts (FluidR3 GM, TimGM6mb, MuseScore General)
    drawn at random; so key, tempo, instrument and soundfont carry no
    information on the label. ``group`` is the chorale.
``mixtures``
    Multi-label tagging: 1-3 instrument families (of nine General MIDI
    families and the drum kit) play together in a random key and tempo, each
    a random part (melody or chords) on a random program of its family, on
    one of the three soundfonts; the tags are the families present. Every
    clip is rendered from its own notes, so ``group`` is the clip.

Clips are float32 mono at 22,050 Hz, peak-normalised to 0.5. Built tasks
are cached as ``.npz`` under ``.data/bench/`` (git-ignored), keyed by every
argument, so reruns load in seconds.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from _soundfont import FAMILIES, SOUNDFONTS, Renderer

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".data" / "bench"
SONICPI = ROOT / ".data" / "sonic-pi-samples"
SR = 22050
#: a category needs this many source files to take part in grouped splits
MIN_FILES = 8
#: sonic-pi file prefixes merged into one class
MERGE = {"bd": "drum", "sn": "drum"}
TASKS = ("sonicpi", "scores", "mixtures")
#: default clip length (s) and clips per class of each task
DEFAULTS = {
    "sonicpi": {"seconds": 5.0, "n_per_class": 30},
    "scores": {"seconds": 8.0, "n_per_class": 120},
    "mixtures": {"seconds": 6.0, "n_per_class": 60},
}
#: sustained General MIDI programs the chorale voices are played on
SCORE_PROGRAMS = [0, 1, 4, 6, 16, 19, 20, 24, 25, 40, 41, 42, 48, 49, 52, 56,
                  57, 58, 60, 61, 64, 65, 66, 68, 69, 70, 71, 73, 74]  # fmt: skip
_MAJOR = np.array([0, 2, 4, 5, 7, 9, 11])
_MINOR = np.array([0, 2, 3, 5, 7, 8, 10])


def load_task(name, *, n_per_class=None, seconds=None, seed=0, verbose=True):
    """Build (or load from the cache) one benchmark task.

    Parameters
    ----------
    name : {"sonicpi", "scores", "mixtures"}
        The task (see the module docstring).
    n_per_class : int or None
        Clips per class (``sonicpi``: about that many; ``scores``: at most
        that many per mode; ``mixtures``: the total is ``n_per_class`` times
        the number of tags divided by 2, as each clip holds 2 tags on
        average). ``None`` uses :data:`DEFAULTS`.
    seconds : float or None
        Clip length in seconds; ``None`` uses :data:`DEFAULTS`.
    seed : int
        Seeds the data generation (not the splits).

    Returns
    -------
    X : ndarray of shape (n_clips, seconds * 22050), float32
    y : ndarray of shape (n_clips,) (labels) or (n_clips, n_tags) (0/1)
    groups : ndarray of shape (n_clips,)
        Source recording / piece / clip of each clip, for grouped splits.
    meta : dict
        ``task``, ``kind`` ("single-label" or "multi-label"), ``classes``,
        the arguments, task details (``sources`` per class, ...) and the
        ``path`` of the cached ``.npz``.
    """
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; choose one of {TASKS}")
    d = DEFAULTS[name]
    args = {
        "task": name,
        "n_per_class": int(n_per_class or d["n_per_class"]),
        "seconds": float(seconds or d["seconds"]),
        "seed": int(seed),
        "sr": SR,
        "version": 1,
    }
    key = hashlib.sha1(json.dumps(args, sort_keys=True).encode()).hexdigest()[:10]
    path = CACHE / f"{name}-{key}.npz"
    if path.exists():
        with np.load(path, allow_pickle=False) as f:
            meta = json.loads(str(f["meta"]))
            return f["X"], f["y"], f["groups"], {**meta, "path": str(path)}
    build = {"sonicpi": _sonicpi, "scores": _scores, "mixtures": _mixtures}[name]
    X, y, groups, meta = build(
        args["n_per_class"], args["seconds"], np.random.default_rng(seed), verbose
    )
    meta = {**args, **meta}
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, X=X, y=y, groups=groups, meta=json.dumps(meta))
    tmp.replace(path)
    return X, y, groups, {**meta, "path": str(path)}


# ----------------------------------------------------------------------
# sonicpi: categories of real CC0 recordings
# ----------------------------------------------------------------------
def _sonicpi(n_per_class, seconds, rng, verbose):
    import soundfile as sf
    from scipy.signal import resample_poly

    files = sorted(SONICPI.glob("*.flac"))
    if not files:
        raise FileNotFoundError(
            f"no .flac files in {SONICPI}: run .ci/fetch_test_audio.sh first."
        )
    by_class = defaultdict(list)
    for f in files:
        prefix = f.name.split("_")[0]
        by_class[MERGE.get(prefix, prefix)].append(f)
    dropped = {c: len(v) for c, v in by_class.items() if len(v) < MIN_FILES}
    by_class = {c: v for c, v in sorted(by_class.items()) if len(v) >= MIN_FILES}
    n = int(seconds * SR)
    X, y, groups = [], [], []
    for label, paths in by_class.items():
        per_file = max(1, int(np.ceil(n_per_class / len(paths))))
        for path in paths:
            audio, sr = sf.read(path, dtype="float32", always_2d=True)
            audio = audio.mean(axis=1)
            if sr != SR:
                audio = resample_poly(audio, SR, sr).astype(np.float32)
            for _ in range(per_file):
                X.append(_pattern(audio, n, rng))
                y.append(label)
                groups.append(path.stem)
    meta = {
        "kind": "single-label",
        "classes": sorted(by_class),
        "sources": {c: len(v) for c, v in by_class.items()},
        "dropped_classes": dropped,
        "merged_prefixes": MERGE,
    }
    return np.stack(X), np.array(y), np.array(groups), meta


def _pattern(audio, n, rng):
    """One clip of ``n`` samples made from one sample (see module doc)."""
    rate = rng.uniform(0.8, 1.25)
    m = max(2, round(len(audio) / rate))
    hit = np.interp(np.linspace(0, len(audio) - 1, m), np.arange(len(audio)), audio)
    out = np.zeros(n, np.float32)
    if len(hit) >= n:
        start = int(rng.integers(0, len(hit) - n + 1))
        out[:] = hit[start : start + n]
    else:
        t = int(rng.integers(0, int(0.5 * SR)))
        while t < n:
            k = min(len(hit), n - t)
            out[t : t + k] += rng.uniform(0.5, 1.0) * hit[:k]
            t += len(hit) + int(rng.uniform(0, 1.0) * SR)
    peak = np.abs(out).max()
    return 0.5 * out / peak if peak > 0 else out


# ----------------------------------------------------------------------
# scores: mode of Bach chorales, instrument independent of the label
# ----------------------------------------------------------------------
def _chorale_notes(path):
    """``(notes, mode)``: notes ``(onset_q, dur_q, midi, voice)`` of the piece and
    the mode of the whole chorale, or ``None`` when the opening's key
    analysis disagrees with the whole piece's (or parsing fails)."""
    from music21 import corpus, stream

    try:
        score = corpus.parse(path).stripTies()
        whole = score.analyze("key")
        flat = score.flatten().notes
        notes = [(float(n.offset), float(n.quarterLength), p.midi, i % 4)
                 for i, part in enumerate(score.parts)
                 for n in part.flatten().notes for p in n.pitches]  # fmt: skip
    except Exception:
        return None
    opening = stream.Stream()
    for n in flat:
        if n.offset < 16:  # what a clip at the slowest tempo covers
            opening.insert(n.offset, n)
    try:
        local = opening.analyze("key")
    except Exception:
        return None
    if whole.mode not in ("major", "minor") or local.mode != whole.mode:
        return None
    return notes, whole.mode


def _scores(n_per_class, seconds, rng, verbose):
    from music21 import corpus

    paths = [p for p in corpus.getComposer("bach") if str(p).endswith(".mxl")]
    paths = [paths[i] for i in rng.permutation(len(paths))]
    renderer = Renderer(SR)
    fonts = list(SOUNDFONTS)
    X, y, groups, kept = [], [], [], defaultdict(int)
    skipped = 0
    for path in paths:
        if all(kept[m] >= n_per_class for m in ("major", "minor")):
            break
        parsed = _chorale_notes(path)
        if parsed is None:
            skipped += 1
            continue
        notes, mode = parsed
        if kept[mode] >= n_per_class:
            continue
        bpm = rng.uniform(60, 100)
        q = 60.0 / bpm
        shift = int(rng.integers(-6, 6))
        programs = rng.choice(SCORE_PROGRAMS, size=4)
        events = [(0.0, "program", c, int(programs[c]), 0) for c in range(4)]
        for onset, dur, midi, chan in notes:
            t = onset * q
            if t >= seconds:
                continue
            vel = int(rng.integers(70, 100))
            events.append((t, "on", chan, int(midi + shift), vel))
            events.append((t + 0.95 * dur * q, "off", chan, int(midi + shift), 0))
        font = fonts[int(rng.integers(len(fonts)))]
        X.append(renderer.render(events, seconds, font))
        y.append(mode)
        groups.append(Path(path).stem)
        kept[mode] += 1
        if verbose and len(X) % 50 == 0:
            print(f"  scores: {len(X)} chorales rendered")
    meta = {
        "kind": "single-label",
        "classes": ["major", "minor"],
        "sources": dict(kept),
        "skipped_disagreeing_or_unreadable": skipped,
        "soundfonts": fonts,
    }
    return np.stack(X), np.array(y), np.array(groups), meta


# ----------------------------------------------------------------------
# mixtures: multi-label instrument families
# ----------------------------------------------------------------------
def _part(rng, chan, family, tonic, scale, beat, seconds, chords):
    """Events of one instrument's part: a melody or one chord per bar."""
    programs, (lo, hi) = FAMILIES[family]
    events = [(0.0, "program", chan, int(rng.choice(list(programs))), 0)]
    keys = [k for k in range(lo, hi + 1) if (k - tonic) % 12 in scale]
    vel = int(rng.integers(75, 115))
    t = float(rng.uniform(0, 0.3))
    if chords:
        while t < seconds:
            dur = 2 * beat * float(rng.choice([1, 2]))
            base = int(rng.integers(0, max(1, len(keys) - 5)))
            for k in (0, 2, 4):
                key = keys[min(base + k, len(keys) - 1)]
                events += [
                    (t, "on", chan, key, vel),
                    (t + 0.9 * dur, "off", chan, key, 0),
                ]
            t += dur
        return events
    pos = int(rng.integers(len(keys) // 4, 3 * len(keys) // 4))
    while t < seconds:
        dur = beat * float(rng.choice([0.5, 1.0, 1.0, 2.0]))
        pos = int(np.clip(pos + rng.integers(-2, 3), 0, len(keys) - 1))
        events += [
            (t, "on", chan, keys[pos], vel),
            (t + 0.9 * dur, "off", chan, keys[pos], 0),
        ]
        t += dur
    return events


def _drums(rng, beat, seconds):
    events = [(0.0, "program", 9, 0, 0)]
    pattern = rng.choice([36, 38, 42, 46, 45, 49, 51], size=8)
    pattern[0] = 36
    t, i = 0.0, 0
    while t < seconds:
        key = int(pattern[i % 8])
        events += [
            (t, "on", 9, key, int(rng.integers(70, 110))),
            (t + 0.1, "off", 9, key, 0),
        ]
        t += beat / 2
        i += 1
    return events


def _mixtures(n_per_class, seconds, rng, verbose):
    tags = [*FAMILIES, "drums"]
    n_clips = n_per_class * len(tags) // 2
    renderer = Renderer(SR)
    fonts = list(SOUNDFONTS)
    X, Y = [], np.zeros((n_clips, len(tags)), np.int64)
    for i in range(n_clips):
        k = int(rng.integers(1, 4))
        present = sorted(rng.choice(len(tags), size=k, replace=False))
        tonic = int(rng.integers(0, 12))
        scale = _MAJOR if rng.random() < 0.5 else _MINOR
        beat = 60.0 / rng.uniform(70, 150)
        events = []
        for chan, j in enumerate(present):
            Y[i, j] = 1
            if tags[j] == "drums":
                events += _drums(rng, beat, seconds)
            else:
                chords = tags[j] not in ("bass",) and rng.random() < 0.4
                events += _part(rng, chan, tags[j], tonic, scale, beat, seconds, chords)
        X.append(renderer.render(events, seconds, fonts[int(rng.integers(len(fonts)))]))
        if verbose and (i + 1) % 100 == 0:
            print(f"  mixtures: {i + 1}/{n_clips} clips rendered")
    meta = {
        "kind": "multi-label",
        "classes": tags,
        "tag_counts": dict(zip(tags, Y.sum(axis=0).tolist(), strict=True)),
        "soundfonts": fonts,
    }
    return np.stack(X), Y, np.array([f"clip{i}" for i in range(n_clips)]), meta
