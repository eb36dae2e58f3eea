"""Synthetic labelled music with real musical structure.

:func:`make_music` composes and renders short pieces in a handful of styles.
Each style has its own tempo range, metre and drum groove, mode and chord
progressions, and arrangement; every clip varies tempo, key, start offset,
tuning, mix levels and noise. The audio is synthesised with numpy only
(wavetable, FM and Karplus-Strong synthesis), so tests, examples and demos
need no download.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from ._instruments import NOTE_SYNTHS, RELEASE, TREMOLO, drum_kit, hz

__all__ = ["make_music"]

_STEPS_PER_BEAT = 4  # the rhythm grid is in 16th notes
_SCALES = {
    "major": np.array([0, 2, 4, 5, 7, 9, 11]),
    "minor": np.array([0, 2, 3, 5, 7, 8, 10]),
    "dorian": np.array([0, 2, 3, 5, 7, 9, 10]),
}


@dataclass(frozen=True)
class _Style:
    """How one style composes: all rhythms are 16th-note steps within a bar."""

    tempo: tuple[float, float]  # beats per minute
    beats_per_bar: int
    mode: str
    progressions: tuple[tuple[int, ...], ...]  # scale degrees, 0 = tonic
    chord_beats: int  # beats per chord
    kick: tuple[int, ...]
    snare: tuple[int, ...]
    hat: tuple[int, ...]
    bass: tuple[tuple[int, int], ...]  # (step, length in steps)
    comp: tuple[tuple[int, int], ...]  # chord strikes of piano, guitar, organ
    melody: tuple[int, ...]  # candidate melody onsets
    melody_density: float  # probability that a candidate onset sounds
    instruments: tuple[str, ...]  # always present in the style
    optional: tuple[str, ...]  # each present in about half of the clips
    open_hat: tuple[int, ...] = ()
    sevenths: bool = False  # four-note chords
    arpeggio: bool = False  # melody cycles through chord tones
    broken_chords: bool = False  # struck chords are played one tone at a time
    swing: float = 0.0  # delay of odd 16ths, in steps
    bass_octaves: float = 0.0  # probability that an off-beat bass note leaps


_EIGHTHS = tuple(range(0, 16, 2))
_SIXTEENTHS = tuple(range(16))

_STYLES: dict[str, _Style] = {
    # straight 4/4 backbeat, major pop-rock progressions, strummed guitar
    "rock": _Style(
        tempo=(108, 132), beats_per_bar=4, mode="major",
        progressions=((0, 4, 5, 3), (0, 3, 4, 3), (0, 5, 3, 4)), chord_beats=2,
        kick=(0, 8, 10), snare=(4, 12), hat=_EIGHTHS,
        bass=tuple((s, 2) for s in _EIGHTHS), comp=((0, 4), (4, 4), (8, 4), (12, 4)),
        melody=(0, 4, 6, 8, 12), melody_density=0.6,
        instruments=("drums", "bass", "guitar"), optional=("organ", "lead"),
    ),
    # 3/4 oom-pah-pah with seventh chords in major, no drums
    "waltz": _Style(
        tempo=(84, 108), beats_per_bar=3, mode="major",
        progressions=((0, 3, 4, 0), (0, 4, 4, 0), (0, 1, 4, 0)), chord_beats=3,
        kick=(0,), snare=(), hat=(4, 8),
        bass=((0, 4),), comp=((4, 3), (8, 3)),
        melody=(0, 4, 6, 8), melody_density=0.7,
        instruments=("bass", "piano"), optional=("strings", "bell"), sevenths=True,
    ),
    # four-on-the-floor, off-beat bass and open hats, minor 16th arpeggios
    "techno": _Style(
        tempo=(124, 136), beats_per_bar=4, mode="minor",
        progressions=((0,), (0, 5), (0, 6)), chord_beats=8,
        kick=(0, 4, 8, 12), snare=(4, 12), hat=_SIXTEENTHS, open_hat=(2, 6, 10, 14),
        bass=tuple((s, 1) for s in (2, 3, 6, 7, 10, 11, 14, 15)), comp=((0, 32),),
        melody=_SIXTEENTHS, melody_density=1.0, arpeggio=True,
        instruments=("drums", "bass", "lead"), optional=("pad",),
    ),
    # slow minor ballad: broken piano chords under held strings
    "ballad": _Style(
        tempo=(58, 74), beats_per_bar=4, mode="minor",
        progressions=((0, 5, 2, 6), (0, 3, 5, 4), (5, 6, 0, 0)), chord_beats=4,
        kick=(0, 10), snare=(8,), hat=_EIGHTHS,
        bass=((0, 8), (8, 8)), comp=tuple((s, 4) for s in _EIGHTHS),
        broken_chords=True, melody=(0, 4, 8, 12), melody_density=0.5,
        instruments=("piano", "strings"), optional=("bass", "bell"),
    ),
    # syncopated, swung 16th groove with ghost notes, dorian seventh chords
    "funk": _Style(
        tempo=(96, 112), beats_per_bar=4, mode="dorian",
        progressions=((0, 3), (0,), (0, 6)), chord_beats=8, sevenths=True,
        kick=(0, 3, 6, 10), snare=(4, 7, 12, 15), hat=_SIXTEENTHS, swing=0.3,
        bass=((0, 2), (3, 1), (6, 1), (7, 2), (10, 1), (13, 1), (14, 2)),
        bass_octaves=0.4, comp=((2, 1), (5, 1), (9, 1), (13, 1)),
        melody=(0, 3, 6, 10, 12), melody_density=0.5,
        instruments=("drums", "bass", "organ"), optional=("guitar", "lead"),
    ),
    # beatless: long major-seventh pads and sparse bells
    "ambient": _Style(
        tempo=(60, 80), beats_per_bar=4, mode="major",
        progressions=((0, 3), (0, 5, 3), (3, 0)), chord_beats=8, sevenths=True,
        kick=(0,), snare=(), hat=(4, 8, 12),
        bass=((0, 16),), comp=((0, 8), (8, 8)),
        melody=(0, 6, 10), melody_density=0.6,
        instruments=("pad", "bell"), optional=("strings", "piano"),
    ),
}  # fmt: skip

#: Instrument tags of the multi-label mode, in column order.
_TAGS = ("drums", "bass", "guitar", "piano", "organ", "strings", "pad", "lead", "bell")

# lowest MIDI note of each instrument's register (chord roots sit in the octave
# above it) and mix level relative to the other instruments
_REGISTER = {"bass": 33, "guitar": 40, "piano": 50, "organ": 50, "strings": 53,
             "pad": 60, "lead": 62, "bell": 67}  # fmt: skip
_LEVEL = {"drums": 1.0, "bass": 0.9, "guitar": 0.8, "piano": 0.8, "organ": 0.7,
          "strings": 0.7, "pad": 0.7, "lead": 0.6, "bell": 0.6}  # fmt: skip

# probability that a tag sounds in a multi-label clip of a given style
_P_STYLE_INSTRUMENT, _P_STYLE_OPTIONAL, _P_OTHER = 0.8, 0.5, 0.2


# --------------------------------------------------------------------------
# composition


class _Clip:
    """The musical timeline of one clip: tempo, key, harmony and grid."""

    def __init__(self, style: _Style, n_samples: int, sr: int, rng):
        self.style, self.n, self.sr, self.rng = style, n_samples, sr, rng
        self.step = 60.0 / rng.uniform(*style.tempo) / _STEPS_PER_BEAT * sr
        self.bar_steps = style.beats_per_bar * _STEPS_PER_BEAT
        # the piece starts up to one bar before the clip
        self.offset = rng.uniform(0, self.bar_steps) * self.step
        self.n_bars = int(
            np.ceil((n_samples + self.offset) / (self.bar_steps * self.step))
        )
        self.key = int(rng.integers(12))
        self.scale = _SCALES[style.mode]
        progression = style.progressions[rng.integers(len(style.progressions))]
        shift = int(rng.integers(len(progression))) if rng.random() < 0.3 else 0
        self.progression = np.roll(progression, shift)
        self.chord_steps = style.chord_beats * _STEPS_PER_BEAT

    def positions(self, steps) -> np.ndarray:
        """Grid positions (in steps from the start) of within-bar steps, per bar."""
        bars = np.arange(self.n_bars)[:, None] * self.bar_steps
        return (bars + np.asarray(steps)[None, :]).ravel()

    def onsets(self, steps) -> np.ndarray:
        """Sample positions of the given within-bar steps in every bar (swung)."""
        grid = self.positions(steps).astype(np.float64)
        grid = grid + self.style.swing * (grid % 2 == 1)
        return grid * self.step - self.offset

    def degree(self, position) -> np.ndarray:
        """Scale degree of the chord root sounding at grid position(s)."""
        index = (np.asarray(position) // self.chord_steps).astype(int)
        return self.progression[index % len(self.progression)]

    def pitch(self, degree) -> np.ndarray:
        """Pitch class (0-11, relative to C) of scale degree(s) in this key."""
        degree = np.asarray(degree)
        return (self.key + self.scale[degree % 7]) % 12

    def chord(self, degree: int, low: int) -> np.ndarray:
        """MIDI notes of the chord on ``degree``, root in ``[low, low + 12)``."""
        n_notes = 4 if self.style.sevenths else 3
        degrees = degree + 2 * np.arange(n_notes)
        above_root = 12 * (degrees // 7) + self.scale[degrees % 7] - self.scale[degree]
        root = low + (self.pitch(degree) - low) % 12
        return root + above_root

    def humanise(self, onsets: np.ndarray) -> np.ndarray:
        """Jitter onsets by a few milliseconds and round to samples."""
        jitter = self.rng.normal(0, 0.004 * self.sr, onsets.shape)
        return np.round(onsets + jitter).astype(np.int64)


def _ensure_audible(starts, lengths, n, rng):
    """Make sure that an event sounds during the first half of the clip.

    Moves a random event there (in place) when none does, e.g. in a short
    clip that falls between two notes.
    """
    if not np.any((starts <= n // 2) & (starts + lengths > 0)):
        starts[rng.integers(starts.shape[0])] = rng.integers(0, n // 2 + 1)


def _bass_part(clip: _Clip):
    """Chord roots in the bass register on the style's bass rhythm."""
    style, low = clip.style, _REGISTER["bass"]
    steps, span = np.array(style.bass).T
    position = clip.positions(steps)
    midi = low + (clip.pitch(clip.degree(position)) - low) % 12
    leap = (position % 4 != 0) & (clip.rng.random(midi.shape) < style.bass_octaves)
    midi = midi + 12 * leap
    velocity = 0.8 + 0.2 * (position % 4 == 0)
    return clip.onsets(steps), np.tile(span, clip.n_bars) * clip.step, midi, velocity


def _held_part(clip: _Clip, instrument: str):
    """One sustained chord per chord change (strings, pad)."""
    n_spans = int(np.ceil(clip.n_bars * clip.bar_steps / clip.chord_steps))
    position = np.arange(n_spans) * clip.chord_steps
    chords = [clip.chord(d, _REGISTER[instrument]) for d in clip.degree(position)]
    width = chords[0].shape[0]
    midi = np.concatenate(chords)
    onsets = np.repeat(position * clip.step - clip.offset, width)
    lengths = np.full(midi.shape, clip.chord_steps * clip.step)
    return onsets, lengths, midi, np.full(midi.shape, 0.8)


def _comp_part(clip: _Clip, instrument: str):
    """Chords struck on the style's comping rhythm (piano, guitar, organ)."""
    steps, span = np.array(clip.style.comp).T
    onsets = clip.onsets(steps)
    lengths = np.tile(span, clip.n_bars) * clip.step
    position = clip.positions(steps)
    chords = [clip.chord(d, _REGISTER[instrument]) for d in clip.degree(position)]
    width = chords[0].shape[0]
    if clip.style.broken_chords:  # one chord tone per strike, rising
        midi = np.array([c[i % width] for i, c in enumerate(chords)])
    else:  # all tones together; a guitar strums them 12 ms apart
        midi = np.concatenate(chords)
        strum = np.arange(width) * (0.012 * clip.sr if instrument == "guitar" else 0)
        onsets = np.repeat(onsets, width) + np.tile(strum, len(chords))
        lengths = np.repeat(lengths, width)
    return onsets, lengths, midi, clip.rng.uniform(0.7, 1.0, midi.shape)


def _melody_part(clip: _Clip, instrument: str):
    """A melody over the chords (lead, bell): an arpeggio or a scale walk."""
    style, rng, low = clip.style, clip.rng, _REGISTER[instrument]
    steps = np.array(style.melody)
    keep = rng.random(clip.n_bars * steps.shape[0]) < style.melody_density
    keep[0] = True
    onsets, position = clip.onsets(steps)[keep], clip.positions(steps)[keep]
    degrees = clip.degree(position)
    if style.arpeggio:  # root, third, fifth, octave on successive 16ths
        chords = [clip.chord(d, low - 7) for d in degrees]
        tones = [np.append(c[:3], c[0] + 12) for c in chords]
        midi = np.array([c[i % 4] for c, i in zip(tones, position, strict=True)])
    else:  # random walk over the scale, snapped to a chord tone on the beat
        walk = np.cumsum(rng.choice([-2, -1, 0, 1, 1, 2], position.shape))
        tone = np.clip(4 + walk, 0, 10)  # scale degrees above the tonic
        on_beat = position % 4 == 0
        root = degrees[on_beat]
        tone[on_beat] = root + (tone[on_beat] - root) // 2 * 2
        tonic = low + (clip.pitch(0) - low) % 12
        midi = tonic + 12 * (tone // 7) + clip.scale[tone % 7]
    gaps = np.diff(np.append(onsets, onsets[-1] + 4 * clip.step))
    lengths = np.minimum(0.9 * gaps, 4 * clip.step)
    return onsets, lengths, midi, rng.uniform(0.75, 1.0, midi.shape)


def _compose(instrument: str, clip: _Clip):
    """Notes ``(starts, lengths, midi, velocity)`` one instrument plays.

    Starts and lengths are in samples; only notes heard in the clip are kept.
    """
    if instrument == "bass":
        part = _bass_part(clip)
    elif instrument in ("strings", "pad"):
        part = _held_part(clip, instrument)
    elif instrument in ("piano", "guitar", "organ"):
        part = _comp_part(clip, instrument)
    else:
        part = _melody_part(clip, instrument)
    onsets, lengths, midi, velocity = part
    starts = clip.humanise(np.asarray(onsets, dtype=np.float64))
    lengths = np.maximum(np.round(lengths).astype(np.int64), 1)
    _ensure_audible(starts, lengths, clip.n, clip.rng)
    release = RELEASE[instrument] * clip.sr
    keep = (starts < clip.n) & (starts + lengths + release > 0)
    return starts[keep], lengths[keep], np.asarray(midi, float)[keep], velocity[keep]


def _render_notes(instrument: str, clip: _Clip, detune: float) -> np.ndarray:
    """Render one instrument's part (float32, clip length).

    Repeated notes (same pitch and length) are synthesised once per clip and
    reused, like a sampler; only their onset and velocity differ.
    """
    synth = NOTE_SYNTHS[instrument]
    out = np.zeros(clip.n, dtype=np.float32)
    release = round(RELEASE[instrument] * clip.sr)
    rendered = {}
    for start, length, midi, velocity in zip(*_compose(instrument, clip), strict=True):
        first = max(0, -start)  # samples of the note before the clip
        stop = min(length + release, clip.n - start)
        if stop <= first:
            continue
        note = rendered.get((midi, length))
        if note is None or note.shape[0] < stop:
            hold = length / clip.sr
            note = synth(hz(midi + detune), stop, hold, clip.sr, clip.rng)
            rendered[midi, length] = note
        out[start + first : start + stop] += np.float32(velocity) * note[first:stop]
    if instrument in TREMOLO:
        rate, depth = TREMOLO[instrument]
        phase = clip.rng.uniform(0, 2 * np.pi)
        t = np.arange(clip.n, dtype=np.float32) / clip.sr
        out *= 1 + depth * np.sin(t * np.float32(2 * np.pi * rate) + np.float32(phase))
    return out


def _render_drums(clip: _Clip) -> np.ndarray:
    style, rng, n = clip.style, clip.rng, clip.n
    kit = drum_kit(clip.sr, rng)
    out = np.zeros(n, dtype=np.float32)
    for name, steps in (("kick", style.kick), ("snare", style.snare),
                        ("hat", style.hat), ("open_hat", style.open_hat)):  # fmt: skip
        if not steps:
            continue
        onsets = clip.onsets(steps)
        sound = kit[name]
        # accents on the beat, quiet ghost notes off it
        on_beat = (np.tile(steps, clip.n_bars) % _STEPS_PER_BEAT) == 0
        velocity = np.where(on_beat, 1.0, 0.6 if name != "snare" else 0.3)
        velocity = velocity * rng.uniform(0.85, 1.0, velocity.shape)
        starts = clip.humanise(onsets)
        lengths = np.full(starts.shape, sound.shape[0])
        if name == "hat":  # every groove has hats
            _ensure_audible(starts, lengths, n, rng)
        for start, v in zip(starts, velocity, strict=True):
            first, stop = max(0, -start), min(sound.shape[0], n - start)
            if stop > first:
                out[start + first : start + stop] += v * sound[first:stop]
    return out


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.dot(x, x) / x.shape[0]))


def _render_clip(style, instruments, n_samples, sr, noise, rng) -> np.ndarray:
    """Compose, render and mix one clip; returns float32 with peak <= 1."""
    clip = _Clip(style, n_samples, sr, rng)
    mix = np.zeros(n_samples, dtype=np.float32)
    for instrument in instruments:
        if instrument == "drums":
            track = _render_drums(clip)
        else:
            track = _render_notes(instrument, clip, detune=rng.uniform(-0.15, 0.15))
        gain = _LEVEL[instrument] * rng.uniform(0.7, 1.3)
        mix += track * np.float32(gain / max(_rms(track), 1e-12))
    # draw everything before the noise, so that ``noise`` changes nothing else
    sigma = noise * rng.uniform(0.5, 1.5) * _rms(mix)
    peak = rng.uniform(0.5, 0.99)
    if noise:
        mix += np.float32(sigma) * rng.standard_normal(n_samples, dtype=np.float32)
    return mix * np.float32(peak / np.abs(mix).max())


# --------------------------------------------------------------------------
# public API


@validate_params(
    {
        "n_clips": [Interval(Integral, 1, None, closed="left")],
        "n_classes": [Interval(Integral, 1, len(_STYLES), closed="both")],
        "duration": [Interval(Real, 0.1, None, closed="left")],
        "sr": [Interval(Integral, 4000, None, closed="left")],
        "multilabel": ["boolean"],
        "n_tags": [Interval(Integral, 2, len(_TAGS), closed="both"), None],
        "ragged": ["boolean"],
        "noise": [Interval(Real, 0, None, closed="left")],
        "return_names": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_music(
    n_clips: int = 100,
    *,
    n_classes: int = 4,
    duration: float = 3.0,
    sr: int = 22050,
    multilabel: bool = False,
    n_tags: int | None = None,
    ragged: bool = False,
    noise: float = 0.05,
    return_names: bool = False,
    random_state=None,
):
    """Generate labelled music clips in several styles, with instrument tags.

    Every clip is a short piece composed and synthesised on the fly. The
    styles differ the way musical genres do: in tempo, metre and rhythm
    (a straight rock backbeat, a 3/4 waltz, four-on-the-floor techno, a
    syncopated funk groove, a slow ballad, beatless ambient), in harmony (key,
    major/minor/dorian mode, chord progressions, seventh chords) and in
    instrumentation and timbre. Within a style every clip draws its own
    tempo, key, chord progression, start offset in the bar, optional
    instruments, tuning, mix levels, timing jitter and noise, so the labels
    are learnable but not trivially so.

    Instruments are synthesised with numpy: drums (a pitch-swept sine kick,
    a noise-and-tone snare, high-passed noise hi-hats), bass, piano and
    pads (band-limited wavetables with their own spectra and envelopes),
    organ (drawbar harmonics with tremolo), strings (detuned saws with
    vibrato), a sawtooth lead, a Karplus-Strong plucked guitar and an FM
    bell.

    Parameters
    ----------
    n_clips : int, default=100
        Number of clips.
    n_classes : int, default=4
        Number of styles, taken in the order "rock", "waltz", "techno",
        "ballad", "funk", "ambient" (1 to 6). With ``multilabel=False`` the
        clips are split evenly between them (counts differ by at most one).
    duration : float, default=3.0
        Clip length in seconds (at least 0.1).
    sr : int, default=22050
        Sampling rate in Hz (at least 4000).
    multilabel : bool, default=False
        Return instrument tags instead of styles: each clip is in a random
        style among the first ``n_classes``, and each instrument plays with a
        probability that depends on the style (0.8 for the style's own
        instruments, 0.5 for its optional ones, 0.2 otherwise), with at least
        one instrument per clip.
    n_tags : int, default=None
        Number of instrument tags with ``multilabel=True`` (2 to 9), taken in
        the order "drums", "bass", "guitar", "piano", "organ", "strings",
        "pad", "lead", "bell"; the other instruments never play. ``None``
        uses all 9. Only valid with ``multilabel=True``.
    ragged : bool, default=False
        Return a list of clips whose lengths are drawn uniformly between 0.6
        and 1.0 times ``duration``, instead of one 2-D array.
    noise : float, default=0.05
        Level of the white noise added to each clip, relative to the RMS of
        the music: the noise standard deviation is ``noise`` times the RMS
        times a random factor in [0.5, 1.5]. 0 adds none.
    return_names : bool, default=False
        Also return the label names: the style names (multi-class) or the
        tag names in column order (multi-label).
    random_state : int, RandomState instance or None, default=None
        Seeds the composition and the synthesis. Pass an int for
        reproducible output.

    Returns
    -------
    X : ndarray of shape (n_clips, n_samples), dtype float32, or list of ndarray
        Mono waveforms at ``sr`` with ``n_samples = round(duration * sr)``,
        each normalised to a random peak in [0.5, 0.99]. With
        ``ragged=True``, a list of ``n_clips`` 1-D float32 arrays.
    y : ndarray of shape (n_clips,) or (n_clips, n_tags)
        Style name of each clip (str), or with ``multilabel=True`` an int
        indicator matrix whose entry ``[i, j]`` is 1 when instrument ``j``
        plays in clip ``i``.
    names : ndarray of shape (n_classes,) or (n_tags,), dtype str
        Only with ``return_names=True``: the style names, or the tag names of
        the columns of ``y``.

    See Also
    --------
    sklearn.datasets.make_classification : Generic multi-class features.
    sklearn.datasets.make_multilabel_classification : Generic multi-label
        features.

    Notes
    -----
    Every instrument of a clip is mixed at a comparable loudness, so each tag
    is audible, and every instrument plays at least one note inside the clip.
    Generation takes about 5 ms per second of audio on one CPU core (100
    three-second clips in about 1.5 s).

    Examples
    --------
    >>> from sklearn_music.datasets import make_music
    >>> X, y = make_music(8, duration=1.0, random_state=0)
    >>> X.shape, X.dtype
    ((8, 22050), dtype('float32'))
    >>> sorted(set(y.tolist()))
    ['ballad', 'rock', 'techno', 'waltz']
    >>> X, Y, tags = make_music(
    ...     4, duration=1.0, multilabel=True, return_names=True, random_state=0
    ... )
    >>> Y.shape, tags[:3].tolist()
    ((4, 9), ['drums', 'bass', 'guitar'])
    """
    if n_tags is not None and not multilabel:
        raise ValueError(
            f"n_tags={n_tags} is only used with multilabel=True; set "
            "multilabel=True or leave n_tags=None."
        )
    rng = check_random_state(random_state)
    style_names = np.array(list(_STYLES)[:n_classes])
    tags = np.array(_TAGS[: len(_TAGS) if n_tags is None else n_tags])

    if multilabel:
        labels = rng.randint(n_classes, size=n_clips)
    else:  # balanced classes in random order
        labels = rng.permutation(np.arange(n_clips) % n_classes)
    n_full = round(duration * sr)
    if ragged:
        lengths = np.round(n_full * rng.uniform(0.6, 1.0, n_clips)).astype(int)
        lengths = np.maximum(lengths, 1)
    else:
        lengths = np.full(n_clips, n_full)
    seeds = rng.randint(np.iinfo(np.int32).max, size=n_clips)

    clips, indicator = [], np.zeros((n_clips, tags.shape[0]), dtype=np.int64)
    for i, (label, n_samples, seed) in enumerate(
        zip(labels, lengths, seeds, strict=True)
    ):
        style = _STYLES[style_names[label]]
        clip_rng = np.random.default_rng(seed)
        if multilabel:
            p = np.array([
                _P_STYLE_INSTRUMENT if tag in style.instruments
                else _P_STYLE_OPTIONAL if tag in style.optional
                else _P_OTHER
                for tag in tags
            ])  # fmt: skip
            present = clip_rng.random(tags.shape[0]) < p
            if not present.any():
                present[clip_rng.choice(tags.shape[0], p=p / p.sum())] = True
            indicator[i] = present
            instruments = tuple(tags[present])
        else:
            extra = clip_rng.random(len(style.optional)) < 0.5
            instruments = style.instruments + tuple(
                name for name, on in zip(style.optional, extra, strict=True) if on
            )
        clips.append(
            _render_clip(style, instruments, int(n_samples), sr, noise, clip_rng)
        )

    X = clips if ragged else np.stack(clips)
    y = indicator if multilabel else style_names[labels]
    names = tags if multilabel else style_names
    return (X, y, names) if return_names else (X, y)
