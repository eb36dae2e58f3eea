"""Signatures and reprs show the real parameters of every public estimator
(as scikit-learn's do): ``inspect.signature`` lists what ``get_params``
returns, ``repr`` shows exactly the parameters that differ from their
defaults, also inside a Pipeline, and nothing private."""

import importlib
import inspect
import re

import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.pipeline import make_pipeline

SUBPACKAGES = ["estimators", "features", "recommend"]


def _public_estimators():
    found = {}
    for sub in SUBPACKAGES:
        module = importlib.import_module(f"sklearn_music.{sub}")
        for name in module.__all__:
            obj = getattr(module, name)
            if (
                isinstance(obj, type)
                and issubclass(obj, BaseEstimator)
                and not inspect.isabstract(obj)
                and name[0].isupper()
                and name != "MusicNet"
            ):
                found[name] = obj
    return [found[name] for name in sorted(found)]


ESTIMATORS = _public_estimators()


def _build(cls, **params):
    signature = inspect.signature(cls)
    if "accelerator" in signature.parameters:
        params.setdefault("accelerator", object())  # only stored by __init__
    return cls(**params)


def _named_params(cls):
    return [
        p.name
        for p in inspect.signature(cls).parameters.values()
        if p.kind is not inspect.Parameter.VAR_KEYWORD
    ]


def _changed(value):
    """A value of the same kind as ``value`` that differs from it."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 3
    if isinstance(value, float):
        return value * 2 + 0.25
    return None if value is not None else 7


def test_the_public_estimators_are_found():
    names = {cls.__name__ for cls in ESTIMATORS}
    assert {"CRNNClassifier", "SampleCNNClassifier", "MelSpectrogram"} <= names
    assert {"GaussianMixtureClassifier", "CosineRecommender"} <= names


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_signature_lists_every_parameter(cls):
    est = _build(cls)
    params = est.get_params(deep=False)
    assert sorted(_named_params(cls)) == sorted(params)
    assert not [name for name in params if name.startswith("_")]
    for name, param in inspect.signature(cls).parameters.items():
        if param.default is not inspect.Parameter.empty:
            assert repr(params[name]) == repr(param.default), name


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_repr_shows_the_changed_parameters(cls):
    default = _build(cls)
    extra = {"accelerator"} & set(default.get_params(deep=False))
    expected = f"{cls.__name__}({', '.join(f'{k}=...' for k in sorted(extra))})"
    assert re.sub(r"=[^,)]+", "=...", repr(default)) == expected
    # change two numeric or boolean parameters; the repr shows those
    params = default.get_params(deep=False)
    numbers = [
        k
        for k, v in sorted(params.items())
        if isinstance(v, (bool, int, float)) and k != "verbose"
    ][:2]
    changes = {k: _changed(params[k]) for k in numbers}
    est = clone(default).set_params(**changes)
    text = repr(est)
    assert text.startswith(f"{cls.__name__}(")
    for key, value in changes.items():
        assert f"{key}={value!r}" in text
    shown = set(re.findall(r"(\w+)=", text))
    assert shown == set(changes) | extra
    assert "_params_to_validate" not in text
    # the same inside a Pipeline
    pipe = repr(make_pipeline(clone(est)))
    assert "_params_to_validate" not in pipe
    for key, value in changes.items():
        assert f"{key}={value!r}" in pipe


def test_neural_repr_examples():
    from sklearn_music.estimators import CRNNClassifier
    from sklearn_music.features import MelSpectrogram

    assert repr(CRNNClassifier()) == "CRNNClassifier()"
    clf = CRNNClassifier(param_budget=1e5, max_epochs=3, module__gru_widths=(8,))
    assert repr(clf) == (
        "CRNNClassifier(max_epochs=3, module__gru_widths=(8,), param_budget=100000.0)"
    )
    params = inspect.signature(CRNNClassifier).parameters
    assert {"param_budget", "max_epochs", "lr", "random_state"} <= set(params)
    assert params["verbose"].default == 1
    pipe = make_pipeline(MelSpectrogram(n_mels=96), CRNNClassifier(param_budget=1e5))
    assert "CRNNClassifier(param_budget=100000.0)" in repr(pipe)
    assert "_params_to_validate" not in repr(pipe)
