"""Meta-training: distillation records -> label-to-span queries with negatives -> a saved meta-model."""
from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..model.backbone import resolve_backbone
from ..model.encoding import unreachable
from ..model.hub import resolve_model
from ..records import Query, Record, count_labels
from ..sources.distill_set import split_records
from ..sources.mixture import SourceSpec, load_source, parse_source_arg, spec_dict
from .args import MetaData, TrainArgs
from .queries import build_queries, known_texts, label_neighbours, query_stats
from .trainer import FitResult, fit


def _specs(data: Sequence[str | SourceSpec]) -> list[SourceSpec]:
    if not data:
        raise ConfigError("no training data: pass --data FILE.jsonl (or --data bundled), or --mixture FILE.yaml")
    return [d if isinstance(d, SourceSpec) else parse_source_arg(d) for d in data]


def mix_queries(data: Sequence[str | SourceSpec], data_root: str | None, sentences: bool, seed: int,
                dev_fraction: float, neg_ratio: float, max_records: int | None = None, clean_negatives: bool = False,
                hard_negatives: float = 0.0, encoder: str | None = None
                ) -> tuple[list[Query], list[Query], list[Record], dict]:
    """Training and held-out queries of a weighted mixture of sources.

    Each source is split into train/held-out records on its own, builds its queries with negatives drawn from its
    own labels (a teacher-free context phrase is no negative for an entity type), then its training queries are
    sampled to ``queries`` or ``round(weight * available)`` (whole shuffled passes when that is more).
    ``clean_negatives``: no negative query of a typed source holds a text its training records mark with that
    label (``build_queries``'s ``known``). ``hard_negatives``: that share of a typed source's sampled negatives
    are labels near the record's own, by ``encoder``'s label embeddings (``label_neighbours``).
    """
    specs = _specs(data)
    train_q: list[Query] = []
    dev_q: list[Query] = []
    typed_train: list[Record] = []
    per: list[dict] = []
    details: dict = {}
    for n, spec in enumerate(specs):
        recs, sinfo = load_source(spec, data_root, sentences, seed)
        if max_records is not None and len(recs) > max_records:
            recs = random.Random(seed).sample(recs, max_records)
        tr, dv = split_records(recs, dev_fraction, seed)
        freq = count_labels(tr)
        known = known_texts(tr) if clean_negatives and spec.kind != "text" else None
        near = None
        if hard_negatives and spec.kind != "text":
            if encoder is None:
                raise ConfigError("hard negatives need an encoder to embed the labels with (the backbone)")
            marked = known if known is not None else known_texts(tr)  # labels given one text are not told apart
            near = {a: kept for a, bs in label_neighbours(list(freq), encoder).items()
                    if (kept := [b for b in bs if b.lower() != a.lower()
                                 and not (marked.get(a, set()) & marked.get(b, set()))])}
        dropped: Counter = Counter()
        q = build_queries(tr, neg_ratio, seed + 97 * n, freq, known, dropped, hard_negatives, near)
        want = spec.queries if spec.queries is not None else round(spec.weight * len(q))
        used, _ = sample_queries(q, want, seed + n) if q and want != len(q) else (q, None)
        train_q += used
        dev_q += build_queries(dv, neg_ratio, seed + 1 + 97 * n, freq, known, None, hard_negatives, near) if dv else []
        if spec.kind != "text":
            typed_train += tr
        details[spec.source] = sinfo
        per.append({**spec_dict(spec), "kind": spec.kind, "records": len(recs), "train_records": len(tr),
                    "dev_records": len(dv), "queries_available": len(q), "queries_used": len(used),
                    "spans": sum(len(x.spans) for x in used), "labels": len(freq),
                    **({"negatives_dropped": dropped["negatives_dropped"]} if known is not None else {}),
                    **({"labels_with_neighbours": len(near)} if near is not None else {})})
    return train_q, dev_q, typed_train, {"sources": per, "details": details}


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


def meta_train(data: Sequence[str | SourceSpec], out: str | Path, args: TrainArgs, backbone: str | None = None,
               init: str | None = None, dev_fraction: float = MetaData.dev_fraction,
               neg_ratio: float = MetaData.neg_ratio, max_records: int | None = None,
               max_length: int = MetaData.max_length, stride: int = MetaData.stride,
               data_root: str | None = None, sentences: bool = MetaData.sentences,
               max_dev_queries: int = MetaData.max_dev_queries,
               device: str | None = None, queries: int | None = None, mode: str | None = None,
               label_budget: int | None = None, pack_labels: int = MetaData.pack_labels,
               pack_fill: float = MetaData.pack_fill, head_lr_scale: float = MetaData.head_lr_scale,
               share_prefix: bool | None = None, query_template: str | None = None,
               clean_negatives: bool = MetaData.clean_negatives,
               hard_negatives: float = MetaData.hard_negatives) -> FitResult:
    """Meta-train a tagger on distillation data and save it to ``out`` (with ``manifest.json``).

    ``init`` continues from an existing metaie model (whose mode it keeps); otherwise a fresh head goes on
    ``backbone``, in ``mode`` (per_label by default, or packed: one pass for many labels, the training queries
    of a text packed into examples of 1..``pack_labels`` labels, see :mod:`metaie.model.packed`).
    ``queries`` samples the training queries to exactly that many (see :func:`sample_queries`).
    """
    t0 = time.time()
    model, train_q, dev_q, extra = prepare_meta(data, args, backbone=backbone, init=init, dev_fraction=dev_fraction,
                                                neg_ratio=neg_ratio, max_records=max_records, max_length=max_length,
                                                stride=stride, data_root=data_root, sentences=sentences,
                                                max_dev_queries=max_dev_queries, device=device, queries=queries,
                                                mode=mode, label_budget=label_budget, pack_labels=pack_labels,
                                                pack_fill=pack_fill, head_lr_scale=head_lr_scale,
                                                share_prefix=share_prefix, query_template=query_template,
                                                clean_negatives=clean_negatives, hard_negatives=hard_negatives)
    result = fit(model, train_q, dev_q or None, args, out_dir=out, manifest_extra=extra)
    record_cost(Path(out), time.time() - t0)
    return result


def prepare_meta(data: Sequence[str | SourceSpec], args: TrainArgs, backbone: str | None = None,
                 init: str | None = None, dev_fraction: float = MetaData.dev_fraction,
                 neg_ratio: float = MetaData.neg_ratio, max_records: int | None = None,
                 max_length: int = MetaData.max_length, stride: int = MetaData.stride,
                 data_root: str | None = None, sentences: bool = MetaData.sentences,
                 max_dev_queries: int = MetaData.max_dev_queries, device: str | None = None,
                 queries: int | None = None, mode: str | None = None, label_budget: int | None = None,
                 pack_labels: int = MetaData.pack_labels, pack_fill: float = MetaData.pack_fill,
                 head_lr_scale: float = MetaData.head_lr_scale,
                 share_prefix: bool | None = None, query_template: str | None = None,
                 clean_negatives: bool = MetaData.clean_negatives,
                 hard_negatives: float = MetaData.hard_negatives) -> tuple[Any, list[Query], list[Query], dict]:
    """Everything :func:`meta_train` does before ``fit``: (start model, training queries, held-out queries,
    manifest extras). ``metaie.ray.train`` fits the same on several workers. ``query_template`` phrases each
    label as the query (``{label}`` by default; ``--init`` keeps its model's)."""
    from ..model.tagger import MetaIE

    t0 = time.time()
    if not 0.0 <= hard_negatives <= 1.0:
        raise ConfigError(f"--hard-negatives must be a share in [0, 1], not {hard_negatives}")
    encoder = (str(resolve_model(init)) if init else resolve_backbone(backbone)) if hard_negatives else None
    train_q, dev_q, typed_train, info = mix_queries(data, data_root, sentences, args.seed, dev_fraction, neg_ratio,
                                                    max_records, clean_negatives, hard_negatives, encoder)
    sampling = None
    if queries is not None:
        train_q, sampling = sample_queries(train_q, queries, args.seed)
    if len(dev_q) > max_dev_queries:
        dev_q = random.Random(args.seed).sample(dev_q, max_dev_queries)
    freq = count_labels(typed_train)
    if init:
        model = MetaIE.from_pretrained(init, device=device)
        model.config.label_thresholds = {}  # chosen for that model's decoding, not this one's
        if mode is not None and mode != model.config.mode:
            raise ConfigError(f"--mode {mode}: the --init model {init} is a {model.config.mode} model; "
                              "a model keeps its mode (drop --mode, or start from --backbone)")
        if query_template is not None and query_template != model.config.query_template:
            raise ConfigError(f"--query-template {query_template!r}: the --init model {init} asks "
                              f"{model.config.query_template!r}; a model keeps its query template "
                              "(drop --query-template, or start from --backbone)")
    else:
        model = MetaIE.from_backbone(backbone, max_length=max_length, stride=stride, device=device, seed=args.seed,
                                     mode=mode or MetaData.mode, label_budget=label_budget,
                                     **({} if query_template is None else {"query_template": query_template}))
    if model.config.mode == "packed":
        model.config.pack_labels, model.config.pack_fill = pack_labels, pack_fill
        model.config.head_lr_scale = head_lr_scale
        if init and share_prefix is not None and share_prefix != model.config.share_prefix:
            raise ConfigError(f"--init {init} was trained with share_prefix={model.config.share_prefix}; a model "
                              "keeps its attention (drop --share-prefix/--labels-read-text)")
        if not init and share_prefix is not None:
            net: Any = model.model
            model.config.share_prefix = net.share_prefix = share_prefix
        model.config.check()
    model.config.labels = [lab for lab, _ in freq.most_common(2000)]
    n_unreach = sum(unreachable(model.tokenizer, q.text, q.spans) for q in train_q[:2000])
    extra = {"data": info, "records": {"train": sum(s["train_records"] for s in info["sources"]),
                                       "dev": sum(s["dev_records"] for s in info["sources"])},
             "train_queries": query_stats(train_q), "dev_queries_stats": query_stats(dev_q),
             "query_sampling": sampling, "neg_ratio": neg_ratio,
             **({"clean_negatives": True} if clean_negatives else {}),
             **({"hard_negatives": hard_negatives} if hard_negatives else {}),
             "backbone": model.config.backbone, "init": init,
             "max_length": model.config.max_length, "stride": model.config.stride, "mode": model.config.mode,
             "query_template": model.config.query_template,
             "unreachable_spans_in_first_2000_train_queries": n_unreach,
             "prepare_seconds": round(time.time() - t0, 2)}
    return model, train_q, dev_q, extra


def record_cost(out: Path, seconds: float) -> None:
    """Wall time of the whole meta-training (preparation included) and the process's peak memory, in the
    manifest (peak resident set size; on Linux ``ru_maxrss`` is in KiB)."""
    import resource

    from ..jsonl import read_json, write_json
    p = out / "manifest.json"
    if not p.is_file():
        return
    m = read_json(p)
    m["meta_train_seconds"] = round(seconds, 1)
    m["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    write_json(p, m)
