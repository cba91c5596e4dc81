"""Bar chart of mean ± sd F1 per dataset and start point at one K, from a benchmark's summary.csv.

    python bench/plot_k5.py results/cpu/summary.csv docs/results/k5_meta_vs_vanilla.png --k 5
"""
from __future__ import annotations

import csv
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(src: str, dst: str, k: int = 5) -> None:
    with open(src, encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if int(r["k"]) == k]
    data: dict[str, dict[str, tuple[float, float]]] = defaultdict(dict)
    for r in rows:
        data[r["start"]][r["dataset"]] = (float(r["mean_f1"]), float(r["sd_f1"] or 0))
    datasets = sorted({r["dataset"] for r in rows})
    starts = sorted(data)
    width = 0.8 / len(starts)
    fig, ax = plt.subplots(figsize=(max(6, len(datasets) * 0.8), 3.6))
    for i, s in enumerate(starts):
        have = [j for j, d in enumerate(datasets) if d in data[s]]  # a start point run on some datasets only: no bar
        ax.bar([j + i * width for j in have], [data[s][datasets[j]][0] for j in have], width,
               yerr=[data[s][datasets[j]][1] for j in have], capsize=2, label=s)
    ax.set_xticks([j + width * (len(starts) - 1) / 2 for j in range(len(datasets))], datasets, rotation=35, ha="right")
    ax.set_ylabel("micro F1")
    ax.set_title(f"K = {k} shots, mean ± sd over seeds")
    ax.legend()
    fig.tight_layout()
    fig.savefig(dst, dpi=110)


if __name__ == "__main__":
    args = sys.argv[1:]
    k = int(args[args.index("--k") + 1]) if "--k" in args else 5
    main(args[0], args[1], k)
