"""CosineRecommender: exact search against scikit-learn, and approximate search.

Two measurements on synthetic clustered embeddings (below):

1. **Exact search** against the baseline
   ``NearestNeighbors(metric="cosine", algorithm="brute")``, in the same run
   on the same float32 data and the same BLAS threads: ``--n-queries`` new
   queries against a ``--n-catalogue`` catalogue, and ``kneighbors(X=None)``
   (every track queried, itself excluded) on a ``--n-self`` catalogue.
   Query time only (fitting either is a one-off), best of ``--repeats``; the
   neighbour lists are compared row by row.
2. **Approximate search** on a ``--n-large`` catalogue: build time of the
   faiss inverted-file index (``algorithm="ivf"``), and for several
   ``ivf_n_probe`` the median latency of a single-query ``kneighbors`` call
   (``--n-latency`` calls, Python overhead included) and recall@10 against
   the exact neighbours of ``--n-queries`` queries. The exact search of the
   same catalogue is the baseline. ``--hnsw`` adds the HNSW graph index,
   whose build is much slower (about 4 to 7 minutes for a million tracks on
   2 cores).

Data: a mixture of 1,000 Gaussians in 128 dimensions that resembles learned
embeddings more than uniform noise does: centres drawn from N(0, I), a
shared random orientation, axis standard deviations ``s / sqrt(i)`` for
``i = 1..128`` (most variance in a few directions, like the spectrum of real
embeddings) and a per-cluster scale ``s ~ U(2, 6)``, so clusters overlap.
Queries are further draws from the same mixture, never in the catalogue.

Usage::

    python benchmarks/bench_recommender.py [--hnsw] [--n-large 1000000]

Results are printed and written to ``benchmarks/results/bench_recommender.json``.
The default run took under 5 minutes on a busy 2-core machine (load average
7), ``--hnsw`` 11 minutes; it needs about 3 GB of memory and ``faiss-cpu``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
from sklearn.neighbors import NearestNeighbors

from sklearn_music.recommend import CosineRecommender

RESULTS = Path(__file__).resolve().parent / "results" / "bench_recommender.json"
DIM = 128
N_CLUSTERS = 1000
K = 10


def clustered_embeddings(n: int, seed: int) -> np.ndarray:
    """``n`` float32 draws from the fixed Gaussian mixture described above."""
    structure = np.random.default_rng(0)  # the same mixture for every seed
    centres = structure.standard_normal((N_CLUSTERS, DIM)).astype(np.float32)
    rotation = np.linalg.qr(structure.standard_normal((DIM, DIM)))[0]
    spectrum = 1.0 / np.sqrt(np.arange(1, DIM + 1))
    axes = (spectrum[:, np.newaxis] * rotation.T).astype(np.float32)
    scale = structure.uniform(2, 6, N_CLUSTERS).astype(np.float32)
    rng = np.random.default_rng(seed)
    cluster = rng.integers(N_CLUSTERS, size=n)
    X = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        c = cluster[start : start + 100_000]
        z = rng.standard_normal((c.size, DIM), dtype=np.float32)
        X[start : start + c.size] = centres[c] + scale[c, np.newaxis] * (z @ axes)
    return X


def best_time(func, repeats: int):
    best, out = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - start)
    return best, out


def compare(ind, ref_ind, dist, ref_dist) -> dict:
    same = (ind == ref_ind).all(axis=1)
    return dict(
        identical_rows=round(float(same.mean()), 4),
        max_distance_diff=float(np.abs(dist - ref_dist).max()),
    )


def exact_vs_sklearn(args) -> list[dict]:
    rows = []
    catalogue = clustered_embeddings(args.n_catalogue, seed=1)
    queries = clustered_embeddings(args.n_queries, seed=2)
    cases = [
        ("new queries", catalogue, queries),
        ("X=None", catalogue[: args.n_self], None),
    ]
    for name, E, Q in cases:
        ours = CosineRecommender(n_neighbors=K).fit(E)
        base = NearestNeighbors(n_neighbors=K, metric="cosine", algorithm="brute")
        base.fit(E)
        base_s, (ref_dist, ref_ind) = best_time(
            lambda b=base, q=Q: b.kneighbors(q), args.baseline_repeats
        )
        ours_s, (dist, ind) = best_time(
            lambda r=ours, q=Q: r.kneighbors(q), args.repeats
        )
        n_queries = E.shape[0] if Q is None else Q.shape[0]
        for label, wall in (("sklearn brute cosine", base_s), ("exact", ours_s)):
            rows.append(
                dict(
                    experiment=f"exact, {name}",
                    algorithm=label,
                    n_catalogue=E.shape[0],
                    n_queries=n_queries,
                    wall_s=round(wall, 3),
                    speedup_vs_baseline=round(base_s / wall, 2),
                )
            )
        rows[-1].update(compare(ind, ref_ind, dist, ref_dist))
    return rows


def latency_ms(rec, queries: np.ndarray) -> float:
    times = []
    for q in queries:
        start = time.perf_counter()
        rec.kneighbors(q[np.newaxis])
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def recall(ind, ref) -> float:
    hits = [np.intersect1d(a, b).size for a, b in zip(ind, ref, strict=True)]
    return float(np.mean(hits)) / ref.shape[1]


def approximate(args) -> list[dict]:
    rows = []
    E = clustered_embeddings(args.n_large, seed=3)
    Q = clustered_embeddings(args.n_queries, seed=4)
    single = Q[: args.n_latency]
    base = dict(experiment="approximate", n_catalogue=E.shape[0], k=K)

    start = time.perf_counter()
    rec = CosineRecommender(n_neighbors=K, algorithm="ivf").fit(E)
    ivf_build = time.perf_counter() - start

    rec.set_params(algorithm="exact")  # the same catalogue, searched exactly
    exact_batch, truth = best_time(lambda: rec.kneighbors(Q)[1], 1)
    exact_ms = latency_ms(rec, single[:50])
    rows.append(
        dict(
            base,
            algorithm="exact",
            setting="",
            latency_ms=round(exact_ms, 3),
            recall_at_10=1.0,
            batch_queries_per_s=round(Q.shape[0] / exact_batch),
        )
    )

    rec.set_params(algorithm="ivf")
    for n_probe in args.ivf_probes:
        rec.set_params(ivf_n_probe=n_probe)
        batch, ind = best_time(lambda: rec.kneighbors(Q)[1], 1)
        rows.append(
            dict(
                base,
                algorithm="ivf",
                setting=f"n_lists={rec.index_.nlist}, n_probe={n_probe}",
                build_s=round(ivf_build, 1),
                latency_ms=round(latency_ms(rec, single), 3),
                recall_at_10=round(recall(ind, truth), 4),
                batch_queries_per_s=round(Q.shape[0] / batch),
            )
        )
    del rec

    if args.hnsw:
        start = time.perf_counter()
        rec = CosineRecommender(
            n_neighbors=K,
            algorithm="hnsw",
            hnsw_m=args.hnsw_m,
            hnsw_ef_construction=args.hnsw_ef_construction,
        ).fit(E)
        hnsw_build = time.perf_counter() - start
        for ef in args.hnsw_ef_search:
            rec.set_params(hnsw_ef_search=ef)
            batch, ind = best_time(lambda: rec.kneighbors(Q)[1], 1)
            rows.append(
                dict(
                    base,
                    algorithm="hnsw",
                    setting=(
                        f"M={args.hnsw_m}, ef_construction="
                        f"{args.hnsw_ef_construction}, ef_search={ef}"
                    ),
                    build_s=round(hnsw_build, 1),
                    latency_ms=round(latency_ms(rec, single), 3),
                    recall_at_10=round(recall(ind, truth), 4),
                    batch_queries_per_s=round(Q.shape[0] / batch),
                )
            )
    for row in rows:
        row["speedup_vs_baseline"] = round(exact_ms / row["latency_ms"], 1)
    return rows


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-catalogue", type=int, default=100_000)
    parser.add_argument("--n-queries", type=int, default=1000)
    parser.add_argument("--n-self", type=int, default=20_000)
    parser.add_argument("--n-large", type=int, default=1_000_000)
    parser.add_argument("--n-latency", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3, help="best of N runs")
    parser.add_argument("--baseline-repeats", type=int, default=2)
    parser.add_argument("--ivf-probes", type=int, nargs="+", default=[4, 8, 16, 32])
    parser.add_argument("--hnsw", action="store_true", help="also build HNSW")
    parser.add_argument("--hnsw-m", type=int, default=16)
    parser.add_argument("--hnsw-ef-construction", type=int, default=40)
    parser.add_argument(
        "--hnsw-ef-search", type=int, nargs="+", default=[64, 128, 256, 512]
    )
    args = parser.parse_args(argv)

    load_before = os.getloadavg()
    start = time.perf_counter()
    rows = exact_vs_sklearn(args) + approximate(args)
    total = time.perf_counter() - start
    load_after = os.getloadavg()

    print(
        f"{DIM}-d clustered embeddings, k={K}, {os.cpu_count()} CPUs; load "
        f"average {load_before[0]:.1f} -> {load_after[0]:.1f}; {total:.0f} s"
    )
    print(
        f"{'experiment':<22} {'algorithm':<21} {'setting':<38} {'catalogue':>9} "
        f"{'wall s':>7} {'ms/query':>8} {'recall':>6} {'build s':>7} {'speed-up':>8}"
    )
    for r in rows:
        print(
            f"{r['experiment']:<22} {r['algorithm']:<21} {r.get('setting', ''):<38} "
            f"{r['n_catalogue']:>9} {r.get('wall_s', ''):>7} "
            f"{r.get('latency_ms', ''):>8} {r.get('recall_at_10', ''):>6} "
            f"{r.get('build_s', ''):>7} {r['speedup_vs_baseline']:>7}x"
        )

    import faiss
    import sklearn
    from threadpoolctl import threadpool_info

    result = dict(
        benchmark="CosineRecommender exact and approximate search",
        audio=dict(
            data=(
                f"mixture of {N_CLUSTERS} Gaussians, {DIM}-d, axis std "
                "s/sqrt(i), s ~ U(2, 6)"
            ),
            k=K,
            n_catalogue=args.n_catalogue,
            n_self=args.n_self,
            n_large=args.n_large,
            n_queries=args.n_queries,
            n_latency=args.n_latency,
        ),
        repeats=args.repeats,
        baseline=(
            "NearestNeighbors(metric='cosine', algorithm='brute') for exact "
            "search; the exact search for approximate search"
        ),
        load_average_1min=dict(before=load_before[0], after=load_after[0]),
        total_s=round(total, 1),
        machine=dict(
            cpu_count=os.cpu_count(),
            processor=platform.processor() or platform.machine(),
            python=platform.python_version(),
            numpy=np.__version__,
            sklearn=sklearn.__version__,
            faiss=faiss.__version__,
            blas=", ".join(
                f"{i['internal_api']} ({i['num_threads']} threads)"
                for i in threadpool_info()
                if i["user_api"] == "blas"
            ),
        ),
        results=rows,
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {RESULTS}")
    return result


if __name__ == "__main__":
    main()
