"""How many gold answers of the public datasets the decoder's edge trim would change (``trim_separators``).

Every stage's gold queries of each dataset's split are checked: a gold span that the trim would shorten is a
true positive the trim could turn into an error, so the count bounds what the trim can cost.

    python bench/gold_edges.py --split test
"""
from __future__ import annotations

import argparse

import _data  # noqa: F401  (puts ../src first on the path)

from metaie.datasets import load_split
from metaie.datasets.schemas import task_schema
from metaie.model.decoding import trim_separators
from metaie.sources.human import PUBLIC
from metaie.tasks.base import training_queries
from metaie.tasks.registry import make_adapter


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="test")
    ap.add_argument("--datasets", default=",".join(PUBLIC))
    a = ap.parse_args()
    total = changed = 0
    print("| dataset | gold spans | changed by the trim | examples |\n|---|---:|---:|---|")
    for d in a.datasets.split(","):
        adapter = make_adapter(task_schema(d, None, None, None))
        n, hit = 0, []
        for ex in load_split(d, a.split, None):
            for q in training_queries(adapter, ex):
                for s in q.spans:
                    n += 1
                    if trim_separators(ex.text, s.start, s.end) != (s.start, s.end):
                        hit.append(ex.text[s.start:s.end])
        total, changed = total + n, changed + len(hit)
        print(f"| {d} | {n:,} | {len(hit)} | {'; '.join(repr(h[:40]) for h in hit[:3])} |")
    print(f"| **all** | {total:,} | {changed} | |")


if __name__ == "__main__":
    main()
