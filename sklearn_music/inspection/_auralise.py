"""Auralisation: a (weighted) mel spectrogram back to audio."""

from __future__ import annotations

from numbers import Integral

import numpy as np

__all__ = ["auralise", "mel_to_power"]


def _check_mel(transformer):
    from ..features import MelSpectrogram

    if not isinstance(transformer, MelSpectrogram):
        raise ValueError(
            "transformer must be the MelSpectrogram that computed the "
            f"spectrogram; got {type(transformer).__name__}."
        )
    return transformer.resolved_params()


def _one_clip(S, index) -> np.ndarray:
    S = np.asarray(S, dtype=np.float64)
    if S.ndim == 3:
        if isinstance(index, bool) or not isinstance(index, Integral):
            raise ValueError(f"index must be an integer; got {index!r}.")
        if not 0 <= index < S.shape[0]:
            raise ValueError(
                f"index must be in [0, {S.shape[0]}) for {S.shape[0]} clip(s); "
                f"got {index}."
            )
        S = S[index]
    elif S.ndim != 2:
        raise ValueError(
            "S must be one mel spectrogram (n_mels, n_frames) or a batch "
            f"(n_clips, n_mels, n_frames); got shape {S.shape}."
        )
    padding = np.isnan(S).all(axis=0)
    n_valid = S.shape[1] - int(np.argmax(~padding[::-1])) if (~padding).any() else 0
    if n_valid == 0:
        raise ValueError("The spectrogram is all padding (NaN); nothing to hear.")
    S = S[:, :n_valid]
    if not np.isfinite(S).all():
        raise ValueError(
            "S holds NaN or infinite values inside the clip; only trailing "
            "all-NaN frames (padding) are allowed."
        )
    return S


def mel_to_power(S, transformer):
    """Undo the log stage of a :class:`~sklearn_music.features.MelSpectrogram`.

    Parameters
    ----------
    S : ndarray of shape (n_mels, n_frames)
        One clip of the transformer's output.
    transformer : MelSpectrogram
        The transformer that computed it.

    Returns
    -------
    M : ndarray of shape (n_mels, n_frames)
        The mel spectrogram before the log stage (``|X| ** power`` through
        the mel filterbank). With ``ref="max"`` the clip's reference is
        unknown and 1 is used, so the result is only known up to a gain.
    """
    p = _check_mel(transformer)
    S = np.asarray(S, dtype=np.float64)
    ref = 1.0 if p["ref"] == "max" else float(p["ref"])
    if p["log"] == "db":
        return ref * np.power(10.0, S / 10.0)
    if p["log"] == "db20":
        return ref * np.power(10.0, S / 20.0)
    if p["log"] == "log1p":
        return (np.power(10.0, S) - 1.0) / float(p["log_gain"])
    return S


def _nnls(fb: np.ndarray, M: np.ndarray, n_iter: int = 100) -> np.ndarray:
    """Non-negative ``P`` with ``fb @ P ~ M``: multiplicative updates (Lee &
    Seung) from the filterbank's transpose, a fast stand-in for an exact
    non-negative least squares solve (which takes seconds per clip)."""
    eps = 1e-12 * max(float(M.max()), 1e-30)
    cover = fb.sum(axis=0)[:, np.newaxis]
    P = (fb.T @ M) / np.where(cover > 0, cover * cover, 1.0)
    numerator = fb.T @ M
    for _ in range(n_iter):
        P *= numerator / (fb.T @ (fb @ P) + eps)
    return P


def auralise(
    S,
    transformer,
    *,
    weights=None,
    index=0,
    n_iter=32,
    random_state=None,
):
    """Turn a mel spectrogram, optionally weighted, back into audio.

    Listening to what a network responds to (Choi et al. 2015): weight the
    clip's mel spectrogram with a saliency map (:func:`saliency_map`), a
    kernel's response (:func:`kernel_activation_map`) or any mask, then
    invert the front-end: undo the log stage, map the mel bands back to FFT
    bins by non-negative least squares through the transformer's own
    filterbank (multiplicative updates), and estimate the phase with Griffin-Lim
    (:func:`librosa.griffinlim`) at the transformer's FFT size, hop and
    window.

    Parameters
    ----------
    S : ndarray of shape (n_mels, n_frames) or (n_clips, n_mels, n_frames)
        Output of ``transformer`` (trailing NaN padding frames are dropped).
    transformer : MelSpectrogram
        The transformer that computed ``S``; its resolved parameters define
        the inversion.
    weights : ndarray of shape (n_mels, n_frames) or None, default=None
        Non-negative weights applied to the mel power (1 keeps a bin, 0
        silences it). A map with negative values (a gradient x input
        saliency) keeps its positive part. They are scaled to a maximum of 1.
        ``None`` keeps the whole spectrogram.
    index : int, default=0
        Clip of a batch ``S``.
    n_iter : int, default=32
        Griffin-Lim iterations.
    random_state : int, RandomState or Generator instance or None, default=None
        Seeds the random initial phase of Griffin-Lim; an int makes the audio
        reproducible.

    Returns
    -------
    audio : ndarray of shape (n_samples,), float32
        The waveform at the transformer's ``sr``; ``(n_frames - 1) *
        hop_length`` samples long (``center=True``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.features import MelSpectrogram
    >>> from sklearn_music.inspection import auralise
    >>> sr = 22050
    >>> tone = np.sin(2 * np.pi * 440 * np.arange(sr) / sr).astype("float32")
    >>> mel = MelSpectrogram(sr=sr, n_mels=64)
    >>> audio = auralise(mel.fit_transform(tone[np.newaxis]), mel, random_state=0)
    >>> audio.shape
    (22016,)
    """
    import librosa

    p = _check_mel(transformer)
    S = _one_clip(S, index)
    if S.shape[0] != p["n_mels"]:
        raise ValueError(
            f"S has {S.shape[0]} mel bands but the transformer makes "
            f"{p['n_mels']}; pass the transformer that computed S."
        )
    if isinstance(n_iter, bool) or not isinstance(n_iter, Integral) or n_iter < 1:
        raise ValueError(f"n_iter must be an integer >= 1; got {n_iter!r}.")
    M = mel_to_power(S, transformer)
    if weights is not None:
        W = np.asarray(weights, dtype=np.float64)
        if W.shape != S.shape:
            raise ValueError(
                f"weights must have the shape of the clip's spectrogram {S.shape}; "
                f"got {W.shape}."
            )
        if not np.isfinite(W).all():
            raise ValueError("weights must be finite.")
        W = np.maximum(W, 0.0)
        peak = W.max()
        M = M * (W / peak if peak > 0 else W)
    power_spec = _nnls(transformer.mel_filterbank().astype(np.float64), M)
    magnitude = np.power(np.maximum(power_spec, 0.0), 1.0 / float(p["power"]))
    audio = librosa.griffinlim(
        magnitude,
        n_iter=n_iter,
        hop_length=p["hop_length"],
        win_length=p["win_length"],
        n_fft=p["n_fft"],
        window=p["window"],
        center=p["center"],
        pad_mode=p["pad_mode"],
        random_state=random_state,
    )
    return audio.astype(np.float32)
