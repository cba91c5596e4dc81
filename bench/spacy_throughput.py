"""Benchmark (reported, not asserted): the spaCy component's ``nlp.pipe`` against ``extract_batch`` on the same
texts, labels, threshold and batch size, timed side by side in one run (alternating, medians of repeats).

    python bench/spacy_throughput.py [--model models/meta] [--texts 1000] [--labels 4] [--repeats 3] [--threads 1]

``nlp.pipe`` includes spaCy's tokenizer, aligning the character spans to tokens and setting ``doc.ents``;
``extract_batch`` is given the same texts already as strings. Texts: CoNLL-2003 test sentences.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

from _data import conll_sentences


class Replay:
    """Stands in for the model: answers each text with the spans the model gave it."""

    def __init__(self, by_text: dict):
        self.by_text = by_text

    def extract_batch(self, texts, labels, **kw):
        return [self.by_text[t] for t in texts]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None, help="metaie model dir (default: fresh head on the embedded backbone)")
    ap.add_argument("--texts", type=int, default=1000)
    ap.add_argument("--labels", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=64, help="queries per forward pass (both sides)")
    ap.add_argument("--pipe-batch", type=int, default=1000, help="docs per nlp.pipe batch")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--threshold", type=float, default=0.5)
    a = ap.parse_args()

    import spacy
    import torch

    import metaie.integrations.spacy_component  # noqa: F401  (registers the factory)
    from metaie import MetaIE
    torch.set_num_threads(a.threads)
    if a.model is None:
        import tempfile
        a.model = str(MetaIE.from_backbone(max_length=128, stride=32).save_pretrained(tempfile.mkdtemp() + "/m"))
    labels = ["person", "location", "organization", "date", "number", "event", "product", "concept"][:a.labels]
    texts = conll_sentences(a.texts)
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("metaie", config={"model": a.model, "labels": labels, "threshold": a.threshold,
                                         "batch_size": a.batch_size})
    model = pipe.model
    model.extract_batch(texts[:8], labels)  # warm-up

    times: dict[str, list[float]] = {"extract_batch": [], "nlp.pipe": [], "nlp.pipe, spans replayed": []}
    spans: dict[str, int] = {}
    cache: list = []

    def run_extract() -> None:
        out = model.extract_batch(texts, labels, threshold=a.threshold, batch_size=a.batch_size)
        cache[:] = out
        spans["extract_batch"] = sum(map(len, out))

    def run_pipe(key: str = "nlp.pipe") -> None:
        docs = list(nlp.pipe(texts, batch_size=a.pipe_batch))
        spans[key] = sum(len(d.ents) + d._.metaie_unaligned for d in docs)

    def timed(key: str, fn) -> None:
        t = time.perf_counter()
        fn()
        times[key].append(time.perf_counter() - t)

    for r in range(a.repeats):  # alternate the order so drift in a shared machine's load hits both
        order = [("extract_batch", run_extract), ("nlp.pipe", run_pipe)]
        for key, fn in order if r % 2 == 0 else order[::-1]:
            timed(key, fn)
    # the component's own cost (tokenizer, alignment, doc.ents): the same spans replayed without the model
    pipe._model = Replay(dict(zip(texts, cache)))
    for _ in range(a.repeats):
        timed("nlp.pipe, spans replayed", lambda: run_pipe("nlp.pipe, spans replayed"))
    base = statistics.median(times["extract_batch"])
    rows = {k: {"seconds": round(statistics.median(v), 3), "all_seconds": [round(x, 2) for x in v],
                "texts_per_s": round(len(texts) / statistics.median(v), 1),
                "ratio_to_extract_batch": round(base / statistics.median(v), 3), "spans": spans[k]}
            for k, v in times.items()}
    print(json.dumps({"texts": len(texts), "labels": len(labels), "threads": a.threads, "repeats": a.repeats,
                      "pipe_batch": a.pipe_batch, "unaligned_per_pass": pipe.unaligned // (2 * a.repeats),
                      "results": rows},
                     indent=1))


if __name__ == "__main__":
    main()
