"""Benchmark reports: runs.csv, summary.csv, results.md (one table per K, zero-shot footer) and F1-against-K plots.

>>> print(markdown(summarise([{"dataset": "d", "task": "ner", "metric": "entity", "start": "meta", "k": 5,
...     "f1": 0.5, "test_examples": 2, "test_in_split": 9}])).splitlines()[4])
| d | ner | entity | 2 of 9 (sub-sampled) | 50.0 (n=1) |
"""
from __future__ import annotations

import csv
import json
import statistics
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from ..extras import require
from ..jsonl import atomic_open

if TYPE_CHECKING:
    from .config import BenchmarkConfig


def summarise(rows: list[dict]) -> list[dict]:
    """Mean and sample standard deviation of F1 ×100 per (dataset, task, metric, start point, K), unrounded.

    >>> rows = [{"dataset": "d", "task": "ner", "metric": "entity", "start": "m", "k": 5, "f1": f,
    ...          "test_examples": 1, "test_in_split": 1} for f in (0.5, 0.7)]
    >>> [(round(s["mean_f1"], 6), round(s["sd_f1"], 6)) for s in summarise(rows)]
    [(60.0, 14.142136)]
    """
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        groups[(Path(r["dataset"]).name, r["task"], r.get("metric", ""), r["start"], r["k"])].append(r)
    out = []
    for (d, task, metric, s, k), rs in sorted(groups.items()):
        f = [x["f1"] * 100 for x in rs]
        out.append({"dataset": d, "task": task, "metric": metric, "start": s, "k": k, "runs": len(f),
                    "mean_f1": statistics.mean(f), "sd_f1": statistics.stdev(f) if len(f) > 1 else None,
                    "test_examples": rs[0]["test_examples"], "test_in_split": rs[0]["test_in_split"]})
    return out


def _rounded(summary: list[dict]) -> list[dict]:
    """The summary rounded once, for summary.csv (sd empty where there is one run)."""
    return [{**s, "mean_f1": round(s["mean_f1"], 2), "sd_f1": "" if s["sd_f1"] is None else round(s["sd_f1"], 2)}
            for s in summary]


def _csv(path: Path, rows: list[dict], cols: list[str]) -> None:
    with atomic_open(path, "w") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


# Zero-shot NER figures published on exactly these 7 test sets (full test sets), for context.
PUBLISHED_ZERO_SHOT = ({"crossner_ai", "crossner_literature", "crossner_music", "crossner_politics",
                        "crossner_science", "mit_movie", "mit_restaurant"},
                       "UniNER-7B 53.4, GLiNER-S 52.7, GLiNER-L 60.9")


def _cell(s: dict) -> str:
    """Mean ± sd (n), rounded once from the unrounded summary; no sd for a single run."""
    if s["sd_f1"] is None:
        return f"{s['mean_f1']:.1f} (n={s['runs']})"
    return f"{s['mean_f1']:.1f} ± {s['sd_f1']:.1f} (n={s['runs']})"


def _zero_shot_footer(part: list[dict], starts: list[str]) -> list[str]:
    """Per task (never across tasks) and start point, the average over its datasets; published figures only
    when the NER datasets are exactly the published 7."""
    lines = [""]
    for task in sorted({s["task"] for s in part}):
        mine = [s for s in part if s["task"] == task]
        if len({s["dataset"] for s in mine}) < 2:
            continue
        metric = mine[0]["metric"]
        for st in starts:
            vals = [s["mean_f1"] for s in mine if s["start"] == st]
            if len(vals) > 1:
                lines.append(f"Average of {st} over {len(vals)} {task} datasets ({metric} F1): "
                             f"{statistics.mean(vals):.1f}")
        names, published = PUBLISHED_ZERO_SHOT
        if task == "ner" and {s["dataset"] for s in mine} == names:
            lines.append(f"Published on the same 7 NER test sets (full), for context: {published}")
    return lines if len(lines) > 1 else []


def markdown(summary: list[dict], order: list[str] | None = None, split: str = "test") -> str:
    """Tables: one per K (datasets x start points, mean ± sd F1, the metric named per row), zero-shot last;
    sub-sampling stated, in a column named after the evaluated ``split``.

    Columns follow ``order`` (e.g. the config's start points), then any other start point by name.
    """
    lines = []
    rank = {s: i for i, s in enumerate(order or [])}
    for k in sorted({s["k"] for s in summary}, key=lambda k: (k == 0, k)):
        part = [s for s in summary if s["k"] == k]
        starts = sorted(dict.fromkeys(s["start"] for s in part), key=lambda s: (rank.get(s, len(rank)), s))
        title = "Zero-shot (no fine-tuning)" if k == 0 else f"K = {k} shots"
        lines += [f"### {title}", "", f"| dataset | task | metric | {split} | " + " | ".join(starts) + " |",
                  "|---|---|---|---|" + "---|" * len(starts)]
        for d, task, metric in dict.fromkeys((s["dataset"], s["task"], s["metric"]) for s in part):
            cells = {s["start"]: s for s in part if (s["dataset"], s["task"], s["metric"]) == (d, task, metric)}
            any_ = next(iter(cells.values()))
            test = (f"{any_['test_examples']} of {any_['test_in_split']} (sub-sampled)"
                    if any_["test_examples"] < any_["test_in_split"] else str(any_["test_in_split"]))
            vals = [_cell(cells[s]) if s in cells else "–" for s in starts]
            lines.append(f"| {d} | {task} | {metric} | {test} | " + " | ".join(vals) + " |")
        if k == 0:
            lines += _zero_shot_footer(part, starts)
        lines.append("")
    return "\n".join(lines)


def plot(summary: list[dict], out: Path) -> list[Path]:
    """One PNG per dataset: F1 against K, a line per start point (error bars = sd)."""
    require("matplotlib", "plots", "plots").use("Agg")
    import matplotlib.pyplot as plt
    paths = []
    for d in dict.fromkeys(s["dataset"] for s in summary):
        part = [s for s in summary if s["dataset"] == d and s["k"] > 0]
        if not part:
            continue
        fig, ax = plt.subplots(figsize=(4.5, 3.2))
        for st in dict.fromkeys(s["start"] for s in part):
            pts = sorted((s["k"], s["mean_f1"], s["sd_f1"] or 0.0) for s in part if s["start"] == st)
            ax.errorbar([p[0] for p in pts], [p[1] for p in pts], yerr=[p[2] for p in pts], marker="o", capsize=3,
                        label=st)
        ax.set_xlabel("K (shots per label)")
        ax.set_ylabel("micro F1")
        ax.set_title(d)
        ax.legend()
        fig.tight_layout()
        p = out / f"f1_vs_k_{d}.png"
        fig.savefig(p, dpi=110)
        plt.close(fig)
        paths.append(p)
    return paths


def sweep_markdown(rows: list[dict]) -> str:
    """F1 ×100 at each swept threshold: per dataset (mean over its runs) and per task family (mean over its
    datasets), the best of each row in bold; empty where no run swept thresholds.

    >>> rows = [{"dataset": d, "task": "re", "split": "dev", "by_threshold": {"0.5": {"f1": a}, "0.7": {"f1": b}}}
    ...         for d, a, b in (("x", 0.1, 0.3), ("y", 0.2, 0.2))]
    >>> print(sweep_markdown(rows).splitlines()[-1])
    | **re (2 datasets)** | 15.0 | **25.0** |
    """
    per: dict[tuple[str, str], dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        for t, m in (r.get("by_threshold") or {}).items():
            per[(r["task"], Path(r["dataset"]).name)][float(t)].append(m["f1"] * 100)
    if not per:
        return ""
    ts = sorted({t for v in per.values() for t in v})

    def line(name: str, vals: dict[float, float]) -> str:
        best = max(vals.values())
        return f"| {name} | " + " | ".join(
            "" if t not in vals else (f"**{vals[t]:.1f}**" if vals[t] == best else f"{vals[t]:.1f}") for t in ts) + " |"

    md = ["### Threshold sweep (F1 ×100 at each decoding threshold; choose on a dev split, never on test)", "",
          "| dataset | " + " | ".join(f"{t:g}" for t in ts) + " |", "|---|" + "---|" * len(ts)]
    for task in sorted({t for t, _ in per}):
        names = sorted(d for t, d in per if t == task)
        means = {d: {t: statistics.mean(v) for t, v in per[(task, d)].items()} for d in names}
        md += [line(f"{d} ({task})", means[d]) for d in names]
        common = [t for t in ts if all(t in means[d] for d in names)]
        md.append(line(f"**{task} ({len(names)} dataset{'s' if len(names) > 1 else ''})**",
                       {t: statistics.mean(means[d][t] for d in names) for t in common}))
    return "\n".join(md) + "\n"


def _header(rows: list[dict], out: Path, cfg: BenchmarkConfig | None, config: str | None, planned: int | None,
            differing: list[str] | None) -> str:
    """Which runs the report covers, and the settings they were made with. ``differing``: the runs whose settings
    are not the ones ``cfg`` gives them (None without a config: then any two runs with different settings, leave-out
    folds apart, raise the warning)."""
    md = f"This report covers every finished run in `{out / 'runs'}`: {len(rows)} run(s)"
    md += (f", {planned} of them planned by `{config}`.\n\n" if config and planned is not None else ".\n\n")
    if cfg:
        sps = "; ".join(f"{n}: " + sp.describe() for n, sp in cfg.start_points.items())
        md += (f"Start points — {sps}. Fine-tuning (the same for every start point): {cfg.train}; "
               f"{cfg.describe_threshold()}; split {cfg.split}.\n\n")
    if differing is not None:
        if differing:
            shown = ", ".join(differing[:5]) + (f" and {len(differing) - 5} more" if len(differing) > 5 else "")
            md += (f"**{len(differing)} run(s) were made with different settings than `{config}` gives them** "
                   f"(start point, fine-tuning, threshold, split or test sub-sample): {shown}; each run file "
                   "records its own under `settings`.\n\n")
        return md
    other = {json.dumps({k: v for k, v in (r.get("settings") or {}).items() if k not in ("train", "start_point")},
                        sort_keys=True) for r in rows}
    train = {json.dumps((r.get("settings") or {}).get("train"), sort_keys=True) for r in rows if r["k"] > 0}
    if len(other) > 1 or len(train) > 1:  # zero-shot runs have no fine-tuning settings to compare
        md += ("**The runs were made with different settings** (fine-tuning, threshold, split or test "
               "sub-sample): each run file records its own under `settings`.\n\n")
    return md


def write_reports(rows: list[dict], out: Path, cfg: BenchmarkConfig | None = None, config: str | None = None,
                  planned: int | None = None, differing: list[str] | None = None) -> None:
    """runs.csv, summary.csv, results.md (which runs, ``planned`` of them by ``config``, ``differing`` from its
    settings; the config's start points and settings) and the plots."""
    _csv(out / "runs.csv", rows, ["dataset", "task", "start", "k", "seed", "metric", "f1", "precision", "recall",
                                  "test_examples", "test_in_split", "subsampled", "eval_seconds"])
    summary = summarise(rows)
    _csv(out / "summary.csv", _rounded(summary), list(summary[0]) if summary else ["dataset"])
    pngs = plot(summary, out)
    md = "## Few-shot results (micro F1 ×100, mean ± sd over seeds)\n\n"
    md += _header(rows, out, cfg, config, planned, differing)
    md += markdown(summary, list(cfg.start_points) if cfg else list(dict.fromkeys(r["start"] for r in rows)),
                   split=cfg.split if cfg else "test")
    if sweep := sweep_markdown(rows):
        md += "\n" + sweep
    md += "\n" + "\n".join(f"![{p.stem}]({p.name})" for p in pngs) + "\n"
    with atomic_open(out / "results.md", "w") as f:
        f.write(md)
