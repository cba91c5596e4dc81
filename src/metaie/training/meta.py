"""Meta-training: distillation records -> label-to-span queries with negatives -> a saved meta-model."""
from __future__ import annotations

import random
import time
from collections.abc import Sequence
from pathlib import Path

from ..dataset import label_counts, load_records, split_records
from ..errors import ConfigError
from ..model.encoding import unreachable
from ..schema import Record
from .args import TrainArgs
from .queries import build_queries, query_stats
from .trainer import FitResult, fit

BUNDLED = "bundled"


def load_training_records(data: Sequence[str], data_root: str | None = None, sentences: bool = True,
                          seed: int = 42) -> tuple[list[Record], dict]:
    """Records from distillation JSONL files, or from the bundled sets when a path is ``bundled``."""
    if not data:
        raise ConfigError("no training data: pass --data FILE.jsonl (or --data bundled)")
    records: list[Record] = []
    info: dict = {"sources": []}
    for d in data:
        if d == BUNDLED:
            from ..distill.bundled import build_bundled
            recs, rep = build_bundled(data_root, sentences=sentences, seed=seed)
            info["bundled"] = {k: v for k, v in rep.to_dict().items() if k != "imports"}
        else:
            recs = load_records(d)
        info["sources"].append({"data": d, "records": len(recs)})
        records += recs
    return records, info


def meta_train(data: Sequence[str], out: str | Path, args: TrainArgs, backbone: str | None = None,
               init: str | None = None, dev_fraction: float = 0.05, neg_ratio: float = 1.0,
               max_records: int | None = None, max_length: int = 128, stride: int = 32,
               data_root: str | None = None, sentences: bool = True, max_dev_queries: int = 2000,
               device: str | None = None) -> FitResult:
    """Meta-train a tagger on distillation data and save it to ``out`` (with ``manifest.json``).

    ``init`` continues from an existing metaie model; otherwise a fresh head goes on ``backbone``.
    """
    from ..model.tagger import MetaIE

    t0 = time.time()
    records, info = load_training_records(data, data_root, sentences, args.seed)
    if max_records is not None and max_records < len(records):
        rng = random.Random(args.seed)
        records = rng.sample(records, max_records)
    train_recs, dev_recs = split_records(records, dev_fraction, args.seed)
    freq = label_counts(train_recs)
    train_q = build_queries(train_recs, neg_ratio, args.seed, freq)
    dev_q = build_queries(dev_recs, neg_ratio, args.seed + 1, freq) if dev_recs else []
    if len(dev_q) > max_dev_queries:
        dev_q = random.Random(args.seed).sample(dev_q, max_dev_queries)
    if init:
        model = MetaIE.from_pretrained(init, device=device)
    else:
        model = MetaIE.from_backbone(backbone, max_length=max_length, stride=stride, device=device)
    model.config.labels = [lab for lab, _ in freq.most_common(2000)]
    n_unreach = sum(unreachable(model.tokenizer, r.text, r.spans) for r in train_recs[:2000])
    extra = {"data": info, "records": {"train": len(train_recs), "dev": len(dev_recs)},
             "train_queries": query_stats(train_q), "dev_queries_stats": query_stats(dev_q),
             "neg_ratio": neg_ratio, "backbone": model.config.backbone, "init": init,
             "max_length": model.config.max_length, "stride": model.config.stride,
             "unreachable_spans_in_first_2000_train_records": n_unreach,
             "prepare_seconds": round(time.time() - t0, 2)}
    return fit(model, train_q, dev_q or None, args, out_dir=out, manifest_extra=extra)
