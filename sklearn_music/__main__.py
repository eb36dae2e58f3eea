"""``python -m sklearn_music``: the ``sklearn-music`` command line.

See :mod:`sklearn_music.cli` for the subcommands; ``python -m sklearn_music
demo`` runs the demo.
"""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
