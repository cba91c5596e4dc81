"""Self-training on unlabelled in-domain text, zero-shot: does it lift a start point on labels it never saw?

For each dataset, ``--unlabelled`` texts of its few-shot split (train) are read *without* their annotations; the
start model labels them at a pseudo-label threshold (the dataset's own schema and overlap rule, as ``Extractor``
decodes), every stage's queries are built from those predictions as few-shot fine-tuning builds them from gold
(``training_queries``: a label with no prediction becomes a negative query), and a fresh copy of the start model
is fine-tuned on them. Each setting (pseudo-label threshold x negatives kept x learning rate) is chosen on the
dev splits of ``--dev`` (datasets the start point did not see and that are not evaluated), then the test sets are
scored at the chosen one. No gold annotation of an evaluated dataset is read before its test is scored; its
training texts are (as unlabelled text a user of a domain has), so this is zero-shot *with in-domain text*, a
different protocol from plain zero-shot, and reported as such.

    METAIE_DATA=../shared/data python bench/self_training.py models/fold-p-full --extend-ratio 0.5 \\
        --json results/zs-self-training-fold-p.json
"""
from __future__ import annotations

import argparse
import random
import sys
import time

from _data import LEAVE_OUT_DEV, ZERO_SHOT_TEST, model_from_args, setting_means  # puts ../src first on the path

from metaie.datasets import load_split, resolve
from metaie.datasets.schemas import task_schema
from metaie.evaluation.evaluate import evaluate
from metaie.jsonl import write_json
from metaie.model.cached import CachedModel
from metaie.model.tagger import MetaIE
from metaie.pipeline import Extractor
from metaie.tasks.base import training_queries
from metaie.tasks.registry import make_adapter
from metaie.tasks.structures import Example
from metaie.training.args import TrainArgs
from metaie.training.trainer import fit


def training_texts(data: str, n: int, seed: int) -> list[Example]:
    """A seeded ``n`` of ``data``'s few-shot split's examples (with their annotations)."""
    spec, _ = resolve(data)
    pool = load_split(data, spec.few_shot_from)
    return [pool[i] for i in sorted(random.Random(seed).sample(range(len(pool)), min(n, len(pool))))]


def unlabelled(data: str, n: int, seed: int) -> list[Example]:
    """``training_texts`` with the annotations dropped."""
    return [Example(x.id, x.text) for x in training_texts(data, n, seed)]


def pseudo_quality(model, names: list[str], n: int, seed: int, threshold: float) -> None:
    """A diagnostic, read after the test is scored (it reads the training texts' gold): how the pseudo-labels of
    each dataset's entities compare with gold: precision, recall, and the share of pseudo spans that are a gold
    span under another label."""
    print("| dataset | pseudo spans | precision | recall | right span, wrong label | other errors |")
    print("|---|---:|---:|---:|---:|---:|")
    for d in names:
        gold = training_texts(d, n, seed)
        pred = Extractor(model, schema=task_schema(d, None, None), threshold=threshold).predict(
            [Example(g.id, g.text) for g in gold])
        n_pred = right = wrong = n_gold = 0
        for g, p in zip(gold, pred):
            types = {(e.start, e.end): e.type for e in g.entities}
            n_gold += len(types)
            for e in p.entities:
                n_pred += 1
                t = types.get((e.start, e.end))
                right += t == e.type
                wrong += t is not None and t != e.type
        pct = lambda x, y: 100 * x / max(y, 1)  # noqa: E731
        print(f"| {d} | {n_pred} | {pct(right, n_pred):.1f} | {pct(right, n_gold):.1f} | {pct(wrong, n_pred):.1f} % "
              f"| {pct(n_pred - right - wrong, n_pred):.1f} % |", flush=True)


def pseudo_queries(cached: CachedModel, data: str, texts: list[Example], threshold: float, negatives: bool):
    """The fine-tuning queries of ``texts`` with the start model's predictions at ``threshold`` as their answers
    (without the label-absent negatives unless ``negatives``)."""
    s = task_schema(data, None, None)
    pred = Extractor(cached, schema=s, threshold=threshold).predict(texts)
    adapter = make_adapter(s)
    qs = [q for ex in pred for q in training_queries(adapter, ex)]
    return qs if negatives else [q for q in qs if q.spans]


def scores(cached: CachedModel, names: list[str], split: str, thresholds: list[float], limit: int) -> dict:
    return {d: {str(t): round(100 * evaluate(cached, d, split, threshold=t, limit=limit)["f1"], 2)
                for t in thresholds} for d in names}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--dev", default=",".join(LEAVE_OUT_DEV))
    ap.add_argument("--test", default=",".join(ZERO_SHOT_TEST),
                    help="scored at the dev-chosen setting (empty: dev only)")
    ap.add_argument("--unlabelled", type=int, default=300, help="unlabelled texts per dataset")
    ap.add_argument("--pseudo-thresholds", default="0.5,0.7")
    ap.add_argument("--negatives", default="yes,no", help="keep the label-absent queries: yes, no, or both")
    ap.add_argument("--lrs", default="3e-5")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--thresholds", default="0.3,0.4,0.5", help="decoding thresholds scored (chosen on dev)")
    ap.add_argument("--limit", type=int, default=200, help="seeded sub-sample of each scored split")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--pseudo-quality", type=float, default=None, metavar="THRESHOLD",
                    help="only report how the pseudo-labels at THRESHOLD of the --dev and --test sets' training "
                         "texts compare with their gold (a diagnostic: reads that gold), then stop")
    a, start = model_from_args(ap)
    ratio = start.config.extend_ratio
    dev, test = [d for d in a.dev.split(",") if d], [d for d in a.test.split(",") if d]
    start_cached = CachedModel(start)  # the start model is never trained: its probabilities serve every run
    if a.pseudo_quality is not None:
        return pseudo_quality(start_cached, dev + test, a.unlabelled, a.seed, a.pseudo_quality)
    ts = [float(x) for x in a.thresholds.split(",")]
    settings = [(float(p), n == "yes", float(lr)) for p in a.pseudo_thresholds.split(",")
                for n in a.negatives.split(",") for lr in a.lrs.split(",")]
    out: dict = {"model": a.model, "unlabelled": a.unlabelled, "epochs": a.epochs, "extend_ratio": ratio,
                 "thresholds": ts, "runs": {}}

    def run(names: list[str], split: str, setting) -> dict:
        """Scores of every dataset in ``names`` after self-training at ``setting`` (None: the start model)."""
        if setting is None:
            return scores(start_cached, names, split, ts, a.limit)
        pseudo_t, negatives, lr = setting
        res: dict = {}
        for d in names:
            t0 = time.time()
            qs = pseudo_queries(start_cached, d, unlabelled(d, a.unlabelled, a.seed), pseudo_t, negatives)
            model = MetaIE.from_pretrained(a.model, device="cpu")
            model.config.extend_ratio = ratio
            r = fit(model, qs, None, TrainArgs(epochs=a.epochs, lr=lr, batch_size=a.batch_size, seed=a.seed,
                                               progress=False, resume=False, threads=a.threads))
            res[d] = scores(CachedModel(model), [d], split, ts, a.limit)[d]
            print(f"  {d} {split} {setting}: {len(qs)} queries ({sum(1 for q in qs if q.spans)} answered), "
                  f"{r.steps} steps, {time.time() - t0:.0f} s: {res[d]}", file=sys.stderr, flush=True)
        return res

    grid = [None, *settings]
    for setting in grid:
        key = "start" if setting is None else "pseudo {} neg {} lr {}".format(*setting)
        res = run(dev, "dev", setting)
        out["runs"][key] = {"setting": setting, "dev": res, "dev_mean": setting_means(res, dev)}
        print(f"{key}: dev mean {out['runs'][key]['dev_mean']}", file=sys.stderr, flush=True)
    best = max(out["runs"], key=lambda k: max(out["runs"][k]["dev_mean"].values()))
    for key in dict.fromkeys(["start", best]) if test else []:
        r = out["runs"][key]
        t = max(r["dev_mean"], key=lambda k: r["dev_mean"][k])
        r["test"] = run(test, "test", r["setting"])
        r["test_mean"] = setting_means(r["test"], test)
        r.update(chosen_threshold=t, test_at_chosen=r["test_mean"][t])
    out["chosen"] = best
    print("| run | dev mean (best threshold) | test average at dev's threshold |")
    print("|---|---:|---:|")
    for key, r in out["runs"].items():
        test_txt = f"{r['test_at_chosen']:.1f} ({r['chosen_threshold']})" if "test" in r else "–"
        print(f"| {key} | {max(r['dev_mean'].values()):.1f} | {test_txt} |")
    if a.json:
        write_json(a.json, out)


if __name__ == "__main__":
    sys.exit(main())
