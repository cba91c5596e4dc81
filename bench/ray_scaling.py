"""Extraction on Ray against one process: throughput with 1 and 2 single-threaded actors, Ray's overhead, and the
per-batch times (tokenisation, model, decoding, reading, writing) that the README's cost model is built from.

Same model (the embedded MiniLM-L6 with an untrained O/B/I head: speed does not depend on the head's training),
texts (CoNLL-2003 test sentences) and labels everywhere; every process and actor uses one thread.

- ``single``: ``extract_file`` (``metaie extract --input``) in this process, one thread.
- ``ray_1`` / ``ray_2``: ``extract_files`` (``metaie extract --engine ray``) on a local cluster of 2 CPUs with 1
  or 2 actors of one thread each; wall time of the whole call (planning, actor start and model load included)
  and the actors' own time split into reading, extracting and writing.
- ``per_batch``: one thread, batches of ``--chunk`` texts: seconds per batch in encoding (tokenisation into
  windows), the network, and decoding; bytes per text read and written.

    python bench/ray_scaling.py --sentences 600 --out bench/results/ray_scaling.json
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _data import conll_sentences

from metaie.extract_stream import extract_file
from metaie.model.tagger import MetaIE
from metaie.threads import set_threads

LABELS = ["person", "location", "organization", "date"]


def per_batch(model: MetaIE, texts: list[str], chunk: int, batch_size: int) -> dict:
    """Median seconds per batch of ``chunk`` texts in each stage of ``extract_batch``."""
    enc, net, dec = [], [], []
    for k in range(0, len(texts) - chunk + 1, chunk):
        part = texts[k:k + chunk]
        t0 = time.perf_counter()
        plan = model.plan(part, LABELS)
        t1 = time.perf_counter()
        probs = model.window_probs(plan.windows, batch_size)
        t2 = time.perf_counter()
        model.finish(plan, probs, 0.5)
        t3 = time.perf_counter()
        enc.append(t1 - t0)
        net.append(t2 - t1)
        dec.append(t3 - t2)
    return {"texts_per_batch": chunk, "labels": len(LABELS), "batches": len(enc),
            "encode_s": round(statistics.median(enc), 4), "model_s": round(statistics.median(net), 4),
            "decode_s": round(statistics.median(dec), 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sentences", type=int, default=600)
    ap.add_argument("--shard-rows", type=int, default=100)
    ap.add_argument("--chunk", type=int, default=100, help="texts per model call (extract_file's chunk_size)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    set_threads(1)
    import ray

    from metaie.ray.extract import extract_files
    texts = conll_sentences(a.sentences)
    res: dict = {"sentences": len(texts), "labels": LABELS, "queries": len(texts) * len(LABELS),
                 "cpu_count": os.cpu_count(), "loadavg_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        model = MetaIE.from_backbone(None, device="cpu")
        model.save_pretrained(d / "model")
        src = d / "in.jsonl"
        src.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)),
                       encoding="utf-8")
        model = MetaIE.from_pretrained(d / "model", device="cpu")
        res["per_batch"] = per_batch(model, texts, a.chunk, a.batch_size)

        t = time.perf_counter()
        extract_file(model, src, d / "single.jsonl", LABELS, chunk_size=a.chunk, batch_size=a.batch_size,
                     progress=False)
        res["single"] = {"seconds": round(time.perf_counter() - t, 2)}
        out_bytes = (d / "single.jsonl").stat().st_size
        res["per_batch"].update({"in_bytes_per_text": round(src.stat().st_size / len(texts), 1),
                                 "out_bytes_per_text": round(out_bytes / len(texts), 1)})

        os.environ["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[1] / "src"),
                                                    os.environ.get("PYTHONPATH", "")])
        t = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        res["ray_init_s"] = round(time.perf_counter() - t, 2)
        for actors in (1, 2):
            t = time.perf_counter()
            st = extract_files(d / "model", src, d / f"ray{actors}", LABELS, shard_rows=a.shard_rows,
                               chunk_size=a.chunk, batch_size=a.batch_size, actors=actors, threads=1,
                               progress=False)
            wall = time.perf_counter() - t
            res[f"ray_{actors}"] = {"seconds": round(wall, 2), "shards": st.shards,
                                    "actor_read_s": round(st.read_seconds, 2),
                                    "actor_extract_s": round(st.extract_seconds, 2),
                                    "actor_write_s": round(st.write_seconds, 2),
                                    # per actor process: seconds busy on shards, and the CPU seconds it got
                                    "busy_s": sorted(round(v, 2) for v in st.busy_by_actor.values()),
                                    "cpu_s": sorted(round(v, 2) for v in st.cpu_by_actor.values()),
                                    # actor start, model load, scheduling: the wall time no actor was busy
                                    "not_busy_s": round(wall - max(st.busy_by_actor.values()), 2)}
        ray.shutdown()
    single, r1, r2 = res["single"]["seconds"], res["ray_1"]["seconds"], res["ray_2"]["seconds"]
    res["texts_per_second"] = {k: round(len(texts) / res[k]["seconds"], 2) for k in ("single", "ray_1", "ray_2")}
    res["ray_overhead_1_actor"] = round(r1 / single - 1, 3)
    res["speedup_2_vs_1_actor"] = round(r1 / r2, 3)
    # steady state: texts over the busiest actor's time (what a long run tends to, startup amortised)
    res["steady_texts_per_second"] = {k: round(len(texts) / max(res[k]["busy_s"]), 2) for k in ("ray_1", "ray_2")}
    res["loadavg_after"] = os.getloadavg()
    print(json.dumps(res, indent=2))
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
