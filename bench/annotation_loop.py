"""The correct-and-retrain loop on a public NER dataset (reported, not asserted): the meta-model pre-annotates a
pool of texts as Label Studio tasks, a simulated person corrects the first K with the dataset's gold, the
meta-model is fine-tuned on the K corrections, and a held-out split is re-annotated and scored, for each K.

    python bench/annotation_loop.py --model models/meta --data conll2003 --pool 200 --heldout 500 \
        --ks 5,20,50 --out results/annotation_loop --plot docs/annotation_loop.png

Fine-tuning uses the benchmark's few-shot settings (150 steps, at least 10 passes, lr 1.5e-4, batch 8).
Labels are the schema's verbalised entity types (e.g. PER -> person). Writes ``<out>/loop.json``, one
``round-N.json`` per round, the tasks and exports of every round; re-running resumes.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def gold_records(data: str, split: str, n: int, seed: int, root=None):
    """``n`` seeded examples of a split as records with verbalised labels, and the labels."""
    from metaie.datasets.registry import load_split
    from metaie.datasets.schemas import task_schema
    from metaie.records import Record, Span
    schema = task_schema(data, None, "ner", root)
    verb = dict(schema.entities)
    exs = load_split(data, split, root)
    exs = [exs[i] for i in sorted(random.Random(seed).sample(range(len(exs)), min(n, len(exs))))]
    recs = [Record(ex.text, [Span(e.start, e.end, verb[e.type], ex.text[e.start:e.end]) for e in ex.entities],
                   id=ex.id) for ex in exs]
    return recs, sorted(set(verb.values()))


def plot(rows, path: str, title: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ks = [r["k"] for r in rows]
    ax.plot(ks, [100 * r["f1"] for r in rows], marker="o", label="held-out F1 after fine-tuning on K")
    pre = [(r["k"], 100 * r["pre_annotation_f1"]) for r in rows if "pre_annotation_f1" in r]
    ax.plot([k for k, _ in pre], [f for _, f in pre], marker="s", ls="--",
            label="pre-annotation F1 of the texts corrected in that round")
    ax.set_xticks(ks), ax.set_ylim(0, max(5, *(100 * r["f1"] for r in rows), *(f for _, f in pre)) * 1.2)
    ax.set_xlabel("corrected texts K"), ax.set_ylabel("span F1 (%)"), ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3), ax.legend(fontsize=7)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="the meta-model to start from")
    ap.add_argument("--data", default="conll2003")
    ap.add_argument("--pool", type=int, default=200, help="texts pre-annotated each round (from the train split)")
    ap.add_argument("--heldout", type=int, default=500, help="test texts scored each round")
    ap.add_argument("--ks", default="5,20,50")
    ap.add_argument("--seed", type=int, default=1)
    # the benchmark's few-shot settings (bench/cpu/budget.yaml): 150 steps, at least 10 passes, lr chosen on dev
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--max-steps", type=int, default=150)
    ap.add_argument("--min-epochs", type=float, default=10)
    ap.add_argument("--lr", type=float, default=1.5e-4)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--out", default="results/annotation_loop")
    ap.add_argument("--plot", default=None, help="write the F1-against-K plot here (e.g. docs/annotation_loop.png)")
    ap.add_argument("--data-root", default=None)
    a = ap.parse_args()

    from metaie.integrations.loop import run_loop
    from metaie.training import TrainArgs
    pool, labels = gold_records(a.data, "train", a.pool, a.seed, a.data_root)
    heldout, _ = gold_records(a.data, "test", a.heldout, a.seed, a.data_root)
    args = TrainArgs(epochs=a.epochs, max_steps=a.max_steps, min_epochs=a.min_epochs, lr=a.lr,
                     batch_size=a.batch_size, seed=a.seed,
                     threads=a.threads, eval_each_epoch=False)
    rows = run_loop(a.model, pool, heldout, labels, [int(x) for x in a.ks.split(",")], args, a.out,
                    threshold=a.threshold)
    if a.plot:
        plot(rows, a.plot, f"{a.data}: pre-annotate {a.pool}, correct K, fine-tune,\nscore {a.heldout} test texts")
    print(json.dumps({"rows": rows, "out": a.out, "plot": a.plot}))


if __name__ == "__main__":
    main()
