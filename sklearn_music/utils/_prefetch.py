"""Run an iterator ahead of its consumer on a background thread."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator

__all__ = ["prefetch"]

_DONE = object()


def prefetch(iterable: Iterable, depth: int = 1) -> Iterator:
    """Yield the items of ``iterable``, produced ``depth`` items ahead.

    A background thread advances ``iterable`` while the caller works on the
    current item, so that decoding the next batch of audio files (libsndfile
    and soxr release the GIL) overlaps with computing on this one. At most
    ``depth`` items wait in between, which bounds memory. An exception in
    ``iterable`` is raised in the caller at the item where it happened; if
    the caller stops early (``break``, an exception), the thread stops after
    the item it is producing.

    Parameters
    ----------
    iterable : iterable
        Any iterable; it is advanced only on the background thread.
    depth : int, default=1
        Items produced ahead of the one being consumed.

    Yields
    ------
    item
        The items of ``iterable``, in order.
    """
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry) -> bool:
        while not stop.is_set():
            try:
                items.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for item in iterable:
                if not put((item, None)):
                    return
        except BaseException as exc:  # handed to the consumer
            put((_DONE, exc))
            return
        put((_DONE, None))

    thread = threading.Thread(
        target=produce, name="sklearn-music-prefetch", daemon=True
    )
    thread.start()
    try:
        while True:
            item, error = items.get()
            if item is _DONE:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        thread.join()
