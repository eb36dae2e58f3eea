"""The ``sklearn-music`` command (also ``python -m sklearn_music``).

Subcommands:

* ``demo``: generate labelled music, grid-search the parameter budget of a
  CRNN, report held-out accuracy, recommend similar tracks and save figures;
* ``fit``: train a model on a folder-per-class tree or a CSV of paths and
  labels (or tags) and save it with :mod:`joblib`;
* ``predict`` and ``tag``: label or tag audio files with a saved model;
* ``recommend``: the catalogue tracks most similar to query tracks;
* ``features``: spectrograms or handcrafted features of audio files, saved to
  disk.

Errors caused by the input (missing files, folders without audio, unreadable
model files, a model of the wrong kind, invalid settings) are reported as one
line on stderr with exit status 2; ``--debug`` shows the traceback instead.

The command line parses arguments and calls the library: the pipelines of
:mod:`sklearn_music.pipeline`, the model files of
:mod:`sklearn_music._model_file`. Layout: ``_main.py`` (the top-level parser
and :func:`main`), ``_options.py`` (options shared by the subcommands),
``_common.py`` and ``_inputs.py`` (errors, tables, audio and model inputs), and
one module per subcommand. A subcommand's arguments are added only when it
runs or shows its help, and heavy libraries (scikit-learn, torch) are imported
only by the subcommand that needs them, so ``--help`` answers at once.
"""

from ._common import CLIError
from ._main import main

__all__ = ["CLIError", "main"]


def __getattr__(name):
    # Model files written before the CLI became a package refer to the
    # "audio" step's function as sklearn_music.cli._read_audio.
    if name == "_read_audio":
        from ..pipeline import _read_audio

        return _read_audio
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
