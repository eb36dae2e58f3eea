"""The one registry of architectures: what every layer above reads.

Each registered architecture is an :class:`ArchitectureSpec`: its module
class, which constructor arguments are layer widths (what a parameter budget
chooses) and what kind of input it takes, hence its shape arguments. The
minimum input length depends on a module's pools, so it is not in the spec:
the built module carries it as ``min_input_length`` (the estimators take 1
for a module without one).
:func:`~sklearn_music.models.architecture_for_budget`, the estimators,
``load_weights``, the pipeline factory and the command line all look
architectures up here; nothing else keeps a list of them. The estimators'
``module`` parameter also takes modules that are not registered (a user's
own); they are built from the shape arguments and ``module__*`` values
alone, without a parameter budget.

To add an architecture: write the module in ``models/<name>.py`` (shape
arguments first, a ``min_input_length`` attribute, ``embed`` and
``embedding_dim``), register it below with :func:`register_architecture`,
and give it an estimator class in :mod:`sklearn_music.estimators` whose
``_architecture`` is the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import nn

from ._conv1d import Conv1DModule
from ._conv2d import Conv2DModule
from ._crnn import CRNNModule
from ._dieleman import DielemanModule
from ._samplecnn import SampleCNNModule
from ._shortchunk import ShortChunkResNetModule

__all__ = [
    "ARCHITECTURES",
    "ArchitectureSpec",
    "architecture_of",
    "get_architecture",
    "register_architecture",
]


@dataclass(frozen=True)
class ArchitectureSpec:
    """How the package builds and sizes one architecture.

    Parameters
    ----------
    key : str
        Short name (``"crnn"``), used by ``param_budget``, the CLI's
        ``--model`` and model files.
    module : type of torch.nn.Module
        The module class. Its constructor takes the shape arguments first:
        ``(n_mels, n_outputs, **kwargs)`` for spectrogram input,
        ``(n_outputs, **kwargs)`` for waveform input.
    width_args : tuple of str
        Constructor arguments that are layer widths; a parameter budget
        chooses them (:func:`~sklearn_music.models.architecture_for_budget`).
    input_kind : {"spectrogram", "waveform"}
        ``(batch, n_mels, n_frames)`` or ``(batch, n_samples)`` input.
    description : str
        One line for help texts and docs.

    Attributes
    ----------
    shape_args : tuple of str
        The constructor arguments the estimators infer from the data:
        ``("n_mels", "n_outputs")`` for spectrogram input, ``("n_outputs",)``
        for waveform input.
    """

    key: str
    module: type[nn.Module]
    width_args: tuple[str, ...]
    input_kind: str = "spectrogram"
    description: str = ""
    shape_args: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        if self.input_kind not in ("spectrogram", "waveform"):
            raise ValueError(
                f"input_kind must be 'spectrogram' or 'waveform'; got "
                f"{self.input_kind!r}"
            )
        shape = (
            ("n_mels", "n_outputs")
            if self.input_kind == "spectrogram"
            else ("n_outputs",)
        )
        object.__setattr__(self, "shape_args", shape)

    @property
    def unit(self) -> str:
        """What one step of the input's last axis is: frames or samples."""
        return "frames" if self.input_kind == "spectrogram" else "samples"


#: The registered architectures, by key.
ARCHITECTURES: dict[str, ArchitectureSpec] = {}


def register_architecture(spec: ArchitectureSpec) -> ArchitectureSpec:
    """Add an architecture to :data:`ARCHITECTURES`.

    Parameters
    ----------
    spec : ArchitectureSpec
        Its key must be new.

    Returns
    -------
    spec : ArchitectureSpec
    """
    if spec.key in ARCHITECTURES:
        raise ValueError(f"architecture {spec.key!r} is already registered")
    ARCHITECTURES[spec.key] = spec
    return spec


def get_architecture(key: str) -> ArchitectureSpec:
    """The registered architecture ``key``; a clear error for unknown keys."""
    try:
        return ARCHITECTURES[key]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown architecture {key!r}; the registered ones are "
            f"{sorted(ARCHITECTURES)}"
        ) from None


def architecture_of(module) -> ArchitectureSpec | None:
    """The spec whose module class is ``module`` (a class or an instance),
    or ``None`` for a module that is not registered (a user's own)."""
    cls = module if isinstance(module, type) else type(module)
    for spec in ARCHITECTURES.values():
        if spec.module is cls:
            return spec
    return None


register_architecture(
    ArchitectureSpec(
        "conv1d",
        Conv1DModule,
        ("conv_widths", "fc_widths"),
        description="1-D convolutions along time per mel band (Choi 2017 k1c2)",
    )
)
register_architecture(
    ArchitectureSpec(
        "conv2d",
        Conv2DModule,
        ("conv_widths",),
        description="fully convolutional 2-D network (Choi 2016 FCN)",
    )
)
register_architecture(
    ArchitectureSpec(
        "crnn",
        CRNNModule,
        ("conv_widths", "gru_widths"),
        description="convolutional recurrent network (Choi 2017)",
    )
)
register_architecture(
    ArchitectureSpec(
        "shortchunk",
        ShortChunkResNetModule,
        ("widths", "dense_width"),
        description="short-chunk CNN with residual blocks (Won 2020)",
    )
)
register_architecture(
    ArchitectureSpec(
        "samplecnn",
        SampleCNNModule,
        ("stem_width", "widths", "head_width"),
        input_kind="waveform",
        description="sample-level CNN on raw waveforms (Lee 2017)",
    )
)
register_architecture(
    ArchitectureSpec(
        "dieleman",
        DielemanModule,
        ("conv_widths", "fc_widths"),
        description="1-D CNN whose first layer spans all mel bands (Dieleman "
        "& Schrauwen 2014)",
    )
)
