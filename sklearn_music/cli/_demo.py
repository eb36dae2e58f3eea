"""``sklearn-music demo``: train, evaluate and explore a model on generated
music.

:func:`run_demo` generates labelled music with
:func:`~sklearn_music.datasets.make_music`, grid-searches the parameter budget
of a mel-spectrogram CRNN pipeline, reports its held-out accuracy, recommends
similar tracks with the fitted pipeline as embedder and saves figures.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from ..utils import atomic_write
from ._common import PROG
from ._options import add_seed_option, add_subcommand, common_options

__all__ = ["add_command", "run", "run_demo"]


def add_command(subparsers, common) -> None:
    """Add ``demo`` to the subcommands (with its own common options)."""
    add_subcommand(
        subparsers,
        "demo",
        _configure,
        parents=[
            common_options(
                device_default="cpu",
                threads_default=1,
                n_jobs_help="grid-search candidates fitted at once, in separate "
                "processes (-1: all cores; default 1)",
            )
        ],
        help="train, evaluate and explore a model on generated music",
        description="Generate labelled music with make_music, grid-search the "
        "parameter budget of a mel-spectrogram CRNN pipeline, report its "
        "held-out accuracy, recommend similar tracks with the fitted pipeline "
        "as embedder, and save figures. Output is reproducible for a seed.",
    )


def _configure(parser) -> None:
    parser.add_argument(
        "-o",
        "--output-dir",
        default="sklearn-music-demo",
        metavar="DIR",
        help="folder for the figures (created; default ./sklearn-music-demo)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny settings that finish in seconds (a smoke test, not a result)",
    )
    add_seed_option(parser)
    parser.set_defaults(run=run)


def run(args) -> None:
    """Run the demo with the parsed arguments."""
    run_demo(
        quick=args.quick,
        output_dir=args.output_dir,
        seed=args.seed,
        device=args.device,
        n_jobs=args.n_jobs,
        verbose=args.verbose,
    )


# Settings of the demo: short clips, few mel bands and small budgets, so that
# the whole run takes a minute or two on two CPU cores.
_DEMO = dict(
    n_clips=144,
    n_classes=6,
    duration=3.0,
    sr=16000,
    n_mels=40,
    budgets=(1e4, 3e4, 1e5),
    max_epochs=12,
    cv=3,
)
_DEMO_QUICK = dict(
    n_clips=32,
    n_classes=4,
    duration=2.0,
    sr=16000,
    n_mels=32,
    budgets=(5e3, 1e4),
    max_epochs=3,
    cv=2,
)
_DEMO_FIGURES = (
    "spectrogram.png",
    "training_curves.png",
    "budget_curve.png",
    "confusion_matrix.png",
)
_INDENT = " " * 6


def _count(value: float) -> str:
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= scale:
            return f"{value / scale:g}{suffix}"
    return f"{value:g}"


def _step(number: int, title: str, since: float | None = None) -> None:
    seconds = "" if since is None else f" ({time.perf_counter() - since:.1f} s)"
    print(f"\n[{number}/5] {title}{seconds}")


def run_demo(
    *,
    quick: bool = False,
    output_dir: str = "sklearn-music-demo",
    seed: int = 0,
    device: str = "cpu",
    n_jobs: int | None = None,
    verbose: int = 0,
) -> None:
    """Run the demo, printing its report on stdout.

    Parameters
    ----------
    quick : bool, default=False
        Tiny settings that finish in seconds (a smoke test, not a result).
    output_dir : str, default="sklearn-music-demo"
        Folder for the figures (created); they are skipped when matplotlib
        is not installed.
    seed : int, default=0
        Seed of the data, the split, the cross-validation folds and the
        networks: the output is reproducible for a seed.
    device : str, default="cpu"
        Torch device (``"auto"``: CUDA when available).
    n_jobs : int or None, default=None
        Grid-search candidates fitted at once, in separate processes.
    verbose : int, default=0
        Progress bars and the epoch table when positive.
    """
    import torch
    from sklearn.model_selection import train_test_split

    from .. import __version__
    from ..datasets import make_music
    from ..utils import resolve_device

    cfg = _DEMO_QUICK if quick else _DEMO
    device = resolve_device(device)
    start = time.perf_counter()
    threads = torch.get_num_threads()
    print(
        f"{PROG} {__version__} demo{' --quick' if quick else ''} (seed "
        f"{seed}): torch {torch.__version__} on {device}, {threads} "
        f"thread{'s' if threads > 1 else ''}"
    )

    t0 = time.perf_counter()
    X, y = make_music(
        cfg["n_clips"],
        n_classes=cfg["n_classes"],
        duration=cfg["duration"],
        sr=cfg["sr"],
        random_state=seed,
    )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=seed
    )
    styles = sorted(set(y))
    _step(1, "Data", t0)
    print(
        f"{_INDENT}make_music: {len(X)} clips of {cfg['duration']:g} s at "
        f"{cfg['sr'] // 1000} kHz in {len(styles)} styles\n"
        f"{_INDENT}({', '.join(styles)}); {len(X_train)} train, {len(X_test)} test"
    )

    t0 = time.perf_counter()
    search, mel = _demo_search(
        cfg, X_train, y_train, device=device, seed=seed, n_jobs=n_jobs,
        verbose=verbose,
    )  # fmt: skip
    _step(2, "Grid search over the parameter budget", t0)
    _print_search(search, cfg)

    pred = search.predict(X_test)
    accuracy = float(np.mean(pred == y_test))
    _step(3, f"Test set: accuracy {accuracy:.3f} on {len(X_test)} clips")
    print(f"{_INDENT}chance level {1 / len(styles):.3f} ({len(styles)} styles)")
    from sklearn.metrics import classification_report

    report = classification_report(y_test, pred, digits=3, zero_division=0)
    print("\n".join((_INDENT + line).rstrip() for line in report.splitlines()))

    t0 = time.perf_counter()
    lines = _demo_recommend(search.best_estimator_, X_train, y_train, X_test, y_test)
    _step(4, "Recommendations", t0)
    print("\n".join(lines))

    t0 = time.perf_counter()
    folder = Path(output_dir)
    written = _demo_figures(
        folder, search=search, mel=mel, X_test=X_test, y_test=y_test, pred=pred,
        accuracy=accuracy,
    )  # fmt: skip
    if written:
        _step(5, f"Figures in {folder.resolve()}", t0)
        print(_INDENT + "  ".join(written))
    print(
        f"\nDone in {time.perf_counter() - start:.0f} s. Train on your own audio "
        f"with `{PROG} fit --help`."
    )


def _demo_search(cfg, X_train, y_train, *, device, seed, n_jobs, verbose):
    """The fitted grid search over the CRNN's budget, and its front-end."""
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import Pipeline

    from ..estimators import CRNNClassifier
    from ..features import MelSpectrogram

    mel = MelSpectrogram(
        sr=cfg["sr"], n_fft=512, hop_length=256, n_mels=cfg["n_mels"], device=device
    )
    crnn = CRNNClassifier(
        chunk_size=96,  # 1.5 s training crops; prediction averages chunks
        max_epochs=cfg["max_epochs"],
        lr=3e-3,
        batch_size=16,
        patience=4,
        device=device,
        random_state=seed,
        verbose=int(verbose > 0),
    )
    search = GridSearchCV(
        Pipeline([("mel", mel), ("clf", crnn)]),
        {"clf__param_budget": list(cfg["budgets"])},
        cv=StratifiedKFold(cfg["cv"], shuffle=True, random_state=seed),
        n_jobs=n_jobs,
        error_score="raise",
    )
    return search.fit(X_train, y_train), mel


def _print_search(search, cfg) -> None:
    cv = search.cv_results_
    print(
        f"{_INDENT}Pipeline: MelSpectrogram({cfg['n_mels']} mels) -> "
        f"CRNNClassifier, {cfg['cv']}-fold CV\n"
        f"{_INDENT}  {'budget':>6s}  {'CV accuracy':<15s}  {'fit s':>5s}"
    )
    for i, budget in enumerate(cv["param_clf__param_budget"]):
        mark = "  <- best" if i == search.best_index_ else ""
        print(
            f"{_INDENT}  {_count(budget):>6s}  {cv['mean_test_score'][i]:.3f} +/- "
            f"{cv['std_test_score'][i]:.3f}  {cv['mean_fit_time'][i]:5.1f}{mark}"
        )
    net = search.best_estimator_.named_steps["clf"]
    print(
        f"{_INDENT}best: budget {_count(search.best_params_['clf__param_budget'])}, "
        f"{net.n_params_:,} parameters, refit on all training clips "
        f"({len(net.history_)} epochs)"
    )


def _demo_recommend(pipe, X_train, y_train, X_test, y_test) -> list[str]:
    """Recommendations for a few test clips, and the genre consistency of the
    two methods; the lines to print."""
    from ..metrics import genre_consistency
    from ..recommend import CosineRecommender

    net = pipe.named_steps["clf"]
    ids = np.array([f"train-{i:03d}" for i in range(len(X_train))])
    recommender = CosineRecommender(n_neighbors=5, embedder=pipe)
    recommender.fit(X_train, y_train, ids=ids)
    lines = [
        f"{_INDENT}catalogue: the {len(X_train)} training clips, embedded by the "
        f"fitted pipeline\n{_INDENT}({net.module_.embedding_dim}-dim CRNN "
        "embedding), ranked by cosine similarity"
    ]
    predicted = pipe.predict(X_test)
    for style in sorted(set(y_test))[:3]:
        i = int(np.flatnonzero(y_test == style)[0])
        lines.append(
            f"{_INDENT}query test-{i:03d} ({style}, predicted {predicted[i]}):"
        )
        table = recommender.recommend(X=X_test[i], n=3)
        for rank, row in enumerate(table.itertuples(index=False), start=1):
            lines.append(
                f"{_INDENT}  {rank}. {row.id}  {row.genre:<8s}  {row.similarity:.3f}"
            )
    _, by_cosine = recommender.kneighbors(X_test)
    recommender.set_params(method="genre", genre_classifier=pipe)
    _, by_genre = recommender.kneighbors(X_test)
    method_1, method_2 = (
        genre_consistency(y_train, ind, query_labels=y_test)
        for ind in (by_cosine, by_genre)
    )
    lines += [
        f"{_INDENT}genre consistency@5 over the {len(X_test)} test queries "
        "(share of the\n"
        f"{_INDENT}5 recommendations in the query's style):",
        f"{_INDENT}  method 1, cosine similarity:                {method_1:.3f}",
        f"{_INDENT}  method 2, cosine + predicted query style:   {method_2:.3f}",
    ]
    return lines


def _demo_figures(folder: Path, *, search, mel, X_test, y_test, pred, accuracy):
    """Draw the demo's figures into ``folder``; the names written."""
    try:
        import matplotlib
    except ImportError:
        print(
            "\n[5/5] figures skipped: matplotlib is not installed "
            "(pip install matplotlib)"
        )
        return []
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")  # files only; never open a window
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    from ..plotting import BudgetCurveDisplay, SpectrogramDisplay, TrainingCurveDisplay

    folder.mkdir(parents=True, exist_ok=True)
    net = search.best_estimator_.named_steps["clf"]
    budget = _count(search.best_params_["clf__param_budget"])
    draw = {
        "spectrogram.png": lambda: (
            SpectrogramDisplay.from_transformer(
                mel, X_test, index=0, name=f"test-000 ({y_test[0]})"
            ).figure_
        ),
        "training_curves.png": lambda: (
            TrainingCurveDisplay.from_estimator(
                net, name=f"CRNNClassifier, budget {budget} (refit)"
            ).figure_
        ),
        "budget_curve.png": lambda: BudgetCurveDisplay.from_cv_results(search).figure_,
        "confusion_matrix.png": lambda: (
            ConfusionMatrixDisplay.from_predictions(
                y_test, pred, colorbar=False
            ).figure_
        ),
    }
    titles = {
        "budget_curve.png": f"{search.n_splits_}-fold cross-validation",
        "confusion_matrix.png": f"test set, accuracy {accuracy:.2f}",
    }
    for name in _DEMO_FIGURES:
        figure = draw[name]()
        if name in titles:
            figure.axes[0].set_title(titles[name])
        if name == "budget_curve.png":
            figure.axes[0].set_ylabel("mean CV accuracy")
        atomic_write(  # a figure is complete or absent, never half-written
            folder / name,
            lambda f, fig=figure: fig.savefig(
                f, format="png", dpi=100, bbox_inches="tight"
            ),
        )
        plt.close(figure)
    return list(_DEMO_FIGURES)
