"""Generated music with known answers: songs with a repeated chorus (to
evaluate thumbnails), clips with a known tempo (a regression target)."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_song", "make_tempo_music"]

_STYLES = ("rock", "waltz", "techno", "ballad", "funk", "ambient")


def _section_lengths(rng, chorus: float, chorus_first: bool):
    """The song's sections as ``(name, part, seconds)``; ``part`` names the
    recording a section plays (the three choruses play the same one)."""
    sections = []
    if not chorus_first:
        sections.append(("intro", "intro", rng.uniform(5, 15)))
    else:
        sections.append(("chorus", "chorus", chorus))
    sections += [
        ("verse", "verse1", rng.uniform(0.7, 1.0) * chorus),
        ("chorus", "chorus", chorus),
        ("verse", "verse2", rng.uniform(0.7, 1.0) * chorus),
    ]
    if chorus_first:
        sections.append(("bridge", "bridge", rng.uniform(0.35, 0.65) * chorus))
    else:
        sections.append(("chorus", "chorus", chorus))
        sections.append(("bridge", "bridge", rng.uniform(0.35, 0.65) * chorus))
    sections += [("chorus", "chorus", chorus), ("outro", "outro", rng.uniform(5, 15))]
    return sections


def make_song(*, chorus=30.0, sr=22050, chorus_first=None, random_state=None):
    """A generated song whose chorus comes back three times.

    The sections are generated clips of :func:`~sklearn_music.datasets.make_music`
    in different styles: an intro, two verses (two different clips of one
    style), the chorus (one clip of another style, played three times, each
    time with its own low noise and a gain within 1 dB), a bridge and an
    outro. The order is intro, verse, chorus, verse, chorus, bridge, chorus,
    outro, or (``chorus_first``) chorus, verse, chorus, verse, bridge,
    chorus, outro.

    Parameters
    ----------
    chorus : float, default=30.0
        Length of the chorus in seconds; verses last 0.7 to 1 times as long,
        the bridge 0.35 to 0.65 times, intro and outro 5 to 15 s.
    sr : int, default=22050
        Sampling rate.
    chorus_first : bool or None, default=None
        Start with the chorus; ``None`` draws it (probability 1/4).
    random_state : int, RandomState instance or None, default=None
        Seeds the styles, the clips and the section lengths.

    Returns
    -------
    y : ndarray of shape (n_samples,), float32
        The song.
    sections : pandas.DataFrame
        One row per section: ``section`` ("intro", "verse", "chorus",
        "bridge", "outro"), ``start_s`` and ``end_s``.

    Examples
    --------
    >>> from sklearn_music.segments import make_song
    >>> y, sections = make_song(chorus=4.0, sr=8000, chorus_first=False,
    ...                         random_state=0)
    >>> sections.section.tolist()
    ['intro', 'verse', 'chorus', 'verse', 'chorus', 'bridge', 'chorus', 'outro']
    >>> bool(abs(y.size / 8000 - sections.end_s.iloc[-1]) < 1e-6)
    True
    """
    import pandas as pd

    from ..datasets import make_music

    rng = check_random_state(random_state)
    if chorus_first is None:
        chorus_first = bool(rng.uniform() < 0.25)
    plan = _section_lengths(rng, float(chorus), chorus_first)
    longest = max(seconds for _, _, seconds in plan)
    # two clips of every style: intro and outro share a style, the verses
    # another, chorus and bridge have their own
    clips, labels = make_music(
        2 * len(_STYLES),
        n_classes=len(_STYLES),
        duration=longest,
        sr=sr,
        random_state=int(rng.randint(2**31 - 1)),
    )
    order = rng.permutation(len(_STYLES))
    by_style = [np.flatnonzero(labels == _STYLES[k]) for k in order]
    parts = {
        "intro": clips[by_style[0][0]],
        "outro": clips[by_style[0][1]],
        "verse1": clips[by_style[1][0]],
        "verse2": clips[by_style[1][1]],
        "chorus": clips[by_style[2][0]],
        "bridge": clips[by_style[3][0]],
    }
    pieces, rows, start = [], [], 0.0
    for name, part, seconds in plan:
        n = round(seconds * sr)
        y = parts[part][:n].astype(np.float64)
        if part == "chorus":
            y = y * 10 ** (rng.uniform(-1, 1) / 20)
            y = y + 0.003 * rng.standard_normal(n)
        pieces.append(y)
        rows.append((name, start, start + n / sr))
        start += n / sr
    song = np.concatenate(pieces).astype(np.float32)
    return song, pd.DataFrame(rows, columns=["section", "start_s", "end_s"])


def make_tempo_music(
    n_clips=100, *, tempo=(60.0, 180.0), duration=6.0, sr=22050, random_state=None
):
    """Generated clips with a known tempo in beats per minute.

    Each clip is composed and synthesised as by
    :func:`~sklearn_music.datasets.make_music`, in a random 4/4 style (rock,
    techno, ballad, funk or ambient, with its drums, harmony and
    instruments), but at a tempo drawn uniformly from ``tempo`` instead of
    the style's own range: a regression target that is measurable (a beat
    tracker estimates it) and known exactly.

    Parameters
    ----------
    n_clips : int, default=100
        Number of clips.
    tempo : (float, float), default=(60.0, 180.0)
        Range of the tempo in BPM.
    duration : float, default=6.0
        Seconds per clip.
    sr : int, default=22050
        Sampling rate.
    random_state : int, RandomState instance or None, default=None
        Seeds the tempi, styles and clips.

    Returns
    -------
    X : ndarray of shape (n_clips, n_samples), float32
        The clips.
    bpm : ndarray of shape (n_clips,)
        The tempo of each clip.
    styles : ndarray of shape (n_clips,), dtype str
        The style each clip is played in.

    Examples
    --------
    >>> from sklearn_music.segments import make_tempo_music
    >>> X, bpm, styles = make_tempo_music(4, duration=2.0, sr=8000, random_state=0)
    >>> X.shape, bool(((bpm >= 60) & (bpm <= 180)).all())
    ((4, 16000), True)
    """
    from dataclasses import replace

    from ..datasets._synthetic import _STYLES, _render_clip

    low, high = (float(t) for t in tempo)
    if not 0 < low <= high:
        raise ValueError(
            f"tempo must be a range (low, high) with 0 < low <= high; got {tempo!r}."
        )
    rng = check_random_state(random_state)
    names = [n for n, s in _STYLES.items() if s.beats_per_bar == 4]
    bpm = rng.uniform(low, high, n_clips)
    chosen = np.asarray(names)[rng.randint(len(names), size=n_clips)]
    seeds = rng.randint(np.iinfo(np.int32).max, size=n_clips)
    clips = []
    for beats, name, seed in zip(bpm, chosen, seeds, strict=True):
        style = replace(_STYLES[name], tempo=(beats, beats))
        clip_rng = np.random.default_rng(seed)
        extra = clip_rng.random(len(style.optional)) < 0.5
        instruments = style.instruments + tuple(
            o for o, on in zip(style.optional, extra, strict=True) if on
        )
        clips.append(
            _render_clip(style, instruments, round(duration * sr), sr, 0.05, clip_rng)
        )
    return np.stack(clips), bpm, chosen
