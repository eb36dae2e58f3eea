"""``sklearn-music recommend``: the catalogue tracks most similar to queries."""

from __future__ import annotations

import os

import numpy as np

from ._common import CLIError, check_output, check_task, read_model, write_table
from ._inputs import find_audio, read_catalogue, skipped_rows, usable_audio
from ._options import (
    add_csv_option,
    add_duration_option,
    add_model_file_option,
    add_on_error_option,
    add_subcommand,
    positive_int,
)

__all__ = ["add_command", "run"]


def add_command(subparsers, common) -> None:
    """Add ``recommend`` to the subcommands."""
    add_subcommand(
        subparsers,
        "recommend",
        _configure,
        parents=[common],
        help="find the catalogue tracks most similar to query tracks",
        description="Rank the tracks of a catalogue by the cosine similarity "
        "of their embeddings to each query. With --model the fitted pipeline "
        "embeds the audio (the penultimate layer of a neural network, the "
        "scaled features of a tzanetakis model); without it, handcrafted "
        "Tzanetakis features standardised on the catalogue. A query that is "
        "also in the catalogue is never recommended to itself.",
    )


def _configure(parser) -> None:
    parser.add_argument(
        "--catalogue",
        required=True,
        metavar="FOLDER_OR_CSV",
        help="folder searched recursively for audio files, or a CSV file with a "
        "'path' column (and optionally 'label' or 'genre')",
    )
    parser.add_argument(
        "--query",
        required=True,
        nargs="+",
        metavar="INPUT",
        help="query audio files or folders",
    )
    parser.add_argument(
        "-k",
        "--n-recommendations",
        dest="k",
        type=positive_int,
        default=5,
        metavar="K",
        help="recommendations per query (default 5)",
    )
    add_model_file_option(parser, required=False, purpose=", used as the embedder")
    parser.add_argument(
        "--method",
        choices=("cosine", "genre"),
        default="cosine",
        help="cosine: similarity only (default); genre: also favour tracks of "
        "the genre the model predicts for the query (needs a single-label "
        "--model). The genres of the catalogue tracks are the CSV's 'genre' "
        "or 'label' column, or the subfolder names of a catalogue folder with "
        "one subfolder per genre; otherwise the model predicts them too",
    )
    add_duration_option(
        parser, "without --model: read only the first SECONDS of every file"
    )
    add_csv_option(parser)
    add_on_error_option(parser)
    parser.set_defaults(run=run)


def run(args) -> None:
    """Print (or write) the recommendations for every query."""
    import pandas as pd

    files, ids, genres = read_catalogue(args.catalogue)
    queries = find_audio(args.query)
    inputs = [*files, *queries, args.catalogue, *([args.model] if args.model else [])]
    if args.csv is not None:  # before any work
        check_output(args.csv, force=args.force, inputs=inputs, option="--csv")
    listed = queries
    files, ids, genres, queries, skipped, skipped_queries = _usable(
        args, files, ids, genres, queries
    )
    if args.model is None:
        if args.method == "genre":
            raise CLIError("--method genre needs a single-label --model")
        recommender, embed = _handcrafted_recommender(args, files, ids, genres)
    else:
        recommender = _model_recommender(args, files, ids, genres)

        def embed(paths):
            return paths  # the recommender's embedder reads the files

    # a query that is in the catalogue is asked by its id, so that it is never
    # recommended to itself; the other queries are embedded together
    where = {os.path.realpath(f): i for i, f in enumerate(files)}
    positions = [where.get(os.path.realpath(q)) for q in queries]
    inside = [i for i, p in enumerate(positions) if p is not None]
    outside = [i for i, p in enumerate(positions) if p is None]
    blocks = {}
    if inside:
        frame = recommender.recommend(list(ids[[positions[i] for i in inside]]), args.k)
        blocks.update(zip(inside, _per_query(frame, args.k), strict=True))
    if outside:
        X = embed([queries[i] for i in outside])
        frame = recommender.recommend(X=X, n=args.k)
        blocks.update(zip(outside, _per_query(frame, args.k), strict=True))
    frames = []
    for i, query in enumerate(queries):
        frame = blocks[i].drop(columns="query").reset_index(drop=True)
        frame.insert(0, "rank", np.arange(1, len(frame) + 1))
        frame.insert(0, "query", query)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    for column in ("similarity", "score"):
        if column in table:
            table[column] = table[column].astype(float).round(4)
    if len(skipped_queries):
        table = skipped_rows(table.rename(columns={"query": "path"}),
                             skipped_queries, listed)  # fmt: skip
        table = table.rename(columns={"path": "query"})
    write_table(table, args.csv, "recommendation", force=args.force, inputs=inputs)
    if len(skipped):
        print(
            f"skipped {len(skipped)} unusable catalogue files: "
            f"{', '.join(skipped['path'])}"
        )


def _usable(args, files, ids, genres, queries):
    """The catalogue and queries without the unusable files (``--on-error
    skip``), and the skipped files of each."""
    index, skipped = list(range(len(files))), None
    if args.on_error == "skip":
        _, index, skipped = usable_audio(
            files, index, on_error="skip", n_jobs=args.n_jobs, what="catalogue file"
        )
    index = np.asarray(index, dtype=int)
    ids = np.asarray(ids, dtype=object)[index]
    files = [files[i] for i in index]
    if genres is not None:
        genres = np.asarray(genres, dtype=object)[index]
    queries, _, skipped_queries = usable_audio(
        queries, on_error=args.on_error, n_jobs=args.n_jobs, what="query file"
    )
    if skipped is None:
        skipped = skipped_queries.iloc[:0]
    return files, ids, genres, queries, skipped, skipped_queries


def _per_query(frame, k: int) -> list:
    """The rows of every query of a ``recommend`` table (``k`` each, in order)."""
    return [frame.iloc[start : start + k] for start in range(0, len(frame), k)]


def _model_recommender(args, files, ids, genres):
    """A recommender fitted on the catalogue, with the model file's pipeline
    (or all but its last step) as embedder."""
    from sklearn.pipeline import Pipeline

    from .._model_file import configure_model
    from ..recommend import CosineRecommender

    if args.duration is not None:
        raise CLIError(
            "--duration applies without --model; a model reads audio its own way"
        )
    bundle = read_model(args.model, trust_pickle=args.trust_pickle)
    model = bundle["pipeline"]
    configure_model(model, device=args.device, n_jobs=args.n_jobs, verbose=args.verbose)
    if args.method == "genre":
        check_task(bundle, args.model, multilabel=False)
        _check_genres(args, bundle, genres)
    # a neural network embeds; a tzanetakis model has scaled features
    embedder = model
    if not hasattr(model, "transform"):
        if not isinstance(model, Pipeline) or len(model) < 2:
            raise CLIError(f"the model in '{args.model}' cannot embed audio")
        embedder = model[:-1]
    recommender = CosineRecommender(
        embedder=embedder,
        method=args.method,
        genre_classifier=model if args.method == "genre" else None,
    )
    return recommender.fit(files, genres, ids=ids)


def _handcrafted_recommender(args, files, ids, genres):
    """A recommender on Tzanetakis features standardised over the catalogue,
    and the function that embeds queries the same way."""
    from sklearn.preprocessing import StandardScaler

    from ..pipeline import make_front_end
    from ..recommend import CosineRecommender

    features = make_front_end(
        "tzanetakis",
        duration=args.duration,
        n_jobs=args.n_jobs,
        verbose=int(args.verbose > 0),
    )
    scaler = StandardScaler()
    catalogue = scaler.fit_transform(features.transform(files))

    def embed(paths):
        return scaler.transform(features.transform(paths))

    return CosineRecommender().fit(catalogue, genres, ids=ids), embed


def _check_genres(args, bundle, genres) -> None:
    """Say where the catalogue's genres come from for ``--method genre``;
    refuse catalogue genres that the model never predicts."""
    import sys

    if genres is None:
        print(
            "note: the catalogue has no genres (a CSV 'genre' or 'label' column, "
            "or one subfolder per genre); the model predicts them",
            file=sys.stderr,
        )
        return
    known = {str(c) for c in bundle["classes"]}
    names = sorted({str(g) for g in genres})
    if not known & set(names):
        raise CLIError(
            f"--method genre: none of the catalogue's genres ({', '.join(names)}) "
            f"is a class of the model ({', '.join(sorted(known))}); name the "
            "catalogue's genres as the model's classes, or use --method cosine"
        )
    print(
        f"note: catalogue genres from '{args.catalogue}' ({len(names)}: "
        f"{', '.join(names)}); the model predicts the genre of each query",
        file=sys.stderr,
    )
