"""Package a trained meta-model for shipping: fp16 safetensors, ``metaie.json``, ``manifest.json`` and a model
card (sources and their licences, recipe, scores, limits).

    python scripts/ship_model.py models/metaie-minilm src/metaie/resources/models/metaie-minilm \
        --scores results/zeroshot-fold/scores.json
"""
from __future__ import annotations

import json
from pathlib import Path

from ..jsonl import read_json

LICENCES = {  # as each data folder's SOURCE.txt states it
    "bundled": "Pile-NER-type annotations via the SLIMER repository (Apache-2.0 repository; the Pile-NER-type card "
               "says CC BY-NC 4.0), GLiNER's example data (Apache-2.0 repository), MetaIE's distillation sample (no "
               "licence file in its repository)",
    "human": "the public benchmark datasets' training splits, each under its own terms: see each folder's SOURCE.txt",
    "text": "WikiText-2 (CC BY-SA 3.0), Dolma's CC test sample (Apache-2.0 repository, Common Crawl text), Cuckoo's "
            "C4 example (C4: ODC-BY)",
    "jsonl": "the user's own distillation set",
}


def to_fp16(src: str | Path, dst: str | Path) -> Path:
    """Re-save a metaie model directory with fp16 weights (loading computes in fp32 again)."""
    from .tagger import MetaIE
    m = MetaIE.from_pretrained(src, device="cpu")
    net = m.model
    assert net is not None  # the torch backend
    net.half()
    manifest = read_json(Path(src) / "manifest.json") if (Path(src) / "manifest.json").is_file() else {}
    out = m.save_pretrained(dst, extra={"manifest.json": manifest})
    net.float()
    return out


def model_card(manifest: dict, scores: dict | None = None, name: str = "metaie-minilm") -> str:
    """A README.md for a shipped model from its training manifest and measured scores."""
    settings = manifest.get("settings", {})
    lines = [f"# {name}", "", "A label-to-span meta-model: give it any label and a text, it tags the spans that "
             "answer the label (B/I/O over the text tokens). MiniLM-L6 (22M parameters, uncased), weights in fp16.",
             "", "## Training sources", "", "| source | kind | records | training queries | licence |",
             "|---|---|---:|---:|---|"]
    for s in manifest.get("data", {}).get("sources", []):
        lines.append(f"| `{s.get('source')}` | {s.get('kind')} | {s.get('records')} | {s.get('queries_used')} | "
                     f"{LICENCES.get(s.get('kind', ''), '')} |")
    lines += ["", "Respect each source's licence; the Pile-NER-type data is CC BY-NC 4.0 on its card "
              "(non-commercial).", "",
              "## Recipe", "",
              f"- backbone `{manifest.get('backbone')}`, windows of {manifest.get('max_length')} tokens "
              f"(stride {manifest.get('stride')}), negative ratio {manifest.get('neg_ratio')}",
              f"- {settings.get('epochs')} epoch(s), lr {settings.get('lr')}, batch {settings.get('batch_size')}, "
              f"{settings.get('schedule')} schedule, warm-up {settings.get('warmup_ratio')}, "
              f"seed {settings.get('seed')}",
              f"- {manifest.get('steps')} steps, {manifest.get('meta_train_seconds', manifest.get('seconds'))} s on "
              f"{manifest.get('threads')} CPU thread(s), peak memory {manifest.get('peak_memory_mb')} MB",
              f"- held-out span F1 on its own held-out queries: {manifest.get('best_f1')}", ""]
    if scores:
        lines += ["## Scores", "", "```json", json.dumps(scores, indent=2, ensure_ascii=False), "```", ""]
    lines += ["## Limits", "",
              "- English, uncased; trained on sentences of up to 96 tokens (longer texts are windowed).",
              "- Zero-shot it finds entity-like spans for open labels; relation, event and sentiment queries work "
              "best after a few shots of fine-tuning (`metaie finetune --model metaie-minilm`).",
              "- Scores above are on seeded 200-example test samples on a CPU, see docs/results.md.", ""]
    return "\n".join(lines)


def ship(src: str | Path, dst: str | Path, scores: dict | None = None, name: str = "metaie-minilm") -> Path:
    """fp16 copy of ``src`` at ``dst`` with its model card."""
    out = to_fp16(src, dst)
    manifest = read_json(Path(out) / "manifest.json")
    (Path(out) / "README.md").write_text(model_card(manifest, scores, name), encoding="utf-8")
    return out
