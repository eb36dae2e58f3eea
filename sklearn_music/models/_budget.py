"""Parameter budgets: the widths of Choi et al. 2017, Table 1, and scaling.

Choi et al. (2017) compare Conv1D, Conv2D and CRNN at 0.1M, 0.25M, 0.5M, 1M
and 3M parameters ("with a 2 % tolerance"), changing only layer widths;
:data:`TABLE1` holds their widths as module keyword arguments and
:func:`architecture_for_budget` finds widths for any other budget.

Counting convention
-------------------
:func:`count_parameters` counts **trainable parameters** (``requires_grad``
tensors of ``module.parameters()``, each shared tensor once), which is what
the paper's Table 1 reports ("the total number of trainable parameters") and
what Keras 1, which the authors used, called parameters. In detail:

- convolutions: kernel and bias (Keras' default; the bias is kept although a
  BatchNorm follows);
- BatchNorm: scale and shift, 2 per channel. Running mean and variance are
  buffers, not parameters (Keras 2 and later add them to "Total params" as
  non-trainable; ``count_parameters(..., buffers=True)`` counts them too);
- GRU: PyTorch's ``nn.GRU``, which has two bias vectors per gate
  (``3 * (in * h + h * h + 2 * h)`` per layer) where Keras 1 had one: +3h per
  layer, at most 0.2 % of a Table 1 model;
- dense layers: weights and bias;
- input normalisation as in the paper (:data:`TABLE1_INPUT_NORM`, below).

Reproducing Table 1
-------------------
Setting: 96 mel bins, 1366 frames, 50 outputs. The authors' published Keras
models (music-auto_tagging-keras: ``convnet.py``, ``recurrentnet.py``,
``music_tagger_crnn.py``) start with ``BatchNormalization(axis=3)`` on
``(1, 96, 1366)`` input, i.e. one scale and shift per *frame*
(2 x 1366 = 2,732 parameters; the comment says "per frequency" but axis 3 is
time). Their reported sizes include it: 865,950 for the 2016 FCN (32, 128,
128, 192, 256; 850,368 in its layer summary + 12,850 output + 2,732) and
396,786 for the CRNN (393,906 + 2 x 1440, the CRNN zero-pads to 1440 frames).
Counted the same way, the CRNN and Conv2D rows of Table 1 land on their
budgets almost exactly (e.g. 100,042 and 500,297 parameters for the 0.1M and
0.5M CRNN), so the paper counted it too. Our modules provide this layer as
``input_norm="time"`` (with ``n_frames=1366``); the default
``input_norm="freq"`` (one scale and shift per mel bin) is what the layer was
meant to be and works for any input length, but it has 2,540 fewer
parameters, which puts the 0.1M CRNN and Conv2D 2.5-3 % under budget.

Counts of the Table 1 widths, 96 x 1366 input, 50 outputs, this convention
(Conv2D and CRNN with ``input_norm="time"``, Conv1D with ``input_norm=None``):

========  =====================  =====================  =====================
budget    Conv1D                 Conv2D                 CRNN
========  =====================  =====================  =====================
0.1M      101,900 (+1.90 %)      99,554 (-0.45 %)       100,042 (+0.04 %)
0.25M     247,923 (-0.83 %)      248,829 (-0.47 %)      249,118 (-0.35 %)
0.5M      487,856 (-2.43 %)      500,052 (+0.01 %)      500,297 (+0.06 %)
1M        1,007,235 (+0.72 %)    1,006,560 (+0.66 %)    1,003,675 (+0.37 %)
3M        2,958,495 (-1.38 %)    3,048,899 (+1.63 %)    3,031,458 (+1.05 %)
========  =====================  =====================  =====================

**The Conv1D column cannot be within 2 % everywhere**, under any counting
that includes the output layer's weights.
Its 0.5M widths (33, 33, 66, 66 / 66, 66) are exactly 2.2 times its 0.1M
widths (15, 15, 30, 30 / 30, 30). Every parameter count of such a network is
a polynomial of degree at most 2 in the widths with non-negative
coefficients, so from 0.1M to 0.5M the quadratic terms grow 4.84-fold, the
terms linear in a width (the 50-way output layer's weights, the first
convolution's kernels, biases, BatchNorm) 2.2-fold and constant terms not at
all. Both cells within 2 % needs ``count(0.5M) >= 490,000`` with
``count(0.1M) <= 102,000``; but ``count(0.5M) <= 4.84 * count(0.1M) - 2.64 *
L`` where ``L >= 1,500`` are the output weights (50 x 30) at 0.1M, so
``count(0.5M) <= 493,680 - 3,960 = 489,720``. This holds for any flattened
size, kernel length or bias and normalisation choice. Without an input
normalisation (the choice above; Dieleman & Schrauwen 2014 had none, and no
reference code of the paper's Conv1D is public) only the 0.5M cell misses,
by 0.43 points; with the per-frame BatchNorm of the other two models the
0.1M cell would be +4.6 %, with the per-mel-bin one both cells miss
(+2.09 %, -2.39 %).
"""

from __future__ import annotations

import itertools
import math
from numbers import Real

import torch
from torch import nn

from ._registry import ARCHITECTURES, ArchitectureSpec

__all__ = [
    "MAX_PARAM_BUDGET",
    "TABLE1",
    "TABLE1_INPUT_NORM",
    "architecture_for_budget",
    "count_parameters",
]

#: Layer widths of Choi et al. 2017, Table 1: ``TABLE1[arch][budget]`` are
#: keyword arguments of :class:`Conv1DModule` (``"conv1d"``),
#: :class:`Conv2DModule` (``"conv2d"``) or :class:`CRNNModule` (``"crnn"``).
TABLE1: dict[str, dict[int, dict[str, tuple[int, ...]]]] = {
    "conv1d": {
        100_000: {"conv_widths": (15, 15, 30, 30), "fc_widths": (30, 30)},
        250_000: {"conv_widths": (23, 23, 47, 47), "fc_widths": (47, 47)},
        500_000: {"conv_widths": (33, 33, 66, 66), "fc_widths": (66, 66)},
        1_000_000: {"conv_widths": (47, 47, 95, 95), "fc_widths": (95, 95)},
        3_000_000: {"conv_widths": (81, 81, 163, 163), "fc_widths": (163, 163)},
    },
    "conv2d": {
        100_000: {"conv_widths": (20, 41, 41, 62, 83)},
        250_000: {"conv_widths": (33, 66, 66, 100, 133)},
        500_000: {"conv_widths": (47, 95, 95, 142, 190)},
        1_000_000: {"conv_widths": (67, 135, 135, 203, 271)},
        3_000_000: {"conv_widths": (118, 236, 236, 355, 473)},
    },
    "crnn": {
        100_000: {"conv_widths": (30, 60, 60, 60), "gru_widths": (30, 30)},
        250_000: {"conv_widths": (48, 96, 96, 96), "gru_widths": (48, 48)},
        500_000: {"conv_widths": (68, 137, 137, 137), "gru_widths": (68, 68)},
        1_000_000: {"conv_widths": (96, 195, 195, 195), "gru_widths": (96, 96)},
        3_000_000: {"conv_widths": (169, 339, 339, 339), "gru_widths": (169, 169)},
    },
}

#: ``input_norm`` that reproduces the paper's parameter counts (96 x 1366
#: input; ``"time"`` also needs ``n_frames=1366``). See the module notes.
TABLE1_INPUT_NORM: dict[str, str | None] = {
    "conv1d": None,
    "conv2d": "time",
    "crnn": "time",
}

_TOLERANCE = 0.02


def count_parameters(module: nn.Module, *, buffers: bool = False) -> int:
    """Number of trainable parameters of a module.

    Parameters
    ----------
    module : torch.nn.Module
        Any module; it may live on the ``meta`` device.
    buffers : bool, default=False
        Also count floating point buffers (BatchNorm running mean and
        variance), i.e. the "Total params" of Keras 2 and later.

    Returns
    -------
    int
        Elements of the parameters with ``requires_grad`` (each shared tensor
        once), plus those of the floating point buffers if ``buffers``.

    Notes
    -----
    The convention of Choi et al. 2017, Table 1 ("the total number of
    trainable parameters", as Keras 1 counted them): convolution kernels and
    biases, BatchNorm scale and shift (not the running statistics), GRU
    weights and biases (PyTorch's ``nn.GRU`` has two bias vectors per gate,
    Keras 1 had one: +3 x hidden units per layer), dense weights and biases.
    The paper's models also had an input BatchNorm over the 1366 frames
    (``input_norm="time"``), which its counts include; see
    :data:`TABLE1_INPUT_NORM` and the notes in ``_budget.py``.

    Examples
    --------
    >>> from sklearn_music.models import CRNNModule, TABLE1, count_parameters
    >>> module = CRNNModule(
    ...     96, 50, **TABLE1["crnn"][100_000], input_norm="time", n_frames=1366
    ... )
    >>> count_parameters(module)
    100042
    """
    total = sum(p.numel() for p in module.parameters() if p.requires_grad)
    if buffers:
        total += sum(b.numel() for b in module.buffers() if b.is_floating_point())
    return total


def _check_budget(budget) -> float:
    if (
        isinstance(budget, bool)
        or not isinstance(budget, Real)
        or not math.isfinite(budget)
        or budget <= 0
    ):
        raise ValueError(
            f"budget must be None or a finite positive number of parameters; "
            f"got {budget!r}"
        )
    ceiling = max_param_budget()
    if budget > ceiling:
        raise ValueError(
            f"param_budget={budget:g} is above the ceiling of {ceiling:g} "
            f"trainable parameters (a model of {budget:g} parameters needs about "
            f"{16 * budget / 2**30:.0f} GiB for its weights and Adam's state "
            "alone). If you mean it, raise the ceiling: set the environment "
            "variable SKLEARN_MUSIC_MAX_PARAM_BUDGET (e.g. to 1e10, or 'inf'; "
            "worker processes started afterwards see it too)."
        )
    return float(budget)


#: Default ceiling of ``param_budget``: larger budgets raise unless the
#: environment variable ``SKLEARN_MUSIC_MAX_PARAM_BUDGET`` raises it.
MAX_PARAM_BUDGET = 1e8


def max_param_budget() -> float:
    """The ceiling of ``param_budget``: ``SKLEARN_MUSIC_MAX_PARAM_BUDGET`` if
    set (read at every call, so worker processes see it too), else
    :data:`MAX_PARAM_BUDGET`."""
    import os

    value = os.environ.get("SKLEARN_MUSIC_MAX_PARAM_BUDGET")
    if not value:
        return MAX_PARAM_BUDGET
    try:
        return float(value)
    except ValueError:
        raise ValueError(
            f"SKLEARN_MUSIC_MAX_PARAM_BUDGET must be a number or 'inf'; got {value!r}"
        ) from None


def _round(x: float) -> int:
    return max(1, math.floor(x + 0.5))


def _scale(widths, factor: float):
    if isinstance(widths, tuple):
        return tuple(_round(factor * w) for w in widths)
    return _round(factor * widths)


def _flatten(widths: dict) -> list[int]:
    flat = []
    for w in widths.values():
        flat.extend(w if isinstance(w, tuple) else [w])
    return flat


def _unflatten(template: dict, flat: list[int]) -> dict:
    out, k = {}, 0
    for name, w in template.items():
        if isinstance(w, tuple):
            out[name] = tuple(flat[k : k + len(w)])
            k += len(w)
        else:
            out[name] = flat[k]
            k += 1
    return out


def _registered(arch: str) -> ArchitectureSpec:
    if arch not in ARCHITECTURES:
        raise ValueError(f"arch must be one of {sorted(ARCHITECTURES)}; got {arch!r}")
    return ARCHITECTURES[arch]


def architecture_for_budget(
    arch: str,
    budget: float | None = None,
    *,
    n_mels: int | None = None,
    n_outputs: int,
    **fixed,
) -> dict:
    """Layer widths of an architecture for a parameter budget.

    Parameters
    ----------
    arch : str
        A key of :data:`~sklearn_music.models.ARCHITECTURES`: ``"conv1d"``,
        ``"conv2d"``, ``"crnn"`` (:class:`Conv1DModule`,
        :class:`Conv2DModule`, :class:`CRNNModule`), ``"samplecnn"``
        (:class:`SampleCNNModule`) or any registered later. The budget
        scales the architecture's ``width_args``.
    budget : float, optional
        Target number of trainable parameters (:func:`count_parameters`).

        - ``None``: the module's default widths.
        - A budget of Table 1 (1e5, 2.5e5, 5e5, 1e6, 3e6) for ``"conv1d"``,
          ``"conv2d"`` or ``"crnn"``: exactly the widths of
          :data:`TABLE1`, whatever ``n_mels``, ``n_outputs`` and ``fixed``
          (their count is the budget for the paper's setting only; see the
          module notes).
        - Any other positive number: the widths of the nearest Table 1 row
          (log scale; the default widths for an architecture without a
          Table 1 row, such as ``"samplecnn"``) multiplied by
          one factor, found by bisection, and rounded to integers >= 1, so
          that the module built with ``n_mels``, ``n_outputs`` and ``fixed``
          has within 2 % of ``budget`` parameters.
    n_mels : int, optional
        Mel bins of the input; required for spectrogram architectures
        (``input_kind="spectrogram"``), ignored for waveform ones.
    n_outputs : int
        Number of classes or tags.
    **fixed
        Other module keyword arguments that stay as given (``input_norm``,
        ``n_blocks``, ``pool_sizes``, ...). They may change the count and are
        taken into account; width arguments are not allowed here.

    Returns
    -------
    dict
        Module keyword arguments: the widths merged with ``fixed``. Build
        the module with ``Module(n_mels, n_outputs, **kwargs)`` (or
        ``SampleCNNModule(n_outputs, **kwargs)``).

    Raises
    ------
    ValueError
        For an unknown architecture, a budget that is not a positive finite
        number, a budget above the ceiling (:data:`MAX_PARAM_BUDGET`, 1e8,
        unless the environment variable ``SKLEARN_MUSIC_MAX_PARAM_BUDGET``
        sets another), width arguments in ``fixed``, a budget below the smallest
        model (all widths 1), or one that no rounding of the scaled widths
        reaches within 2 %.

    Examples
    --------
    >>> from sklearn_music.models import (
    ...     CRNNModule, architecture_for_budget, count_parameters
    ... )
    >>> architecture_for_budget("crnn", 1e5, n_mels=96, n_outputs=50)
    {'conv_widths': (30, 60, 60, 60), 'gru_widths': (30, 30)}
    >>> kwargs = architecture_for_budget("crnn", 2e6, n_mels=128, n_outputs=10)
    >>> round(count_parameters(CRNNModule(128, 10, **kwargs)) / 2e6, 2)
    1.0
    """
    spec = _registered(arch)
    clash = sorted(set(spec.width_args) & set(fixed))
    if clash:
        raise ValueError(
            f"{', '.join(clash)} are chosen from the budget; do not pass them"
        )
    if "n_mels" in spec.shape_args and n_mels is None:
        raise ValueError(f"architecture {arch!r} needs n_mels")
    given = {"n_mels": n_mels, "n_outputs": n_outputs}
    shape = {name: given[name] for name in spec.shape_args}

    def build(widths: dict) -> nn.Module:
        with torch.device("meta"):
            return spec.module(**shape, **widths, **fixed)

    def defaults() -> dict:
        default = build({})
        return {name: getattr(default, name) for name in spec.width_args}

    if budget is None:
        return {**defaults(), **fixed}
    budget = _check_budget(budget)
    table = TABLE1.get(arch, {})
    if budget in table:
        return {**table[budget], **fixed}
    if table:
        nearest = min(table, key=lambda b: abs(math.log(b / budget)))
        base = dict(table[nearest])
    else:
        base = defaults()
    counts: dict[tuple, int] = {}

    def count(widths: dict) -> int:
        key = tuple(widths.values())
        if key not in counts:
            counts[key] = count_parameters(build(widths))
        return counts[key]

    smallest = count({name: _scale(w, 0.0) for name, w in base.items()})
    if smallest > (1 + _TOLERANCE) * budget:
        raise ValueError(
            f"budget {budget:g} is below the smallest {arch} model (all widths "
            f"1): {smallest} parameters for n_mels={n_mels}, n_outputs={n_outputs}"
        )
    return {**_scaled_widths(count, base, budget, arch), **fixed}


def _scaled_widths(count, base: dict, budget: float, arch: str) -> dict:
    """The widths ``base`` scaled by one factor (then rounded) whose count
    ``count(widths)`` is nearest to ``budget``, within 2 %."""

    def scaled(factor: float) -> dict:
        return {name: _scale(w, factor) for name, w in base.items()}

    # The count is a non-decreasing step function of the factor, roughly
    # quadratic; its steps are where a scaled width crosses k + 1/2. Guess the
    # factor (two Newton steps on count ~ factor ** 2), bracket the budget
    # tightly, then bisect over the steps inside the bracket.
    factor = 1.0
    for _ in range(2):
        factor *= math.sqrt(budget / count(scaled(factor)))
    lo, hi = factor / 1.01, factor * 1.01
    while lo > 1e-6 and count(scaled(lo)) > budget:
        lo /= 2
    while count(scaled(hi)) < budget:
        hi *= 2
    values = set(_flatten(base))
    steps = sorted(
        {
            (k + 0.5) / v
            for v in values
            for k in range(math.floor(lo * v), math.ceil(hi * v) + 1)
            if lo < (k + 0.5) / v < hi
        }
        | {lo, hi}
    )
    # one factor inside each interval of constant widths
    factors = [0.5 * (a + b) for a, b in itertools.pairwise(steps)]
    i, j = 0, len(factors) - 1  # count(factors[i]) <= budget <= count(factors[j])
    while j - i > 1:
        mid = (i + j) // 2
        if count(scaled(factors[mid])) < budget:
            i = mid
        else:
            j = mid
    below, above = scaled(factors[i]), scaled(factors[j])
    candidates = [below, above]
    if min(abs(count(c) - budget) for c in candidates) > _TOLERANCE * budget:
        # Widths with equal base values step together, which can jump over
        # the tolerance: also try every subset of the widths that step.
        flat_below, flat_above = _flatten(below), _flatten(above)
        moved = [
            k
            for k, (a, b) in enumerate(zip(flat_below, flat_above, strict=True))
            if a != b
        ]
        for subset in itertools.product([False, True], repeat=len(moved)):
            flat = list(flat_below)
            for k, take in zip(moved, subset, strict=True):
                if take:
                    flat[k] = flat_above[k]
            candidates.append(_unflatten(below, flat))
    w_best = min(candidates, key=lambda c: abs(count(c) - budget))
    n_best = count(w_best)
    if abs(n_best - budget) > _TOLERANCE * budget:
        raise ValueError(
            f"the scaled widths of {arch} cannot reach {budget:g} parameters "
            f"within 2 %: the nearest counts are {count(below)} and "
            f"{count(above)}; choose another budget"
        )
    return w_best
