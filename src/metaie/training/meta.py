"""Meta-training: distillation records -> label-to-span queries with negatives -> a saved meta-model."""
from __future__ import annotations

import random
import time
from collections.abc import Sequence
from pathlib import Path

from ..dataset import label_counts, load_records, split_records
from ..errors import ConfigError
from ..model.encoding import unreachable
from ..schema import Query, Record
from .args import TrainArgs
from .human import human_records, parse_source
from .queries import build_queries, query_stats
from .trainer import FitResult, fit

BUNDLED = "bundled"


def load_training_records(data: Sequence[str], data_root: str | None = None, sentences: bool = True,
                          seed: int = 42) -> tuple[list[Record], dict]:
    """Records from distillation JSONL files, the bundled sets (``bundled``, ``bundled:ner``, ``bundled:open``)
    or task datasets' human annotations (``human:conll04,ade``, ``human-except:conll2003``)."""
    if not data:
        raise ConfigError("no training data: pass --data FILE.jsonl (or --data bundled)")
    records: list[Record] = []
    info: dict = {"sources": []}
    for d in data:
        humans = parse_source(d)
        if d == BUNDLED or d.startswith(BUNDLED + ":"):
            from ..distill.bundled import build_bundled
            group = d.split(":", 1)[1] if ":" in d else None
            recs, rep = build_bundled(data_root, sentences=sentences, seed=seed, group=group)
            info[d] = {k: v for k, v in rep.to_dict().items() if k != "imports"}
        elif humans is not None:
            recs, hinfo = human_records(humans, data_root)
            info[d] = hinfo
        else:
            recs = load_records(d)
        info["sources"].append({"data": d, "records": len(recs)})
        records += recs
    return records, info


def sample_queries(queries: list[Query], n: int, seed: int) -> tuple[list[Query], dict]:
    """Exactly ``n`` training queries: a seeded sample, or (when the set is smaller) whole shuffled passes
    over it plus a sample for the rest, so start points trained on different sets see as many queries.

    >>> qs = [Query(str(i), "t", []) for i in range(4)]
    >>> got, info = sample_queries(qs, 10, 0)
    >>> len(got), info["passes"], sorted({[q.label for q in got].count(x.label) for x in qs})  # 2 whole passes
    (10, 2.5, [2, 3])
    """
    if n < 1:
        raise ConfigError("--queries must be >= 1")
    if not queries:
        raise ConfigError("no training queries to sample from")
    rng = random.Random(seed)
    if n <= len(queries):
        out = rng.sample(queries, n)
    else:
        out = []
        while len(out) + len(queries) <= n:
            out += rng.sample(queries, len(queries))
        out += rng.sample(queries, n - len(out))
    return out, {"available": len(queries), "sampled": n, "passes": round(n / len(queries), 3)}


def queries_of(model_dir: str | Path) -> int:
    """How many training queries a saved model was meta-trained on (its manifest's count)."""
    from ..jsonl import read_json
    p = Path(model_dir) / "manifest.json"
    if not p.is_file():
        raise ConfigError(f"--match-queries: {p} not found (is {model_dir} a metaie model trained here?); "
                          "pass --queries N instead")
    try:
        n = read_json(p)["train_queries"]["queries"]
    except (KeyError, TypeError) as e:
        raise ConfigError(f"--match-queries: {p} has no train_queries.queries count ({e}); "
                          "pass --queries N instead") from None
    return int(n)


def meta_train(data: Sequence[str], out: str | Path, args: TrainArgs, backbone: str | None = None,
               init: str | None = None, dev_fraction: float = 0.05, neg_ratio: float = 1.0,
               max_records: int | None = None, max_length: int = 128, stride: int = 32,
               data_root: str | None = None, sentences: bool = True, max_dev_queries: int = 2000,
               device: str | None = None, queries: int | None = None) -> FitResult:
    """Meta-train a tagger on distillation data and save it to ``out`` (with ``manifest.json``).

    ``init`` continues from an existing metaie model; otherwise a fresh head goes on ``backbone``.
    ``queries`` samples the training queries to exactly that many (see :func:`sample_queries`).
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
    sampling = None
    if queries is not None:
        train_q, sampling = sample_queries(train_q, queries, args.seed)
    dev_q = build_queries(dev_recs, neg_ratio, args.seed + 1, freq) if dev_recs else []
    if len(dev_q) > max_dev_queries:
        dev_q = random.Random(args.seed).sample(dev_q, max_dev_queries)
    if init:
        model = MetaIE.from_pretrained(init, device=device)
    else:
        model = MetaIE.from_backbone(backbone, max_length=max_length, stride=stride, device=device, seed=args.seed)
    model.config.labels = [lab for lab, _ in freq.most_common(2000)]
    n_unreach = sum(unreachable(model.tokenizer, r.text, r.spans) for r in train_recs[:2000])
    extra = {"data": info, "records": {"train": len(train_recs), "dev": len(dev_recs)},
             "train_queries": query_stats(train_q), "dev_queries_stats": query_stats(dev_q),
             "query_sampling": sampling, "neg_ratio": neg_ratio, "backbone": model.config.backbone, "init": init,
             "max_length": model.config.max_length, "stride": model.config.stride,
             "unreachable_spans_in_first_2000_train_records": n_unreach,
             "prepare_seconds": round(time.time() - t0, 2)}
    return fit(model, train_q, dev_q or None, args, out_dir=out, manifest_extra=extra)
