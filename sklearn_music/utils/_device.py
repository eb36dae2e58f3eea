"""Torch device names: ``"auto"`` resolved, CUDA requests checked."""

from __future__ import annotations

__all__ = ["resolve_device"]


def resolve_device(device: str) -> str:
    """Map ``"auto"`` to ``"cuda"`` when available and check CUDA requests.

    Parameters
    ----------
    device : str
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"``.

    Returns
    -------
    device : str
        A torch device string that exists on this machine.

    Raises
    ------
    ValueError
        CUDA was requested but is not available.
    """
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this "
            "machine (torch.cuda.is_available() is False). Use device='cpu' or "
            "device='auto'."
        )
    return str(device)
