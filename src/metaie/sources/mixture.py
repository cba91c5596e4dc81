"""Meta-training sources and their mixture.

A source is named as on the command line (``metaie train --data``):

- ``FILE.jsonl`` — a distillation set (``metaie distill`` output, or ``metaie import``);
- ``bundled`` / ``bundled:ner`` / ``bundled:open`` — the LLM-made sets of the data root;
- ``human:DS,...`` / ``human-except:DS,...`` — public datasets' human annotations as every stage's
  label-to-span queries (groups: ``crossner``, ``mit``);
- ``text:PATH`` — teacher-free next-token-extraction records from raw text (a file, a folder, or a data-root
  dataset name such as ``text:web_text_samples``).

``SOURCE@WEIGHT`` multiplies that source's training queries (``@0.5`` half of them, ``@2`` two passes); a YAML
mixture file says the same with more knobs::

    sources:
      - source: bundled
        weight: 0.6
      - source: human-except:crossner,mit
        queries: 25000            # exactly this many training queries (overrides weight)
        max_per_dataset: 2000     # records drawn from each dataset at most
      - source: text:web_text_samples
        max_records: 12000

>>> parse_source_arg("human-except:conll2003@0.5")
SourceSpec(source='human-except:conll2003', weight=0.5, queries=None, max_records=None, max_per_dataset=None)
"""
from __future__ import annotations

import random
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ..errors import ConfigError
from ..records import Record

BUNDLED = "bundled"
TEXT = "text:"


@dataclass
class SourceSpec:
    """One meta-training source and how much of it goes into the mixture."""

    source: str
    weight: float = 1.0
    queries: int | None = None
    max_records: int | None = None
    max_per_dataset: int | None = None

    def validate(self, where: str = "--data") -> SourceSpec:
        if not isinstance(self.source, str) or not self.source.strip():
            raise ConfigError(f"{where}: 'source' must be a non-empty string")
        checks = [(isinstance(self.weight, (int, float)) and self.weight > 0, "weight", "a number > 0"),
                  (self.queries is None or (isinstance(self.queries, int) and self.queries >= 1), "queries",
                   "an integer >= 1"),
                  (self.max_records is None or (isinstance(self.max_records, int) and self.max_records >= 1),
                   "max_records", "an integer >= 1"),
                  (self.max_per_dataset is None or (isinstance(self.max_per_dataset, int)
                                                    and self.max_per_dataset >= 1), "max_per_dataset",
                   "an integer >= 1")]
        for ok, key, want in checks:
            if not ok:
                raise ConfigError(f"{where}: source {self.source!r}: {key!r} must be {want}")
        return self

    @property
    def kind(self) -> str:
        from .human import parse_source
        if self.source == BUNDLED or self.source.startswith(BUNDLED + ":"):
            return "bundled"
        if self.source.startswith(TEXT):
            return "text"
        if parse_source(self.source) is not None:
            return "human"
        return "jsonl"


def parse_source_arg(arg: str) -> SourceSpec:
    """``SOURCE`` or ``SOURCE@WEIGHT`` from the command line."""
    src, sep, w = arg.rpartition("@")
    if not sep:
        return SourceSpec(arg).validate()
    try:
        weight = float(w)
    except ValueError:
        if Path(arg).exists():  # a file name holding '@'
            return SourceSpec(arg).validate()
        raise ConfigError(f"--data {arg!r}: the weight after '@' must be a number, e.g. {src}@0.5") from None
    return SourceSpec(src, weight).validate()


def load_mixture(path: str | Path) -> list[SourceSpec]:
    """Source specs of a YAML mixture file (``sources:`` list, or a bare list)."""
    import yaml
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"--mixture {p}: no such file")
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ConfigError(f"--mixture {p}: not valid YAML ({str(e).splitlines()[0]})") from None
    items = doc.get("sources") if isinstance(doc, dict) else doc
    if isinstance(doc, dict) and set(doc) - {"sources"}:
        raise ConfigError(f"--mixture {p}: unknown key(s) {sorted(set(doc) - {'sources'})}; only 'sources'")
    if not isinstance(items, list) or not items:
        raise ConfigError(f"--mixture {p}: expected 'sources:' with a list of sources")
    known = {f.name for f in fields(SourceSpec)}
    out = []
    for n, item in enumerate(items, 1):
        where = f"--mixture {p}, source {n}"
        if isinstance(item, str):
            item = {"source": item}
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: expected a mapping with 'source' (and weight, queries, ...)")
        bad = set(item) - known
        if bad:
            raise ConfigError(f"{where}: unknown key(s) {sorted(bad)}; known: {sorted(known)}")
        if "source" not in item:
            raise ConfigError(f"{where}: missing 'source'")
        out.append(SourceSpec(**item).validate(where))
    return out


def _text_path(name: str, data_root: str | None) -> Path:
    p = Path(name).expanduser()
    if p.exists():
        return p
    from ..datasets.root import dataset_dir
    d = dataset_dir(name, data_root)
    if not d.exists():
        raise ConfigError(f"--data text:{name}: no such file, folder or data-root dataset ({d})")
    return d


def load_source(spec: SourceSpec, data_root: str | None = None, sentences: bool = True,
                seed: int = 42) -> tuple[list[Record], dict]:
    """The records of one source and what was read (for the manifest)."""
    kind = spec.kind
    info: dict = {}
    if kind == "bundled":
        from .bundled import build_bundled
        group = spec.source.split(":", 1)[1] if ":" in spec.source else None
        recs, rep = build_bundled(data_root, sentences=sentences, seed=seed, group=group)
        info = {k: v for k, v in rep.to_dict().items() if k != "imports"}
    elif kind == "text":
        from .text import text_records
        recs, info = text_records(_text_path(spec.source[len(TEXT):], data_root), seed=seed)
    elif kind == "human":
        from .human import human_records, parse_source
        recs, info = human_records(parse_source(spec.source) or [], data_root, spec.max_per_dataset, seed)
    else:
        from .distill_set import load_records
        recs = load_records(spec.source)
    if spec.max_records is not None and len(recs) > spec.max_records:
        keep = sorted(random.Random(seed).sample(range(len(recs)), spec.max_records))
        recs = [recs[i] for i in keep]
    return recs, info


def spec_dict(spec: SourceSpec) -> dict:
    return {k: v for k, v in asdict(spec).items() if v is not None}
