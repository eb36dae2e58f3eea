"""DielemanModule: full-frequency first layer, any length, parameter budgets."""

import pytest
import torch

from sklearn_music.models import (
    TABLE1,
    Conv1DModule,
    DielemanModule,
    architecture_for_budget,
    count_parameters,
)


def test_first_layer_spans_every_mel_band():
    module = DielemanModule(40, 5, conv_widths=(6, 7), fc_widths=(9,))
    assert tuple(module.first_layer.weight.shape) == (6, 40, 8)
    # Choi's Conv1D, for contrast: its first kernels have no frequency extent
    choi = Conv1DModule(40, 5)
    first = next(m for m in choi.modules() if isinstance(m, torch.nn.Conv2d))
    assert tuple(first.weight.shape) == (33, 1, 1, 8)


def test_a_band_change_reaches_every_first_layer_output():
    """Changing one mel band changes every kernel's response at every time
    step it covers (a per-band network would change one band's row only)."""
    torch.manual_seed(0)
    module = DielemanModule(12, 2, conv_widths=(4, 4), fc_widths=(3,)).eval()
    x = torch.randn(1, 12, 32)
    y = x.clone()
    y[0, 7, 10] += 5.0
    with torch.no_grad():
        a = module.first_layer(module.input_norm(x)[..., :])
        b = module.first_layer(module.input_norm(y)[..., :])
    changed = (a - b).abs() > 1e-6
    assert changed.shape == (1, 4, 25)
    assert changed[0, :, 3:11].all()  # each of the 4 kernels sees the change


@pytest.mark.parametrize("n_frames", [1, 3, 15, 16, 17, 130, 1000])
def test_any_clip_length(n_frames):
    module = DielemanModule(16, 3).eval()
    assert module.min_input_length == 1
    with torch.no_grad():
        out = module(torch.randn(2, 16, n_frames))
    assert out.shape == (2, 3) and torch.isfinite(out).all()


def test_capped_pools_equal_fixed_ones_on_long_inputs():
    torch.manual_seed(0)
    capped = DielemanModule(16, 3).eval()
    fixed = DielemanModule(16, 3, pooling="fixed").eval()
    fixed.load_state_dict(capped.state_dict())
    x = torch.randn(2, 16, 50)
    with torch.no_grad():
        torch.testing.assert_close(capped(x), fixed(x))
    assert fixed.min_input_length == 16
    with pytest.raises(ValueError, match="needs at least 16 frames; got 15"):
        fixed(torch.randn(1, 16, 15))
    with pytest.raises(ValueError, match="pooling must be 'capped' or 'fixed'"):
        DielemanModule(16, 3, pooling="global")


@pytest.mark.parametrize("budget", [2e4, 1e5, 5e5, 3e6])
def test_param_budget_within_two_percent(budget):
    kwargs = architecture_for_budget("dieleman", budget, n_mels=96, n_outputs=50)
    assert set(kwargs) == {"conv_widths", "fc_widths"}
    count = count_parameters(DielemanModule(96, 50, **kwargs))
    assert abs(count - budget) <= 0.02 * budget


def test_table1_stays_choi_conv1d():
    assert "dieleman" not in TABLE1
    assert (
        architecture_for_budget("conv1d", 1e5, n_mels=96, n_outputs=50)
        == (TABLE1["conv1d"][100_000])
    )
    assert architecture_for_budget("dieleman", None, n_mels=96, n_outputs=50) == {
        "conv_widths": (32, 32),
        "fc_widths": (100,),
    }


def test_gradients_reach_the_first_layer():
    module = DielemanModule(8, 3, conv_widths=(2, 3), fc_widths=(4,), dropout=0.0)
    module(torch.randn(4, 8, 40)).sum().backward()
    assert module.first_layer.weight.grad.abs().sum() > 0
