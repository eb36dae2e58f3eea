"""Datasets: a synthetic music generator that needs no download, and loaders
for local copies of GTZAN, MagnaTagATune, the Free Music Archive and the
Million Song Dataset's Last.fm tags (nothing is ever downloaded)."""

from ._fma import load_fma
from ._gtzan import load_gtzan
from ._msd import load_msd_tags
from ._mtat import load_mtat
from ._synthetic import make_music

__all__ = ["load_fma", "load_gtzan", "load_msd_tags", "load_mtat", "make_music"]
