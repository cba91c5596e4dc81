"""Where a meta-model's NER errors are: each false positive and false negative in one class (reported, not asserted).

A predicted entity that is not gold is, against the gold entities it overlaps: the right span with a wrong label
(``wrong_label``), an overlap with a gold entity of its label (``boundary``), an overlap with gold of other labels
only (``other_label``), or no overlap at all (``spurious``). A missed gold entity is classed the same way against
the predictions (``missed`` where no prediction overlaps it). Decoded through the same ``Extractor`` that
``metaie evaluate`` runs, on the same seeded sub-sample; the token probabilities are computed once
(``metaie.model.cached.CachedModel``). Used in docs/results.md, "Where zero-shot errs":

    METAIE_DATA=../shared/data python bench/zeroshot_errors.py models/fold-p-full --data conll2003,wnut2017,jnlpba \\
        --split dev --threshold 0.4 --extend-ratio 0.5 --json results/zs-errors-fold-p.json
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


from metaie.datasets import load_split  # noqa: E402
from metaie.datasets.schemas import task_schema  # noqa: E402
from metaie.model.cached import CachedModel  # noqa: E402
from metaie.model.tagger import MetaIE  # noqa: E402
from metaie.pipeline import Extractor  # noqa: E402
from metaie.tasks.fewshot import eval_sample  # noqa: E402
from metaie.threads import set_threads  # noqa: E402

Item = tuple[str, int, int]  # (label, start, end)


def error_class(item: Item, others: set[Item]) -> str:
    """The class of ``item`` (a false positive or a false negative) against the other side's entities.

    >>> error_class(("PER", 0, 4), {("ORG", 0, 4)}), error_class(("PER", 0, 4), {("PER", 0, 9)})
    ('wrong_label', 'boundary')
    >>> error_class(("PER", 0, 4), {("ORG", 2, 9)}), error_class(("PER", 0, 4), {("PER", 4, 9)})
    ('other_label', 'spurious')
    """
    label, a, b = item
    over = [o for o in others if o[1] < b and a < o[2]]
    if any((o[1], o[2]) == (a, b) for o in over):
        return "wrong_label"
    if any(o[0] == label for o in over):
        return "boundary"
    return "other_label" if over else "spurious"


def breakdown(gold: list[set[Item]], pred: list[set[Item]]) -> dict:
    """Counts of gold, predicted and correct entities, and of each error class on both sides."""
    c: Counter = Counter()
    for g, p in zip(gold, pred):
        c["gold"] += len(g)
        c["pred"] += len(p)
        c["correct"] += len(g & p)
        c.update(f"fp_{error_class(x, g)}" for x in p - g)
        c.update("fn_" + error_class(x, p).replace("spurious", "missed") for x in g - p)
    return dict(c)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--data", default="conll2003,wnut2017,jnlpba", help="NER datasets, comma-separated")
    ap.add_argument("--split", default="dev")
    ap.add_argument("--limit", type=int, default=200, help="seeded sub-sample of each split (as the benchmark's)")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--extend-ratio", type=float, default=None, help="default: the model's own")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    set_threads(a.threads)
    model = CachedModel(MetaIE.from_pretrained(a.model, device="cpu"), 64)
    if a.extend_ratio is not None:
        model.extend_ratio = a.extend_ratio
    out: dict = {"model": a.model, "split": a.split, "limit": a.limit, "threshold": a.threshold,
                 "extend_ratio": model.extend_ratio, "datasets": {}}
    for d in [x for x in a.data.split(",") if x]:
        schema = task_schema(d, None, "ner", None)
        examples = eval_sample(load_split(d, a.split), a.limit)  # the sub-sample evaluate() scores
        pred = Extractor(model, schema=schema, threshold=a.threshold).predict(examples)
        spans = [{(e.type, e.start, e.end) for e in ex.entities} for ex in examples]
        out["datasets"][d] = breakdown(spans, [{(e.type, e.start, e.end) for e in p.entities} for p in pred])
        print(d, out["datasets"][d], file=sys.stderr, flush=True)
    cols = ["gold", "pred", "correct", "fp_wrong_label", "fp_boundary", "fp_other_label", "fp_spurious",
            "fn_wrong_label", "fn_boundary", "fn_other_label", "fn_missed"]
    print("| dataset | " + " | ".join(cols) + " |\n|---|" + "---:|" * len(cols))
    for d, c in out["datasets"].items():
        print(f"| {d} | " + " | ".join(str(c.get(k, 0)) for k in cols) + " |")
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
