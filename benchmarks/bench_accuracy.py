"""Fidelity benchmark: every estimator with defaults against classical baselines.

Three tasks built offline from Debian packages (see ``benchmarks/_tasks.py``):
``sonicpi`` (categories of real CC0 recordings, single-label), ``scores``
(major/minor mode of Bach chorales rendered with three GM soundfonts,
single-label) and ``mixtures`` (instrument families mixed at random,
multi-label). Splits are grouped by source recording / piece / clip, so crops
of one recording never fall on both sides; single-label splits are also
stratified (``StratifiedGroupKFold``, one fold of four held out), multi-label
ones are ``GroupShuffleSplit`` (25 % held out). Each seed draws its own split
and seeds every estimator.

Systems, all in the same run on the same split:

* ``extended+LR``: ``HandcraftedFeatures(feature_set="extended")`` ->
  StandardScaler -> LogisticRegression, ``C`` chosen by grouped 3-fold CV on
  the training set (one-vs-rest for tagging);
* ``mfcc+LR``: mean and std of 20 MFCCs and their deltas -> StandardScaler ->
  LogisticRegression, ``C`` by grouped CV;
* ``handcrafted+GMM``: ``HandcraftedFeatures()`` -> StandardScaler ->
  ``GaussianMixtureClassifier(covariance_type="diag")``, ``n_components`` by
  grouped CV (tagging: one binary GMM classifier per tag, one-vs-rest);
* ``dictionary+LR``: the two-stage sparse-dictionary system of the survey
  (frames of the log-mel spectrogram -> ``MiniBatchDictionaryLearning`` ->
  sparse codes pooled per clip -> LogisticRegression);
* every neural estimator of ``sklearn_music.estimators`` with its defaults
  (only ``random_state`` and ``verbose=0`` set): the spectrogram models as
  ``Pipeline([MelSpectrogram(), Estimator()])`` (the mel spectrogram, which
  learns nothing, is computed once per task), ``SampleCNNClassifier`` on the
  waveforms.

Metrics: accuracy and macro F1 (single-label), macro ROC-AUC and macro PR-AUC
(average precision; tagging); fit time, epochs and time per epoch.

Usage::

    python benchmarks/bench_accuracy.py                       # everything
    python benchmarks/bench_accuracy.py --tasks sonicpi --systems baselines
    python benchmarks/bench_accuracy.py --quick               # smaller sets
    python benchmarks/bench_accuracy.py --ablation --tasks sonicpi
    python benchmarks/bench_accuracy.py --table-only          # rewrite the rst

Runs are merged into ``benchmarks/results/bench_accuracy.json`` (a run
replaces the earlier one of the same task, system, seed and data size), the
table is printed and written to ``docs/user_guide/accuracy_results.inc``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from _accuracy_report import (
    environment,
    merge,
    print_tables,
    record_defaults,
    size_text,
    summarise,
    write_rst,
)
from _tasks import DEFAULTS, TASKS, load_task

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "bench_accuracy.json"
ABLATION = ROOT / "benchmarks" / "results" / "bench_accuracy_ablation.json"
SR = 22050
BASELINES = ("extended+LR", "mfcc+LR", "handcrafted+GMM", "dictionary+LR")


# ----------------------------------------------------------------------
# features computed once per task (they learn nothing)
# ----------------------------------------------------------------------
def mfcc_statistics(X: np.ndarray) -> np.ndarray:
    """Mean and std of 20 MFCCs and their deltas per clip (80 values)."""
    import librosa

    rows = []
    for y in X:
        mfcc = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=20)
        feats = np.concatenate([mfcc, librosa.feature.delta(mfcc)])
        rows.append(np.concatenate([feats.mean(axis=1), feats.std(axis=1)]))
    return np.asarray(rows)


def features(X, cache: dict, name: str):
    """The per-task representation ``name``, computed on first use.

    The clip-level features (``mfcc``, ``extended``, ``tzanetakis``) are
    also cached on disk next to the task (``cache["path"]``) with the time
    they took, as they are the slow part of the baselines on a busy CPU.
    """
    if name in cache:
        return cache[name]
    from sklearn_music.features import HandcraftedFeatures, MelSpectrogram

    disk = cache.get("path") and cache["path"].with_name(
        f"{cache['path'].stem}-{name}.npz"
    )
    if name != "mel" and disk and disk.exists():
        with np.load(disk) as f:
            cache[name], cache[f"{name}_s"] = f["F"], float(f["seconds"])
        return cache[name]
    start = time.perf_counter()
    if name == "mfcc":
        F = mfcc_statistics(X)
    elif name == "extended":
        F = HandcraftedFeatures(feature_set="extended").fit_transform(X)
    elif name == "tzanetakis":
        F = HandcraftedFeatures().fit_transform(X)
    else:
        F = MelSpectrogram().fit_transform(X)
    cache[name] = np.asarray(F, dtype=np.float32)
    cache[f"{name}_s"] = time.perf_counter() - start
    print(f"  {name} features {cache[name].shape} in {cache[f'{name}_s']:.1f} s")
    if name != "mel" and disk:
        np.savez(disk, F=cache[name], seconds=cache[f"{name}_s"])
    return cache[name]


# ----------------------------------------------------------------------
# systems
# ----------------------------------------------------------------------
def _grouped_search(model, grid, multilabel, seed):
    from sklearn.model_selection import GridSearchCV, GroupKFold

    return GridSearchCV(
        model,
        grid,
        cv=GroupKFold(n_splits=3, shuffle=True, random_state=seed),
        scoring="roc_auc" if multilabel else "accuracy",
        error_score=np.nan,
    )


def logistic(multilabel, seed):
    """StandardScaler + LogisticRegression (one-vs-rest for tags), C by CV."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    lr = LogisticRegression(max_iter=3000)
    clf = OneVsRestClassifier(lr) if multilabel else lr
    prefix = "clf__estimator__C" if multilabel else "clf__C"
    pipe = make_pipeline(StandardScaler(), clf)
    pipe.steps[-1] = ("clf", clf)
    return _grouped_search(
        pipe, {prefix: [0.001, 0.01, 0.1, 1.0, 10.0]}, multilabel, seed
    )


def gmm(multilabel, seed):
    """StandardScaler + GaussianMixtureClassifier (diag), components by CV."""
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from sklearn_music.estimators import GaussianMixtureClassifier

    g = GaussianMixtureClassifier(
        covariance_type="diag", reg_covar=1e-3, random_state=seed
    )
    clf = OneVsRestClassifier(g) if multilabel else g
    key = "clf__estimator__n_components" if multilabel else "clf__n_components"
    pipe = Pipeline([("scale", StandardScaler()), ("clf", clf)])
    return _grouped_search(pipe, {key: [1, 2, 4]}, multilabel, seed)


def dictionary_system(seed):
    """The survey's two-stage sparse-dictionary system, without its final
    classifier: ``(front_end, input, origin)``. ``front_end`` maps ``input``
    ("audio" or "mel") to one pooled feature row per clip.

    It is the package's recipe (``make_dictionary_pipeline``) where the
    package has it; else the same idea written here with scikit-learn.
    """
    import sklearn_music.features as smf

    if hasattr(smf, "make_dictionary_pipeline"):
        pipe = smf.make_dictionary_pipeline(random_state=seed)
        return pipe[:-1], "audio", "sklearn_music.features.make_dictionary_pipeline"
    from sklearn.decomposition import MiniBatchDictionaryLearning

    dico = MiniBatchDictionaryLearning(
        n_components=128, alpha=1.0, batch_size=256, max_iter=5,
        transform_algorithm="omp", transform_n_nonzero_coefs=8,
        random_state=seed,
    )  # fmt: skip
    return _LocalDictionary(dico, seed), "mel", "benchmark-local (scikit-learn)"


class _LocalDictionary:
    """Standardised log-mel frames -> dictionary -> |codes| pooled (mean,
    max) per clip; the dictionary is learnt on 20,000 training frames."""

    def __init__(self, dico, seed):
        self.dico, self.seed = dico, seed

    def fit_transform(self, M):
        rows = np.concatenate([m.T for m in M])
        rng = np.random.default_rng(self.seed)
        sample = rows[rng.choice(len(rows), size=min(len(rows), 20000), replace=False)]
        self.mean_, self.scale_ = sample.mean(axis=0), sample.std(axis=0) + 1e-6
        self.dico.fit((sample - self.mean_) / self.scale_)
        return self.transform(M)

    def transform(self, M):
        out = []
        for m in M:
            codes = np.abs(self.dico.transform((m.T - self.mean_) / self.scale_))
            out.append(np.concatenate([codes.mean(axis=0), codes.max(axis=0)]))
        return np.asarray(out)


def neural_classes():
    """Every public neural estimator (Accelerated* variants left out)."""
    from sklearn.base import RegressorMixin

    import sklearn_music.estimators as est

    found = {}
    for name in est.__all__:
        if name.startswith("Accelerated"):
            continue
        try:
            obj = getattr(est, name)
        except Exception as exc:
            print(f"  skipping {name}: {exc}")
            continue
        if (
            isinstance(obj, type)
            and issubclass(obj, est.MusicNet)
            and not issubclass(obj, RegressorMixin)
            and obj is not est.MusicNet
            and getattr(obj, "_architecture", "")
        ):
            found[name] = obj
    return found


def is_waveform(cls) -> bool:
    from sklearn_music.models import get_architecture

    return get_architecture(cls._architecture).input_kind == "waveform"


# ----------------------------------------------------------------------
# evaluation
# ----------------------------------------------------------------------
def split(y, groups, multilabel, seed):
    from sklearn.model_selection import GroupShuffleSplit, StratifiedGroupKFold

    if multilabel:
        cv = GroupShuffleSplit(n_splits=1, test_size=0.25, random_state=seed)
        return next(cv.split(y, y, groups))
    cv = StratifiedGroupKFold(n_splits=4, shuffle=True, random_state=seed)
    return next(cv.split(y, y, groups))


def subset(y, groups, multilabel, fraction):
    """Indices of the clips of a fixed random ``fraction`` of the groups
    (per class for single-label tasks)."""
    if fraction >= 1:
        return np.arange(len(y))
    rng = np.random.default_rng(12345)
    strata = np.zeros(len(y), int) if multilabel else y
    chosen = set()
    for label in np.unique(strata):
        g = np.unique(groups[strata == label])
        n = max(2, round(fraction * len(g)))
        chosen.update(rng.choice(g, size=min(n, len(g)), replace=False))
    return np.flatnonzero(np.isin(groups, list(chosen)))


def scores(model, X_test, y_test, multilabel, classes=None) -> dict:
    from sklearn.metrics import (
        accuracy_score,
        average_precision_score,
        f1_score,
        roc_auc_score,
    )

    if multilabel:
        proba = np.asarray(model.predict_proba(X_test))
        keep = (y_test.sum(axis=0) > 0) & (y_test.sum(axis=0) < len(y_test))
        return {
            "roc_auc": float(
                roc_auc_score(y_test[:, keep], proba[:, keep], average="macro")
            ),
            "pr_auc": float(
                average_precision_score(
                    y_test[:, keep], proba[:, keep], average="macro"
                )
            ),
        }
    pred = model.predict(X_test)
    return {
        "accuracy": float(accuracy_score(y_test, pred)),
        "macro_f1": float(f1_score(y_test, pred, average="macro")),
    }


def run_baseline(name, X, y, groups, train, test, multilabel, seed, cache):
    row = {"system": name}
    if name == "dictionary+LR":
        return run_dictionary(X, y, train, test, groups, multilabel, seed, cache)
    rep = {
        "extended+LR": "extended",
        "mfcc+LR": "mfcc",
        "handcrafted+GMM": "tzanetakis",
    }[name]
    F = features(X, cache, rep)
    model = (
        gmm(multilabel, seed)
        if name == "handcrafted+GMM"
        else logistic(multilabel, seed)
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(F[train], y[train], groups=groups[train])
    row["fit_s"] = time.perf_counter() - start + cache[f"{rep}_s"] * len(train) / len(X)
    row.update(scores(model, F[test], y[test], multilabel))
    row["best_params"] = {k.split("__")[-1]: v for k, v in model.best_params_.items()}
    return row


def run_dictionary(X, y, train, test, groups, multilabel, seed, cache):
    front, kind, origin = dictionary_system(seed)
    F = features(X, cache, "mel") if kind == "mel" else X
    clf = logistic(multilabel, seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Ftrain = front.fit_transform(F[train])
        clf.fit(Ftrain, y[train], groups=groups[train])
    row = {"system": "dictionary+LR", "implementation": origin,
           "fit_s": time.perf_counter() - start}  # fmt: skip
    row.update(scores(clf, front.transform(F[test]), y[test], multilabel))
    row["best_params"] = {k.split("__")[-1]: v for k, v in clf.best_params_.items()}
    return row


def run_neural(name, cls, X, y, train, test, multilabel, seed, cache, params=None):
    row = {"system": name, **({"params": params} if params else {})}
    waveform = is_waveform(cls)
    F = X if waveform else features(X, cache, "mel")
    model = cls(random_state=seed, verbose=0, **(params or {}))
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(F[train], y[train])
    except Exception as exc:
        row["error"] = f"{type(exc).__name__}: {exc}"[:400]
        print(f"    {name} failed: {row['error']}")
        return row
    row["fit_s"] = time.perf_counter() - start
    if not waveform:
        row["fit_s"] += cache["mel_s"] * len(train) / len(X)
    history = model.history_
    row["epochs"] = len(history)
    row["epoch_s"] = float(np.mean(history[:, "dur"]))
    row["n_params"] = int(getattr(model, "n_params_", 0))
    row.update(scores(model, F[test], y[test], multilabel))
    return row


def describe(row) -> str:
    if "error" in row:
        return "error"
    main = row.get("accuracy", row.get("roc_auc"))
    extra = f" epochs {row['epochs']}" if "epochs" in row else ""
    return f"{main:.3f} fit {row['fit_s']:.0f} s{extra}"


# ----------------------------------------------------------------------
# ablation: one parameter of the default estimator changed at a time
# ----------------------------------------------------------------------
#: (what it varies, parameter names it may have, values to try when the
#: constraints do not list them)
ABLATIONS = [
    (
        "crop length",
        ("crop_seconds", "crop_length", "chunk_seconds", "chunk_size"),
        {"chunk_size": [256, 64, 128], "crop_seconds": [5.0, 1.5, 3.0]},
    ),
    (
        "crops per epoch",
        ("crops_per_clip", "crops_per_epoch", "n_crops"),
        {"*": [1, 8, 4, 2]},
    ),
    (
        "augmentation",
        ("spec_augment", "mixup_alpha", "augment"),
        {"mixup_alpha": [0.2, 0.0, 0.4]},
    ),
    ("schedule", ("lr_schedule", "schedule"), {}),
    (
        "early-stopping metric",
        (
            "early_stopping",
            "monitor",
            "early_stopping_metric",
            "stopping_metric",
            "scoring",
        ),
        {},
    ),
    ("label smoothing", ("label_smoothing",), {"*": [0.0, 0.1]}),
]


def _choices(cls, param, fallback):
    """The values of ``param`` to try: its constraint's options, else
    ``fallback``."""
    from sklearn.utils._param_validation import StrOptions

    values = []
    for c in getattr(cls, "_parameter_constraints", {}).get(param, []):
        if c is None:
            values.append(None)
        elif c == "boolean":
            values += [False, True]
        elif isinstance(c, StrOptions):
            values += sorted(c.options - set(getattr(c, "internal", ())))
    if not any(isinstance(v, str | bool) for v in values):
        values = list(fallback.get(param, fallback.get("*", [])))
    return values


def ablation_variants(cls, max_values=None):
    """``[(what, param, value)]`` for every ablation parameter ``cls`` has,
    at most ``max_values`` values other than the default per parameter."""
    defaults = cls().get_params()
    out = []
    for what, names, fallback in ABLATIONS:
        for param in names:
            if param not in defaults:
                continue
            values = [v for v in _choices(cls, param, fallback) if v != defaults[param]]
            out += [(what, param, v) for v in values[:max_values]]
    return out


def ablation_base():
    classes = neural_classes()
    short = [n for n in classes if n.lower().startswith("shortchunk")]
    name = short[0] if short else "CRNNClassifier"
    return name, classes[name]


# ----------------------------------------------------------------------
# main
# ----------------------------------------------------------------------
def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", nargs="+", default=list(TASKS), choices=TASKS)
    p.add_argument(
        "--systems",
        nargs="+",
        default=["all"],
        help="system names, or 'baselines' / 'neural' / 'all'",
    )
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument(
        "--per-class",
        type=int,
        default=None,
        help="clips per class (default: each task's own)",
    )
    p.add_argument("--seconds", type=float, default=None)
    p.add_argument("--quick", action="store_true", help="same as --fraction 0.5")
    p.add_argument(
        "--fraction",
        type=float,
        default=1.0,
        help="use this fraction of each task's source groups (per class for "
        "single-label tasks); the same subset for every seed and system",
    )
    p.add_argument(
        "--ablation",
        action="store_true",
        help="vary one parameter of the default short-chunk (else "
        "CRNN) estimator at a time; results to "
        "bench_accuracy_ablation.json",
    )
    p.add_argument(
        "--ablation-values",
        type=int,
        default=None,
        help="at most this many non-default values per ablation parameter",
    )
    p.add_argument("--table-only", action="store_true")
    p.add_argument(
        "--record-defaults",
        metavar="TAG",
        default=None,
        help="only store the default parameters of the importable package's "
        "neural estimators under TAG in the results file, then exit",
    )
    p.add_argument(
        "--tag",
        default=None,
        help="appended to the neural systems' names ('CRNNClassifier @TAG'), "
        "to keep runs of different package versions apart",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="results file (default: benchmarks/results/bench_accuracy.json, "
        "or bench_accuracy_ablation.json with --ablation); another path also "
        "leaves the docs tables alone",
    )
    return p.parse_args(argv)


def select(args):
    neural = neural_classes()
    wanted = set(args.systems)
    names = []
    if wanted & {"all", "baselines"}:
        names += list(BASELINES)
    if wanted & {"all", "neural"}:
        names += list(neural)
    names += [
        n for n in args.systems if n in BASELINES or (n in neural and n not in names)
    ]
    unknown = wanted - {"all", "baselines", "neural", *BASELINES, *neural}
    if unknown:
        raise SystemExit(
            f"unknown systems {sorted(unknown)}; choose from {[*BASELINES, *neural]}"
        )
    return list(dict.fromkeys(names)), neural


def main(argv=None):
    args = parse(argv)
    if args.table_only:
        res = json.loads(RESULTS.read_text())
        abl = json.loads(ABLATION.read_text()) if ABLATION.exists() else None
        for r in (res, abl):
            if r:
                r["summary"] = summarise(r["runs"])
        print_tables(res)
        write_rst(res, abl)
        return res
    names, neural = select(args)
    env = environment()
    if args.record_defaults:
        record_defaults(args.out or RESULTS, args.record_defaults, neural, env)
        return True
    out = args.out or (ABLATION if args.ablation else RESULTS)
    runs, metas = [], {}
    for task in args.tasks:
        npc = args.per_class or DEFAULTS[task]["n_per_class"]
        fraction = 0.5 if args.quick else args.fraction
        X, y, groups, meta = load_task(task, n_per_class=npc, seconds=args.seconds)
        multilabel = meta["kind"] == "multi-label"
        keep = subset(y, groups, multilabel, fraction)
        meta.update(n_clips=len(X), n_groups=len(set(groups)))
        metas[task] = meta
        print(f"{task}: {size_text(meta)}; using {len(keep)} clips ({fraction:g})")
        cache = {"path": Path(meta.pop("path"))}
        jobs = (
            [(n, None) for n in names]
            if not args.ablation
            else [(ablation_base()[0], None)]
            + [
                (ablation_base()[0], {p: v})
                for _, p, v in ablation_variants(
                    ablation_base()[1], args.ablation_values
                )
            ]
        )
        for seed in args.seeds:
            train, test = split(y[keep], groups[keep], multilabel, seed)
            train, test = keep[train], keep[test]  # indices into the whole task
            assert not set(groups[train]) & set(groups[test])
            for name, params in jobs:
                print(f"  seed {seed} {name} {params or ''}", flush=True)
                if name in BASELINES:
                    try:
                        row = run_baseline(
                            name, X, y, groups, train, test, multilabel, seed, cache
                        )
                    except Exception as exc:
                        row = {"system": name, "error": f"{type(exc).__name__}: {exc}"}
                else:
                    row = run_neural(
                        name,
                        neural[name],
                        X,
                        y,
                        train,
                        test,
                        multilabel,
                        seed,
                        cache,
                        params,
                    )
                row.update(
                    task=task,
                    seed=seed,
                    n_per_class=npc,
                    fraction=fraction,
                    seconds=meta["seconds"],
                    n_train=len(train),
                    n_test=len(test),
                    git_commit=env["git_commit"],
                    git_dirty_package=env["git_dirty_package"],
                    load_average_1min=os.getloadavg()[0],
                )
                if args.tag and name not in BASELINES:
                    row["system"] = f"{name} @{args.tag}"
                print(f"    -> {describe(row)}", flush=True)
                runs.append(row)
                result = merge(out, [row], metas, env)
    main_res = json.loads(RESULTS.read_text()) if RESULTS.exists() else None
    abl = json.loads(ABLATION.read_text()) if ABLATION.exists() else None
    print_tables(result, ablation=args.ablation, reference=main_res)
    if main_res and out in (RESULTS, ABLATION):
        write_rst(main_res, abl)
    return result


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
