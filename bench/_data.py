"""Texts for the benchmark scripts, read through the package's own loaders; data stays outside the repo."""
from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from metaie.datasets.registry import load_split  # noqa: E402

ZERO_SHOT_TEST = ["crossner_ai", "crossner_literature", "crossner_music", "crossner_politics", "crossner_science",
                  "mit_movie", "mit_restaurant"]
"""The zero-shot benchmark's test sets (CrossNER x5 + MIT x2)."""
LEAVE_OUT_DEV = ["conll2003", "wnut2017", "jnlpba"]
"""Dev sets that choose a leave-out zero-shot start point's settings: it never saw them, and they are not
evaluated, so no CrossNER or MIT data is read before the test."""


def setting_means(scores: dict, names: list[str]) -> dict:
    """Each setting's F1 averaged over the datasets ``names`` (``scores[dataset][setting]``; the settings of the
    first dataset).

    >>> setting_means({"a": {"x": 40.0, "y": 10.0}, "b": {"x": 50.0, "y": 20.0}}, ["a", "b"])
    {'x': 45.0, 'y': 15.0}
    """
    return {k: round(statistics.mean(scores[d][k] for d in names), 2) for k in scores[names[0]]}


def print_test_table(columns: list[str], rows: list[tuple[list, str]], test: dict, test_mean: dict) -> None:
    """A markdown table of zero-shot test F1: ``columns`` first, then one column per ``ZERO_SHOT_TEST`` set and
    their average; one row per (its first cells, the setting whose scores in ``test[dataset][setting]`` it
    shows)."""
    print("| " + " | ".join(columns + ZERO_SHOT_TEST) + " | test average |")
    print("|---|" + "---:|" * (len(columns) + len(ZERO_SHOT_TEST)))
    for cells, k in rows:
        print("| " + " | ".join([str(c) for c in cells] + [f"{test[d][k]:.1f}" for d in ZERO_SHOT_TEST])
              + f" | **{test_mean[k]:.1f}** |")


def conll_sentences(n: int, split: str = "test") -> list[str]:
    """The first ``n`` CoNLL-2003 sentences of ``split`` (train, dev or test) as plain text."""
    return [ex.text for ex in load_split("conll2003", split)[:n]]


def label_names(n: int) -> list[str]:
    """``n`` distinct entity-type names: the 391 Pile-NER types of ``pilener_391_bio/label.txt`` (most frequent
    first; person, organization, location, date, ...), lower-cased."""
    from metaie.datasets.root import dataset_dir
    path = dataset_dir("pilener_391_bio") / "label.txt"
    names = list(dict.fromkeys(x.strip().lower() for x in path.read_text(encoding="utf-8").splitlines() if x.strip()))
    if n > len(names):
        raise SystemExit(f"{path} has {len(names)} labels, fewer than the {n} asked for")
    return names[:n]


def model_from_args(ap):
    """Parse ``ap`` with the options of every script that scores one model (``--extend-ratio``, ``--threads``,
    ``--json``) added, set the threads, and load the ``model`` argument's model on the CPU, decoding at
    ``--extend-ratio`` where given (fold P's metaie.json predates it). Returns (the parsed arguments, the model)."""
    from metaie.model.tagger import MetaIE
    from metaie.threads import set_threads
    ap.add_argument("--extend-ratio", type=float, default=None,
                    help="decode at this extend ratio (default: the model's own)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default=None, help="write the results here")
    a = ap.parse_args()
    set_threads(a.threads)
    model = MetaIE.from_pretrained(a.model, device="cpu")
    if a.extend_ratio is not None:
        model.config.extend_ratio = a.extend_ratio
    return a, model
