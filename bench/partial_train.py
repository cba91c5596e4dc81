"""Meta-train with partly annotated records: no loss on the words a record does not know (an issue-10 experiment).

A WordNet-typed record (``bench/wordnet_source.py``) marks the cities WordNet knows and cannot say whether the
other names of its sentence are cities. Trained as is, such a query teaches "an unknown name is not a city", and
zero-shot recall fell 13.8 points (docs/results.md, session 22). This runs ``metaie train`` with its arguments
unchanged, except that every query built from a record of ``--unknown FILE`` (a JSONL whose records list
``unknown`` character ranges) gets the ignore target, not "outside", on the tokens of those ranges. Its positive
spans and the words it does know (function words, verbs, the trusted nouns of other types) still teach as before.

    METAIE_DATA=../shared/data python bench/partial_train.py --unknown models/wordnet-partial.jsonl \\
        --mixture bench/mixtures/fold-p-wordnet-partial-15k.yaml --out models/fold-p-wordnet-partial-15k \\
        --epochs 1 --lr 1e-4 --batch-size 32 --max-length 96 --stride 24 --threads 2

The counts of what was ignored go into the saved model's manifest (``partial``). The run resumes like any
``metaie train`` run; its resume identity does not record the masking, so give it an output folder of its own.
"""
from __future__ import annotations

import sys

from _train import run_train

from metaie.jsonl import read_jsonl  # noqa: E402
from metaie.model import tagger  # noqa: E402
from metaie.model.encoding import IGNORE, O  # noqa: E402
from metaie.training import meta  # noqa: E402


def main(argv: list[str]) -> None:
    if "--unknown" not in argv[:-1]:
        raise SystemExit("partial_train.py: --unknown FILE (records with 'unknown' ranges) is required")
    i = argv.index("--unknown")
    path = argv[i + 1]
    del argv[i:i + 2]
    unknown = {obj["text"]: [tuple(r) for r in obj.get("unknown", [])] for _, obj in read_jsonl(path)}
    counts = {"queries_marked": 0, "tokens_ignored": 0, "tokens_kept_outside": 0}
    build = meta.build_queries

    def marking_build(records, *args, **kw):
        queries = build(records, *args, **kw)
        texts = {r.text for r in records}
        if texts and texts <= unknown.keys():   # the partly annotated source's own call
            for q in queries:  # on the query itself: an id() would be reused once unsampled queries are freed
                q._unknown = unknown[q.text]
            counts["queries_marked"] += len(queries)
        return queries

    windows_of = tagger.MetaIE.training_windows

    def masked_windows(self, queries, seed=0):
        wins = windows_of(self, queries, seed)
        for w in wins:
            ranges = getattr(queries[w.query], "_unknown", None)
            if not ranges or w.labels is None:
                continue
            for p, (s, e) in zip(w.text_positions, w.text_offsets):
                if w.labels[p] == O:
                    if any(a < e and s < b for a, b in ranges):
                        w.labels[p] = IGNORE
                        counts["tokens_ignored"] += 1
                    else:
                        counts["tokens_kept_outside"] += 1
        return wins

    meta.build_queries = marking_build  # type: ignore[assignment]
    tagger.MetaIE.training_windows = masked_windows  # type: ignore[method-assign]
    manifest = run_train(argv, lambda: {"partial": {"unknown_file": path, **counts}})
    if manifest is not None:
        print(f"partial annotation: {counts} ({manifest})")


if __name__ == "__main__":
    main(sys.argv[1:])
