"""``.. presets-table::``: the front-end presets, read from the code.

The table is built from :data:`sklearn_music.features.PRESETS` through
:meth:`MelSpectrogram.resolved_params`, so it always shows what the
transformer really computes (a preset's unset values included).
"""

from __future__ import annotations

import math

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

HEADER = [
    "preset", "sr", "n_fft", "hop_length", "n_mels", "fmin-fmax (Hz)",
    "mel scale / norm", "pad_mode", "log stage",
]  # fmt: skip


def _num(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _log_stage(p: dict) -> str:
    if p["log"] == "none":
        return '``"none"`` (linear)'
    if p["log"] == "log1p":
        return f'``"log1p"``: ``log10(1 + {_num(p["log_gain"])} * S)``'
    factor = "10" if p["log"] == "db" else "20"
    top_db = p["top_db"]
    top = (
        "no top_db"
        if top_db is None or math.isinf(top_db)
        else f"top_db {_num(top_db)}"
    )
    return (
        f'``"{p["log"]}"``: {factor} log10, ref {_num(p["ref"])}, '
        f"amin {p['amin']:g}, {top}"
    )


def _row(name: str, p: dict) -> list[str]:
    scale = "HTK" if p["htk"] else "Slaney"
    return [
        name,
        _num(p["sr"]),
        _num(p["n_fft"]),
        _num(p["hop_length"]),
        _num(p["n_mels"]),
        f"{_num(float(p['fmin']))}-{_num(float(p['fmax']))}",
        f"{scale} / {p['norm']}",
        f'``"{p["pad_mode"]}"``' + (" (zeros)" if p["pad_mode"] == "constant" else ""),
        _log_stage(p),
    ]


class PresetsTable(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        from sklearn_music.features import PRESETS, MelSpectrogram

        rows = [_row("``None`` (librosa defaults)", MelSpectrogram().resolved_params())]
        rows += [
            _row(f'``"{name}"``', MelSpectrogram(preset=name).resolved_params())
            for name in PRESETS
        ]
        lines = [".. list-table::", "   :header-rows: 1", ""]
        for row in [HEADER, *rows]:
            lines.append(f"   * - {row[0]}")
            lines += [f"     - {cell}" for cell in row[1:]]
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source="presets-table"), 0, container)
        return container.children


def setup(app):
    app.add_directive("presets-table", PresetsTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
