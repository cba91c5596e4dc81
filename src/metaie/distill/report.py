"""``distill-report``: label statistics of a distillation set as Markdown and PNG plots (Agg backend)."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from ..errors import DataFormatError
from ..extras import require
from ..jsonl import atomic_open, read_jsonl
from ..records import count_labels
from ..sources.distill_set import load_records
from .labels import label_length_distribution


def _plot(path: Path, kind: str, xs: list, ys: list, title: str, xlabel: str, ylabel: str) -> None:
    require("matplotlib", "plots", "plots").use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5 if kind == "bar" else 4))
    if kind == "barh":
        ax.barh(range(len(xs)), ys)
        ax.set_yticks(range(len(xs)), xs, fontsize=7)
        ax.invert_yaxis()
    else:
        ax.bar([str(x) for x in xs], ys)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)


def write_report(dist_dir: str | Path, top: int = 30) -> Path:
    """Write ``report.md``, ``labels_top.png``, ``label_length.png`` and ``spans_per_record.png``; return the
    report path."""
    d = Path(dist_dir)
    data = d / "distill.jsonl" if d.is_dir() else d
    if d.is_dir() and not data.exists():
        raise DataFormatError("no distill.jsonl here; run `metaie distill --out` on this folder first", path=d)
    out = data.parent
    records = load_records(data)
    freq = count_labels(records, per="span")
    lengths = label_length_distribution(freq)
    per_record = Counter(len(r.spans) for r in records)
    neg = sum(len(r.negatives) for r in records)
    manifest = json.loads((out / "manifest.json").read_text()) if (out / "manifest.json").exists() else {}
    rejects = Counter(o.get("kind", "?") for _, o in read_jsonl(out / "rejects.jsonl")) \
        if (out / "rejects.jsonl").exists() else Counter()
    n_spans = sum(freq.values())
    lines = [f"# Distillation report: {data}", "",
             f"- records: {len(records)}", f"- spans: {n_spans}", f"- distinct labels: {len(freq)}",
             f"- records without spans: {per_record.get(0, 0)}", f"- negative labels: {neg}"]
    if manifest:
        u, c = manifest.get("usage", {}), manifest.get("counts", {})
        teacher = manifest.get("teacher", {})
        lines += [f"- teacher: {teacher.get('backend')} / {teacher.get('model')}"
                  f", prompt {manifest.get('prompt', {}).get('version')}",
                  f"- failed sentences: {c.get('failed', 0)}; tokens (last run): {u.get('prompt_tokens', 0)} prompt + "
                  f"{u.get('completion_tokens', 0)} completion; cost (last run): ${u.get('cost_usd', 0):.4f}"]
    if rejects:
        lines.append("- rejects: " + ", ".join(f"{k} {v}" for k, v in rejects.most_common()))
    top_labels = freq.most_common(top)
    lines += ["", f"## Top {len(top_labels)} labels", "", "| label | spans | share |", "|---|---:|---:|"]
    lines += [f"| {lab} | {n} | {n / max(1, n_spans):.1%} |" for lab, n in top_labels]
    lines += ["", "## Label length (words)", "", "| words | labels |", "|---:|---:|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(lengths.items())]
    lines += ["", "## Spans per record", "", "| spans | records |", "|---:|---:|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(per_record.items())]
    lines += ["", "![top labels](labels_top.png)", "![label length](label_length.png)",
              "![spans per record](spans_per_record.png)", ""]
    _plot(out / "labels_top.png", "barh", [lab for lab, _ in top_labels], [n for _, n in top_labels],
          f"Top {len(top_labels)} labels", "spans", "label")
    _plot(out / "label_length.png", "bar", sorted(lengths), [lengths[k] for k in sorted(lengths)],
          "Label length", "words in label", "distinct labels")
    _plot(out / "spans_per_record.png", "bar", sorted(per_record), [per_record[k] for k in sorted(per_record)],
          "Spans per record", "spans", "records")
    report = out / "report.md"
    with atomic_open(report) as f:
        f.write("\n".join(lines))
    return report
