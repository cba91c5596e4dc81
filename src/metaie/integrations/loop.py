"""The pre-annotate / correct / fine-tune loop, through the real Label Studio file formats.

Each round the current model pre-annotates the pool as Label Studio tasks; the person corrects the next tasks
in pool order until K tasks are corrected in all (``correct`` is a callback: a person's export, or in the
benchmark the gold of a public dataset); the export is read back with :func:`label_studio.read_export`; the
**start model** is fine-tuned on all K corrections (every label of the round asked of every text: a label
the person left unmarked is an "answer nothing" query); the held-out split is re-annotated and scored.
Rounds are saved in ``workdir`` and a re-run resumes; other settings in the same ``workdir`` are refused.

>>> span_prf([[("a", 0, 1)]], [[("a", 0, 1), ("b", 2, 3)]])["f1"]
0.6667
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..jsonl import write_json
from ..records import Record, Span
from . import label_studio

Correct = Callable[[list[dict[str, Any]], Sequence[int]], list[dict[str, Any]]]


def span_prf(pred: Sequence[Sequence[tuple]], gold: Sequence[Sequence[tuple]]) -> dict[str, float]:
    """Strict micro precision / recall / F1 over (label, start, end) per text."""
    tp = fp = fn = 0
    for p_seq, g_seq in zip(pred, gold):
        p, g = set(p_seq), set(g_seq)
        tp, fp, fn = tp + len(p & g), fp + len(p - g), fn + len(g - p)
    pr = tp / (tp + fp) if tp + fp else 0.0
    rc = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * pr * rc / (pr + rc) if pr + rc else 0.0
    return {"precision": round(pr, 4), "recall": round(rc, 4), "f1": round(f1, 4), "tp": tp, "fp": fp, "fn": fn}


def _keys(spans) -> list[tuple]:
    return [(s.label, s.start, s.end) for s in spans]


def gold_corrector(gold: Sequence[Record]) -> Correct:
    """A simulated person: the annotation of each corrected task is the gold of the same text, as regions."""
    def correct(tasks: list[dict[str, Any]], which: Sequence[int]) -> list[dict[str, Any]]:
        out = []
        for i, task in enumerate(tasks):
            anns = []
            if i in which:
                result = [label_studio._region(j, s) for j, s in enumerate(gold[i].spans)]
                anns = [{"id": i + 1, "result": result, "was_cancelled": False, "ground_truth": False}]
            out.append({"id": i + 1, **task, "annotations": anns})
        return out
    return correct


def finetune_on(start: str, records: Sequence[Record], labels: Sequence[str], args, out: Path):
    """Fine-tune the start model on corrected records (absent labels as negatives); saves to ``out``."""
    from .. import MetaIE
    from ..training import fit
    model = MetaIE.from_pretrained(start)
    queries = [q for r in records
               for q in Record(r.text, r.spans, [lab for lab in labels if lab not in r.labels]).queries()]
    fit(model, queries, None, args, out_dir=None)
    model.save_pretrained(out)
    return model


def _settings_check(workdir: Path, settings: dict[str, Any]) -> None:
    path = workdir / "settings.json"
    if path.exists():
        old = json.loads(path.read_text())
        if old != settings:
            diff = sorted(k for k in set(old) | set(settings) if old.get(k) != settings.get(k))
            raise ConfigError(f"{workdir} holds a loop run with other settings ({', '.join(diff)}): use another "
                              "--out or remove it")
    else:
        write_json(path, settings)


def run_loop(start: str, pool: Sequence[Record], heldout: Sequence[Record], labels: Sequence[str],
             ks: Sequence[int], args, workdir: str | Path, correct: Correct | None = None,
             threshold: float = 0.5, batch_size: int = 64, log: Callable[[str], None] = print) -> list[dict]:
    """Run the rounds (K = 0, then each of ``ks``); returns one row per round with held-out P/R/F1 and the
    correction effort (edited spans per corrected text) of the tasks corrected in that round."""
    from .. import MetaIE
    if list(ks) != sorted(set(ks)) or not ks or ks[0] < 1 or ks[-1] > len(pool):
        raise ConfigError(f"--ks must rise from 1 to at most the pool size {len(pool)}, got {list(ks)}")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    _settings_check(workdir, {"start": str(start), "labels": list(labels), "ks": list(ks), "pool": len(pool),
                              "heldout": len(heldout), "threshold": threshold, "args": args.to_dict()})
    correct = correct or gold_corrector(pool)
    model, current, rows, done = MetaIE.from_pretrained(start), str(start), [], 0
    gold_h = [_keys(r.spans) for r in heldout]
    for rnd, k in enumerate([0, *ks]):
        row_path = workdir / f"round-{rnd}.json"
        if k:
            mdir = workdir / f"model-k{k}"
            tasks_path, export_path = workdir / f"tasks-{rnd}.json", workdir / f"export-{rnd}.json"
            if not (mdir / "metaie.json").exists():
                preds = model.extract_batch([r.text for r in pool], list(labels), threshold=threshold,
                                            batch_size=batch_size)
                tasks = [label_studio.make_task(r.id or str(i), r.text, p, model_version=current)
                         for i, (r, p) in enumerate(zip(pool, preds))]
                write_json(tasks_path, tasks)
                write_json(export_path, correct(tasks, range(k)))
                recs, _ = label_studio.read_export(export_path)
                records = [Record(o["text"], [Span(s["start"], s["end"], s["label"], s["text"]) for s in o["spans"]],
                                  id=o["id"]) for o in recs]
                effort = span_prf([_keys(p) for p in preds[done:k]], [_keys(r.spans) for r in records[done:k]])
                finetune_on(start, records, labels, args, mdir)
                write_json(workdir / f"effort-{rnd}.json", effort)
            effort = json.loads((workdir / f"effort-{rnd}.json").read_text())
            model, current, done = MetaIE.from_pretrained(mdir), str(mdir), k
        if row_path.exists():
            row = json.loads(row_path.read_text())
        else:
            pred_h = model.extract_batch([r.text for r in heldout], list(labels), threshold=threshold,
                                         batch_size=batch_size)
            row = {"round": rnd, "k": k, **span_prf([_keys(p) for p in pred_h], gold_h)}
            if k:
                row["edits_per_text"] = round((effort["fp"] + effort["fn"]) / (k - [0, *ks][rnd - 1]), 3)
                row["pre_annotation_f1"] = effort["f1"]
            write_json(row_path, row)
        log(json.dumps(row))
        rows.append(row)
    write_json(workdir / "loop.json", {"rows": rows})
    return rows
