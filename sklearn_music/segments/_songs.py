"""Generated songs with a known structure, to evaluate thumbnails."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_song"]

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
    styles = rng.permutation(len(_STYLES))
    parts = {}
    # intro/outro share a style, the verses another, chorus and bridge their own
    for part, style in (
        ("intro", 0),
        ("outro", 0),
        ("verse1", 1),
        ("verse2", 1),
        ("chorus", 2),
        ("bridge", 3),
    ):
        clips, labels = make_music(
            len(_STYLES),
            n_classes=len(_STYLES),
            duration=longest,
            sr=sr,
            random_state=int(rng.randint(2**31 - 1)),
        )
        wanted = _STYLES[styles[style]]
        parts[part] = clips[list(labels).index(wanted)]
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
