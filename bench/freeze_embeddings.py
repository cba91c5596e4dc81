"""Meta-train with the encoder's word embeddings frozen (an experiment for issue 10's zero-shot recall).

Runs ``metaie train`` with the given arguments, unchanged, except that the parameters whose names contain one of
``--freeze`` (default: ``word_embeddings``) get no gradient. The idea: a label the meta-model never met ("writer",
"protein") reaches the encoder through the pretrained embeddings of its word pieces. Meta-training moves the
embeddings of the words of the ~570 labels it does see, and of the words its texts hold, away from the place
pretraining gave them, relative to the words it does not see; frozen, every word keeps the pretrained geometry,
so an unseen label word stays where its neighbours' meaning put it. The frozen names are added to the saved
model's manifest (``frozen``). Freezing takes half of MiniLM-L6's 22.6M parameters out of AdamW's update.

    METAIE_DATA=../shared/data python bench/freeze_embeddings.py --mixture bench/mixtures/fold-p-full.yaml \\
        --out models/fold-p-frozen-emb --epochs 1 --lr 1e-4 --batch-size 32 --max-length 96 --stride 24 --threads 1

The run resumes like any ``metaie train`` run; its resume identity does not record the freezing, so give it an
output folder of its own. Score it with ``bench/zeroshot_thresholds.py MODEL --dev conll2003,wnut2017,jnlpba
--extend-ratios 0.5`` against fold P (docs/results.md).
"""
from __future__ import annotations

import sys

from _train import run_train

from metaie.training import trainer  # noqa: E402


def main(argv: list[str]) -> None:
    freeze = ["word_embeddings"]
    if "--freeze" in argv:
        i = argv.index("--freeze")
        freeze = [s for s in argv[i + 1].split(",") if s]
        del argv[i:i + 2]
    frozen: set[str] = set()
    setup = trainer._Run.__init__

    def frozen_setup(self, model, *args, **kw):  # before the optimiser is built: AdamW skips gradient-less params
        for name, p in model.model.named_parameters():
            if any(f in name for f in freeze):
                p.requires_grad_(False)
                frozen.add(name)
        setup(self, model, *args, **kw)

    trainer._Run.__init__ = frozen_setup  # type: ignore[method-assign]
    manifest = run_train(argv, lambda: {"frozen": sorted(frozen)} if frozen else {})
    if manifest is not None:
        print(f"froze {sorted(frozen)} ({manifest})")


if __name__ == "__main__":
    main(sys.argv[1:])
