"""Datasets: a synthetic music generator that needs no download."""

from ._synthetic import make_music

__all__ = ["make_music"]
