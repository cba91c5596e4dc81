"""Rebuild a benchmark summary.csv (and its plots) from the per-K tables the runner wrote into a results page.

The plots in docs/results/ are drawn from the tables of docs/results.md when the run folders that made them are
not at hand (each table cell is "mean ± sd (n=N)", as written by ``metaie benchmark --report``):

    python bench/summary_from_tables.py docs/results.md docs/results
    python bench/plot_k5.py docs/results/summary.csv docs/results/k5_meta_vs_vanilla.png --k 5
"""
from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

CELL = re.compile(r"^\s*([\d.]+) ± ([\d.]+) \(n=(\d+)\)\s*$")
HEAD = re.compile(r"^#+ K = (\d+) shots")


def parse(md: str) -> list[dict]:
    """Summary rows (dataset, task, start, k, mean_f1, sd_f1, n) of every "K = N shots" table."""
    rows: list[dict] = []
    k, cols = None, None
    for line in md.splitlines():
        m = HEAD.match(line)
        if m:
            k, cols = int(m.group(1)), None
            continue
        if line.startswith("#"):
            k = None
        if k is None or not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cols is None:
            cols = cells
            continue
        for name, cell in zip(cols[3:], cells[3:]):
            c = CELL.match(cell)
            if c:
                rows.append({"dataset": cells[0], "task": cells[1], "start": name, "k": k,
                             "mean_f1": float(c.group(1)), "sd_f1": float(c.group(2)), "n": int(c.group(3))})
    return rows


def main(src: str, out_dir: str) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1] / "src"))
    from metaie.evaluation.report import plot
    rows = parse(Path(src).read_text(encoding="utf-8"))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "summary.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    multi_k = {r["dataset"] for r in rows if r["k"] != 5}
    plot([r for r in rows if r["dataset"] in multi_k], out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
