"""Decoding cost against text length: 10k, 100k and 1M characters, the quadratic rule measured beside it.

Every token of the text is "inside" (threshold 0, the worst case: most spans), for ``--labels`` labels
whose spans overlap one another. Synthetic O/B/I probabilities (seeded) stand in for the model, so this
times decoding alone: ``decode_tokens`` + ``snap_to_words`` + ``resolve_overlaps``, as ``extract`` runs
them. The old pairwise overlap rule runs beside it up to ``--pairwise-max`` characters (it is quadratic:
70 s at 100k characters here). Decoding and overlap resolution are timed apart; growth is reported as the
time ratio per 10x of text (linear = 10).

    python bench/decode_cost.py --sizes 10000,100000,1000000 --labels 2 --repeats 3 --pairwise-max 100000
"""
from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from metaie.model.decoding import decode_tokens, resolve_overlaps, snap_to_words  # noqa: E402
from metaie.records import Span  # noqa: E402

WORDS = ["tom", "was", "born", "in", "paris", "in", "1990", ",", "and", "anna", "lives", "in", "london", "with",
         "her", "friend", "peter", "."]


def make_text(n_chars: int) -> tuple[str, list[tuple[int, int]]]:
    """A text of about ``n_chars`` characters and the offsets of its words (one token per word)."""
    parts, offs, pos, i = [], [], 0, 0
    while pos < n_chars:
        w = WORDS[i % len(WORDS)]
        parts.append(w)
        offs.append((pos, pos + len(w)))
        pos += len(w) + 1
        i += 1
    return " ".join(parts), offs


def pairwise(spans: list[Span]) -> list[Span]:
    """The rule as it was: every span compared with every kept span."""
    kept: list[Span] = []
    for sp in sorted(spans, key=lambda s: (-(s.score or 0.0), s.start, s.end, s.label)):
        if not any(sp.overlaps(k) for k in kept):
            kept.append(sp)
    return sorted(kept)


def decode(text: str, offs, labels: int, seed: int, resolve) -> tuple[int, list[Span], float, float]:
    """Spans found, spans kept, seconds decoding (tokens -> spans), seconds resolving overlaps."""
    rng = np.random.default_rng(seed)
    probs = [rng.dirichlet([1.0, 1.0, 1.0], size=len(offs)).astype(np.float32) for _ in range(labels)]
    gc.collect()
    t = time.perf_counter()
    spans: list[Span] = []
    for k in range(labels):
        for s, e, sc in decode_tokens(probs[k], offs, threshold=0.0):
            s, e = snap_to_words(text, s, e)
            spans.append(Span(s, e, f"label{k}", text[s:e], sc))
    t_decode = time.perf_counter() - t
    t = time.perf_counter()
    kept = resolve(spans)
    return len(spans), kept, t_decode, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000", help="text lengths in characters")
    ap.add_argument("--labels", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3, help="runs per size; the fastest is reported")
    ap.add_argument("--pairwise-max", type=int, default=20000, help="longest text to run the old rule on")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    rows = []
    for n in (int(x) for x in a.sizes.split(",")):
        text, offs = make_text(n)
        row = {"chars": len(text), "tokens": len(offs), "labels": a.labels}
        runs = [decode(text, offs, a.labels, 0, resolve_overlaps) for _ in range(a.repeats)]
        row["spans"], kept = runs[0][0], runs[0][1]
        dec, res = min(r[2] for r in runs), min(r[3] for r in runs)  # the least disturbed run (shared machine)
        row.update(kept=len(kept), decode_seconds=round(dec, 3), resolve_seconds=round(res, 3),
                   seconds=round(dec + res, 3))
        if n <= a.pairwise_max:
            _, old, _, old_res = decode(text, offs, a.labels, 0, pairwise)
            row["pairwise_resolve_seconds"] = round(old_res, 3)
            assert old == kept, "the fast rule must keep the same spans"
        if rows:
            row["x_text"] = round(row["chars"] / rows[-1]["chars"], 1)
            row["x_time"] = round(row["seconds"] / max(rows[-1]["seconds"], 1e-9), 1)
            row["x_resolve_time"] = round(row["resolve_seconds"] / max(rows[-1]["resolve_seconds"], 1e-9), 1)
        rows.append(row)
        print(json.dumps(row), flush=True)
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
