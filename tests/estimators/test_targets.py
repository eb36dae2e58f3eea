"""ClassEncoder: the targets of the neural estimators."""

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import DataConversionWarning

from sklearn_music._targets import ClassEncoder, as_tag_lists


def test_labels_become_class_indices():
    encoder = ClassEncoder("Net")
    encoded = encoder.fit_transform(["rock", "jazz", "rock"], n_samples=3)
    assert list(encoder.classes_) == ["jazz", "rock"] and not encoder.multilabel_
    np.testing.assert_array_equal(encoded, [1, 0, 1])
    assert encoded.dtype == np.int64
    again = ClassEncoder("Net", classes=encoder.classes_, multilabel=False)
    np.testing.assert_array_equal(again.transform(["jazz"], n_samples=1), [0])
    with pytest.raises(ValueError, match=r"labels not seen in fit: \['polka'\]"):
        again.transform(["polka"], n_samples=1)
    with pytest.raises(ValueError, match="the estimator knows"):
        again.check_known(["rock", "polka"])
    again.check_known(["rock"])


def test_tag_lists_and_indicator_matrices():
    encoder = ClassEncoder("Net")
    Y = encoder.fit_transform(pd.Series([["rock", "piano"], ["jazz"]]), n_samples=2)
    assert list(encoder.classes_) == ["jazz", "piano", "rock"] and encoder.multilabel_
    np.testing.assert_array_equal(Y, [[0, 1, 1], [1, 0, 0]])
    assert Y.dtype == np.float32
    np.testing.assert_array_equal(
        encoder.transform([["jazz", "rock"]], n_samples=1), [[1, 0, 1]]
    )
    np.testing.assert_array_equal(encoder.transform(Y, n_samples=2), Y)
    with pytest.raises(ValueError, match=r"tags not seen in fit: \['polka'\]"):
        encoder.transform([["polka"]], n_samples=1)
    with pytest.raises(ValueError, match=r"\(n_clips, 3\) indicator matrix"):
        encoder.transform(np.ones((2, 4)), n_samples=2)
    encoder.check_known([["anything"]])  # subset accuracy needs no check
    indicator = ClassEncoder("Net")
    indicator.fit_transform(np.array([[0, 1], [1, 1]]), n_samples=2)
    assert list(indicator.classes_) == [0, 1] and indicator.multilabel_


def test_target_errors():
    with pytest.raises(ValueError, match="Net requires y to be passed"):
        ClassEncoder("Net").fit_transform(None, n_samples=2)
    with pytest.raises(ValueError, match="at least 2 classes"):
        ClassEncoder("Net").fit_transform(["a", "a"], n_samples=2)
    with pytest.raises(ValueError, match="at least 2 samples"):
        ClassEncoder("Net").fit_transform(["a"], n_samples=1)
    with pytest.raises(ValueError, match="X has 3 clips but y has 2"):
        ClassEncoder("Net").fit_transform(["a", "b"], n_samples=3)
    with pytest.raises(ValueError, match="Unknown label type"):
        ClassEncoder("Net").fit_transform([0.5, 1.5], n_samples=2)
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        ClassEncoder("Net").fit_transform(np.array([[0], [1]]), n_samples=2)


def test_as_tag_lists_is_unchanged():
    assert as_tag_lists([[1, 0], [0, 1]]) is None  # an indicator matrix
    assert as_tag_lists([["a"], ["b", "c"]]) == [["a"], ["b", "c"]]
    assert as_tag_lists(np.array(["a", "b"])) is None
