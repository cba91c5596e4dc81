"""The main job on embedded defaults: meta-train MiniLM-L6 on a sample of the bundled data, then extract."""
from __future__ import annotations

from pathlib import Path

from rich.console import Console

from .display import highlight
from .training.args import TrainArgs

DEMO = [
    ("Tom Hanks was born in Concord, California, in 1956 and later moved to Los Angeles.",
     ["person", "location", "date"]),
    ("Apple reported revenue of $89.5 billion for the fourth quarter, CEO Tim Cook said on Thursday.",
     ["company", "money", "person", "date"]),
    ("Aspirin is commonly used to treat headaches and may reduce the risk of heart attack.",
     ["drug", "disease", "medical condition"]),
    ("The Eiffel Tower in Paris attracts nearly seven million visitors a year.",
     ["landmark", "city", "number"]),
]


def _show(con: Console, model, title: str) -> list:
    con.rule(title)
    answers = model.extract_batch([t for t, _ in DEMO], [labs for _, labs in DEMO], threshold=0.5)
    for (text, labels), spans in zip(DEMO, answers):
        con.print(f"[dim]labels: {', '.join(labels)}[/]")
        con.print(highlight(text, spans, labels))
    return answers


def quickstart(out: str | Path = "models/quickstart", records: int = 1500, epochs: int = 2,
               batch_size: int = 32, lr: float = 3e-4, data_root: str | None = None,
               backbone: str | None = None, console: Console | None = None, seed: int = 42,
               train: bool = True) -> dict:
    """Extract open labels from demo sentences with the shipped meta-model (when this install has it), then
    show the method: meta-train on ``records`` bundled sentences, save to ``out``, extract again."""
    from .errors import ModelLoadError
    from .model.hub import DEFAULT_MODEL
    from .model.tagger import MetaIE
    from .training.meta import meta_train

    con = console or Console()
    con.rule("[bold]metaie quickstart")
    report: dict = {}
    try:
        shipped = MetaIE.from_pretrained(DEFAULT_MODEL)
    except ModelLoadError as e:
        con.print(f"[yellow]no shipped model: {e}[/]")
    else:
        answers = _show(con, shipped, f"open-label extraction with the shipped meta-model ({DEFAULT_MODEL})")
        report["shipped_spans"] = [[s.to_dict() for s in sp] for sp in answers]
        con.print("Try your own: metaie extract --labels \"person,location\" \"Your text here.\"")
    if not train:
        return report
    con.rule("the method, in minutes: meta-train a small model yourself")
    con.print(f"meta-training {backbone or 'the embedded all-MiniLM-L6-v2'} on {records} sentences of the bundled "
              f"LLM-made label-to-span data, {epochs} epoch(s), batch {batch_size}")
    args = TrainArgs(epochs=epochs, batch_size=batch_size, lr=lr, warmup_ratio=0.06, seed=seed,
                     checkpoint_every=50, eval_batch_size=128)
    result = meta_train(["bundled"], out, args, backbone=backbone, dev_fraction=0.05, max_records=records,
                        max_length=64, stride=16, data_root=data_root, max_dev_queries=300)
    f1 = f"{result.best_f1:.3f}" if result.best_f1 is not None else "n/a"
    con.print(f"saved to [bold]{out}[/]: held-out span F1 {f1}, {result.steps} steps in {result.seconds:.0f} s")
    answers = _show(con, MetaIE.from_pretrained(out), "open-label extraction with the model just trained")
    con.print(f"\nTry it: metaie extract --model {out} --labels \"person,location\" \"Your text here.\"")
    return {**report, "best_f1": result.best_f1, "steps": result.steps, "seconds": result.seconds, "out": str(out),
            "spans": [[s.to_dict() for s in sp] for sp in answers]}
