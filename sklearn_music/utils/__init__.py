"""Internal utilities shared by every layer of sklearn-music.

The lowest layer of the package: it imports nothing from the rest of
``sklearn_music``, and torch only inside :func:`resolve_device`. Each
primitive is written once here:

- :func:`atomic_write` (temporary file in the same folder, fsync,
  ``os.replace``) for every file the library writes;
- :func:`digest_file`, :func:`digest_array`, :func:`canonical_text` and
  :func:`hash_values` for content and parameter keys;
- :func:`is_path` and :func:`expand_path` for telling file paths from
  in-memory items and expanding ``~``;
- :func:`format_items` for error messages that name the items at fault;
- :func:`resolve_device` for ``device="auto"`` and CUDA checks;
- :func:`clip_blocks` and :func:`release_pages` for block-wise passes over
  memory-mapped arrays.

These are documented for contributors; they are not part of the stable
public API.
"""

from ._device import resolve_device
from ._disk import (
    BLOCK_BYTES,
    atomic_write,
    clip_blocks,
    digest_array,
    digest_file,
    release_pages,
)
from ._format import format_items
from ._hashing import canonical_text, hash_values
from ._paths import expand_path, is_path

__all__ = [
    "BLOCK_BYTES",
    "atomic_write",
    "canonical_text",
    "clip_blocks",
    "digest_array",
    "digest_file",
    "expand_path",
    "format_items",
    "hash_values",
    "is_path",
    "release_pages",
    "resolve_device",
]
