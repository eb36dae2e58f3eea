"""Catalogue ids: one type per catalogue, kept exactly; clear errors at fit and
partial_fit for booleans, mixed types and missing ids."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sklearn_music.recommend import CosineRecommender


@pytest.fixture
def E(rng):
    return rng.standard_normal((12, 4))


def test_true_beside_one_is_refused_and_the_catalogue_survives(E):
    rec = CosineRecommender(n_neighbors=2).fit(E[:5], ids=[1, 2, 3, 4, 5])
    for ids in ([True], np.array([True]), [np.True_]):
        with pytest.raises(ValueError, match=r"Boolean ids at position\(s\) 0 .*True"):
            rec.partial_fit(E[5:6], ids=ids)
    assert rec.n_samples_fit_ == 5 and rec.ids_.dtype == np.int64
    assert list(rec.recommend(1)["id"]) == list(rec.ids_[rec.kneighbors()[1][0]])
    with pytest.raises(ValueError, match="Boolean ids"):
        CosineRecommender().fit(E[:2], ids=[False, True])


@pytest.mark.parametrize(
    "ids, named",
    [
        (["a", 1, 2], r"strings: 'a'; integers: 1, 2"),
        ([1, "1", 2], r"integers: 1, 2; strings: '1'"),  # '1' and 1 collide as text
        ([1, 2.0, 3], r"integers: 1, 3; floats: 2\.0"),
        (pd.Series(["x", 7, "y"], dtype=object), r"strings: 'x', 'y'; integers: 7"),
    ],
)
def test_mixed_types_are_refused_not_coerced(E, ids, named):
    with pytest.raises(ValueError, match=r"ids must all be of one type.*" + named):
        CosineRecommender().fit(E[:3], ids=ids)


def test_partial_fit_keeps_the_catalogue_id_type(E):
    rec = CosineRecommender().fit(E[:4], ids=[10, 11, 12, 13])
    with pytest.raises(
        ValueError, match=r"catalogue are integers, but .*'x'.* strings"
    ):
        rec.partial_fit(E[4:5], ids=["x"])
    named = CosineRecommender().fit(E[:4], ids=list("abcd"))
    with pytest.raises(ValueError, match=r"are strings, but the new ids 4 .*pass ids"):
        named.partial_fit(E[4:5])  # default ids are row numbers
    assert rec.n_samples_fit_ == named.n_samples_fit_ == 4
    rec.partial_fit(E[4:6], ids=np.array([20, 21], dtype=np.int32))
    assert rec.ids_.dtype.kind == "i" and list(rec.ids_) == [10, 11, 12, 13, 20, 21]
    rec.partial_fit(E[6:7])  # integer catalogue: row numbers are fine
    assert rec.ids_[-1] == 6


def test_missing_ids_are_refused(E):
    for ids in ([None, "b", "c"], ["a", np.nan, "c"], [1.0, np.nan, 2.0]):
        with pytest.raises(ValueError, match=r"Missing ids .* at position\(s\) [01]"):
            CosineRecommender().fit(E[:3], ids=ids)


def test_exact_types_are_kept(E):
    paths = [Path(f"/music/{i}.wav") for i in range(3)]
    rec = CosineRecommender(n_neighbors=1).fit(E[:3], ids=paths)
    assert rec.ids_.dtype == object and all(isinstance(i, Path) for i in rec.ids_)
    assert isinstance(rec.recommend(paths[0])["id"].iloc[0], Path)
    with pytest.raises(
        ValueError, match=r"are of type (Posix|Windows)Path, but .* are strings"
    ):
        rec.partial_fit(E[3:4], ids=["/music/3.wav"])  # a str is not a Path
    huge = [2**70, 2**70 + 1]  # beyond int64: kept as Python ints
    rec = CosineRecommender(n_neighbors=1).fit(E[:2], ids=huge)
    assert list(rec.ids_) == huge and rec.recommend(2**70)["id"].iloc[0] == 2**70 + 1
    rec = CosineRecommender(n_neighbors=1).fit(E[:2], ids=np.array(["a", "bb"]))
    assert rec.ids_.dtype.kind == "U"
    rec = CosineRecommender(n_neighbors=1).fit(E[:2], ids=[0.5, 1.5])
    assert rec.ids_.dtype == object and rec.recommend(0.5)["id"].iloc[0] == 1.5


def test_duplicates_of_one_type_are_named(E):
    with pytest.raises(ValueError, match=r"repeated within this batch: \[1\]"):
        CosineRecommender().fit(E[:3], ids=[1, np.int64(1), 2])
    rec = CosineRecommender().fit(E[:3], ids=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"already in the catalogue: \['b'\]"):
        rec.partial_fit(E[3:5], ids=[np.str_("b"), "d"])


def test_lookups_use_the_catalogue_type(E):
    rec = CosineRecommender(n_neighbors=2).fit(E[:4], ids=[0, 1, 2, 3])
    with pytest.raises(ValueError, match=r"Unknown track id\(s\) \[True\].*integers"):
        rec.recommend(True)  # True == 1, but it is not the id 1
    with pytest.raises(ValueError, match=r"Unknown track id\(s\) \['1'\]"):
        rec.recommend("1")
    assert len(rec.recommend(np.int64(1))) == 2


def test_ids_shape_errors(E):
    with pytest.raises(ValueError, match=r"expected shape \(3,\), got \(2,\)"):
        CosineRecommender().fit(E[:3], ids=["a", "b"])
    with pytest.raises(ValueError, match=r"one id .* item 1 is a list"):
        CosineRecommender().fit(E[:3], ids=["a", ["b"], "c"])
