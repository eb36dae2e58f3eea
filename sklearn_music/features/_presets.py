"""Front-end presets of reference implementations and the library defaults.

:data:`PRESETS` maps a preset name to the parameters it sets; every
parameter a preset leaves out, and every parameter of a transformer without
a preset, takes its value from :data:`DEFAULTS` (librosa's defaults).
"""

from __future__ import annotations

import numpy as np

__all__ = ["DEFAULTS", "PRESETS"]

#: Front-ends of the reference implementations (see the user guide for sources).
PRESETS: dict[str, dict] = {
    # Choi et al. 2017 (music-auto_tagging-keras): librosa 0.4 era, reflect
    # padding, and the mel power spectrogram was squared again before
    # logamplitude, i.e. 20*log10 of the power.
    "choi2017": dict(
        sr=12000,
        n_fft=512,
        hop_length=256,
        n_mels=96,
        fmin=0.0,
        fmax=6000.0,
        htk=False,
        norm="slaney",
        pad_mode="reflect",
        log="db20",
        top_db=80.0,
    ),
    # Won et al. 2020 (sota-music-tagging-models): torchaudio defaults, HTK mel
    # scale without normalisation, reflect padding, 10*log10 without top_db.
    "won2020": dict(
        sr=16000,
        n_fft=512,
        hop_length=256,
        n_mels=96,
        fmin=0.0,
        fmax=8000.0,
        htk=True,
        norm="none",
        pad_mode="reflect",
        log="db",
        top_db=np.inf,
    ),
    # Pons & Serra musicnn: librosa (reflect padding era), log10(1 + 10000 x).
    "musicnn": dict(
        sr=16000,
        n_fft=512,
        hop_length=256,
        n_mels=96,
        fmin=0.0,
        fmax=8000.0,
        htk=False,
        norm="slaney",
        pad_mode="reflect",
        log="log1p",
        log_gain=10000.0,
    ),
    # Kong et al. 2020 PANNs (torchlibrosa): Slaney mel 50-14000 Hz, 10*log10
    # with amin 1e-10 and no top_db.
    "panns": dict(
        sr=32000,
        n_fft=1024,
        hop_length=320,
        n_mels=64,
        fmin=50.0,
        fmax=14000.0,
        htk=False,
        norm="slaney",
        pad_mode="reflect",
        log="db",
        top_db=np.inf,
    ),
}

#: Library defaults of the STFT-based front-ends (librosa's). ``None`` values
#: are derived from others: ``hop_length`` is ``n_fft // 4``, ``win_length``
#: is ``n_fft`` and ``fmax`` is ``sr / 2``.
DEFAULTS: dict = dict(
    sr=22050, n_fft=2048, hop_length=None, win_length=None, window="hann",
    center=True, pad_mode="constant", power=2.0, n_mels=128, fmin=0.0, fmax=None,
    htk=False, norm="slaney", log="db", ref=1.0, amin=1e-10, top_db=80.0,
    log_gain=1.0,
)  # fmt: skip
