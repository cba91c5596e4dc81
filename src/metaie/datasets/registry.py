"""Named datasets (folders under the data root) and format sniffing for a user's own folder.

>>> spec, folder = resolve("conll04", root="/nonexistent") if False else (DATASETS["conll04"], None)
>>> spec.task, sorted(spec.files)
('re', ['dev', 'test', 'train'])
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataFormatError
from ..tasks.structures import Example
from . import absa, brat, casie, columns, sniff, spert, srl
from .root import data_root

# A reader maps (file or folder, id prefix) to examples, or to (examples, its report) when it has one to give
# (JNLPBA's standoff alignment, CASIE's offset repairs): the report is returned, never kept aside.
Reader = Callable[[Path, str], "list[Example] | tuple[list[Example], Any]"]


def _bio(tag_first: bool | None = None) -> Reader:
    def load(path: Path, prefix: str) -> list[Example]:
        tf = columns.sniff_tag_first(path) if tag_first is None else tag_first
        return columns.read_bio(path, tag_first=tf, prefix=prefix)
    return load


def _standoff(path: Path, prefix: str) -> tuple[list[Example], brat.AlignmentReport]:
    return brat.read_standoff_dir(path, prefix=prefix)


def _casie(split: str) -> Reader:
    def load(path: Path, prefix: str) -> tuple[list[Example], casie.CasieReport]:
        return casie.read_casie(path, split)
    return load


def _qasrl(split: str) -> Callable[[Path, str], list[Example]]:
    def load(path: Path, prefix: str) -> list[Example]:
        out = []
        for domain in ("wikinews", "wikipedia"):
            g = path / "data" / "gold" / f"{domain}.{split}.gold.csv"
            s = path / "data" / "sentences" / f"{domain}.{split}.full.csv"
            if g.exists():
                out += srl.read_qasrl(g, s, prefix=f"{prefix}{domain}:")
        return out
    return load


def _json_ie(path: Path, prefix: str) -> list[Example]:
    head = path.read_text(encoding="utf-8")[:4000]
    if '"entity_mentions"' in head or '"event_mentions"' in head:
        return spert.read_oneie(path)
    if '"sentences"' in head:
        return spert.read_dygie(path)
    if '"tokens"' in head and '"entities"' in head:
        return spert.read_spert(path, prefix=prefix)
    raise DataFormatError("JSON in none of the known IE formats (SpERT, OneIE, DyGIE++)", path=path)


@dataclass
class DatasetSpec:
    """A dataset: its task, folder under the data root, and per split a file (or folder) and a reader."""

    name: str
    task: str
    folder: str
    files: dict[str, str]
    reader: Reader | dict[str, Reader]
    note: str = ""
    few_shot_from: str = "train"
    extra: dict = field(default_factory=dict)

    def read(self, folder: Path, split: str) -> list[Example]:
        """The examples of ``split``."""
        return self.read_report(folder, split)[0]

    def read_report(self, folder: Path, split: str) -> tuple[list[Example], Any]:
        """The examples of ``split`` and its reader's report (None when the reader gives none)."""
        if split not in self.files:
            raise ConfigError(f"dataset {self.name!r} has no split {split!r}; its splits are {sorted(self.files)}")
        target = folder / self.files[split] if self.files[split] else folder
        if not target.exists():
            raise ConfigError(f"split {split!r} of {self.name!r} is missing: expected {target}")
        reader = self.reader[split] if isinstance(self.reader, dict) else self.reader
        got = reader(target, f"{self.name}:{split}:")
        return got if isinstance(got, tuple) else (got, None)


def _three(names: tuple[str, str, str]) -> dict[str, str]:
    return dict(zip(("train", "dev", "test"), names))


DATASETS: dict[str, DatasetSpec] = {}


def _add(spec: DatasetSpec) -> None:
    DATASETS[spec.name] = spec


_add(DatasetSpec("conll2003", "ner", "conll2003", _three(("eng.train", "eng.testa", "eng.testb")), _bio(False)))
_add(DatasetSpec("wnut2017", "ner", "wnut2017",
                 _three(("wnut17train.conll", "emerging.dev.conll", "emerging.test.annotated")), _bio(False)))
_add(DatasetSpec("jnlpba", "ner", "jnlpba", _three(("standoff/train", "cambridgeltl_bio_split/devel.tsv",
                                                    "original-data/test/Genia4EReval1.iob2")),
                 {"train": _standoff, "dev": _bio(False), "test": _bio(False)},
                 note="train converted from brat standoff; dev (cambridgeltl) is carved out of train"))
for _d in ("movie", "restaurant"):
    _add(DatasetSpec(f"mit_{_d}", "ner", f"mit_movie_restaurant/{_d}", {"train": "train.txt", "test": "test.txt"},
                     _bio(True)))
for _d in ("ai", "literature", "music", "politics", "science"):
    _add(DatasetSpec(f"crossner_{_d}", "ner", f"crossner/{_d}", _three(("train.txt", "dev.txt", "test.txt")),
                     _bio(False)))
_add(DatasetSpec("conll04", "re", "conll04", _three(("train_triples.json", "dev_triples.json", "test_triples.json")),
                 spert.read_spert))
for _k in range(10):
    _add(DatasetSpec(f"ade_fold{_k}", "re", "ade", {"train": f"raw/ade_split_{_k}_train.json",
                                                    "test": f"raw/ade_split_{_k}_test.json"}, spert.read_spert))
DATASETS["ade"] = DatasetSpec("ade", "re", "ade", dict(DATASETS["ade_fold0"].files), spert.read_spert,
                              note="fold 0 of 10; ade_fold0..ade_fold9 for cross-validation")
_add(DatasetSpec("casie", "ee", "casie", {"train": "", "dev": "", "test": ""},
                 {s: _casie(s) for s in ("train", "dev", "test")}, note=casie.__doc__.split("\n\n")[1]))
for _d in ("laptop14", "rest14"):
    _add(DatasetSpec(_d, "absa", f"semeval14_absa_e2e/{_d}", _three(("train.txt", "dev.txt", "test.txt")),
                     absa.read_absa_e2e))
for _d in ("14lap", "14res"):
    _add(DatasetSpec(f"aste_{_d}", "aste", f"aste_v2/{_d}",
                     _three(("train_triplets.txt", "dev_triplets.txt", "test_triplets.txt")), absa.read_aste))
_add(DatasetSpec("qasrl", "srl", "qasrl_gs", {"dev": "", "test": ""}, {s: _qasrl(s) for s in ("dev", "test")},
                 note="QA-SRL gold has no train split: few-shot examples are sampled from dev", few_shot_from="dev"))
_add(DatasetSpec("ace2005", "ee", "ace2005", _three(("train.json", "dev.json", "test.json")), _json_ie,
                 note="user-supplied (licensed): OneIE or DyGIE++ JSON lines"))
for _v in ("2005", "2012"):
    _add(DatasetSpec(f"conll{_v}_srl", "srl", f"conll{_v}_srl", _three(("train.txt", "dev.txt", "test.txt")),
                     (lambda v: lambda p, pre: srl.read_conll_srl(p, f"conll{v}", prefix=pre))(_v),
                     note="user-supplied (licensed) CoNLL SRL columns"))


def _sniff(folder: Path) -> DatasetSpec:
    """Guess the format of a user's folder from its file names and first lines."""
    name = folder.name
    files = {p.name for p in folder.iterdir()} if folder.is_dir() else set()

    def first(n: str) -> str:
        try:
            with open(folder / n, encoding="utf-8") as f:
                return f.read(2000)
        except OSError:
            return ""
    if "eng.train" in files:
        return DatasetSpec(name, "ner", "", dict(DATASETS["conll2003"].files), _bio(False))
    if "train_triples.json" in files:
        return DatasetSpec(name, "re", "", dict(DATASETS["conll04"].files), spert.read_spert)
    if (folder / "raw" / "ade_split_0_train.json").exists():
        return DatasetSpec(name, "re", "", dict(DATASETS["ade_fold0"].files), spert.read_spert)
    if (folder / "data" / "annotation").is_dir() or (folder / "annotation").is_dir():
        return DatasetSpec(name, "ee", "", dict(DATASETS["casie"].files), DATASETS["casie"].reader)
    if "train_triplets.txt" in files:
        return DatasetSpec(name, "aste", "", dict(DATASETS["aste_14lap"].files), absa.read_aste)
    if (folder / "data" / "gold").is_dir():
        return DatasetSpec(name, "srl", "", dict(DATASETS["qasrl"].files), DATASETS["qasrl"].reader,
                           few_shot_from="dev")
    if (folder / "standoff" / "train").is_dir():
        return DatasetSpec(name, "ner", "", dict(DATASETS["jnlpba"].files), DATASETS["jnlpba"].reader)
    sp = sniff.find_splits(files, sniff.JSON_EXTS)
    if "train" in sp or "test" in sp:
        head = first(sp.get("train") or sp["test"])
        task = "ee" if "event" in head else "re"
        return DatasetSpec(name, task, "", sp, _json_ie)
    sp = sniff.find_splits(files, sniff.TEXT_EXTS)
    if "train" in sp or "test" in sp:
        path = folder / (sp.get("train") or sp["test"])
        lines = sniff.head_lines(path)
        fmt = sniff.text_format(lines, path)
        if fmt == "aste":
            return DatasetSpec(name, "aste", "", sp, absa.read_aste)
        if fmt == "absa":
            return DatasetSpec(name, "absa", "", sp, absa.read_absa_e2e)
        if fmt == "srl":
            layout = "conll2012" if len(next(x for x in lines if x.strip()).split()) >= 12 else "conll2005"
            return DatasetSpec(name, "srl", "", sp, lambda p, pre: srl.read_conll_srl(p, layout, prefix=pre))
        return DatasetSpec(name, "ner", "", sp, _bio(None))
    raise DataFormatError("unknown dataset format: no split file found; looked for "
                          f"{sniff.looked_for()} (CoNLL NER columns, ABSA/ASTE '####' lines, CoNLL SRL columns, "
                          "SpERT/OneIE/DyGIE JSON), eng.train, train_triples.json, train_triplets.txt, CASIE "
                          "annotation/, QA-SRL data/gold/ or brat standoff/", path=folder)


USER_HELD = {"ace2005", "conll2005_srl", "conll2012_srl"}  # licensed: never downloaded


def resolve(data: str | os.PathLike, root: str | os.PathLike | None = None) -> tuple[DatasetSpec, Path]:
    """A dataset name (registered, under the data root) or a folder path -> (spec, folder)."""
    s = str(data)
    if s in DATASETS:
        spec = DATASETS[s]
        folder = data_root(root) / spec.folder
        if not folder.exists():
            top = spec.folder.split("/")[0]
            how = (f"it is licensed and not downloadable: put your own copy in {top}/" if top in USER_HELD
                   else f"or run `metaie data download {top}`")
            raise ConfigError(f"dataset {s!r} not found at {folder}: set --data-root / METAIE_DATA to the folder "
                              f"holding {top}/, {how}")
        return spec, folder
    path = Path(s)
    if path.is_dir():
        if path.name in DATASETS and DATASETS[path.name].folder == path.name:
            return DATASETS[path.name], path
        return _sniff(path), path
    raise ConfigError(f"--data {s!r} is neither a known dataset ({', '.join(sorted(DATASETS))}) nor a folder")


def load_split(data: str | os.PathLike, split: str, root: str | os.PathLike | None = None) -> list[Example]:
    """Examples of one split of a dataset given by name or folder.

    >>> load_split.__name__
    'load_split'
    """
    spec, folder = resolve(data, root)
    return spec.read(folder, split)


def split_names(data: str | os.PathLike, root: str | os.PathLike | None = None) -> list[str]:
    """Splits a dataset offers."""
    return sorted(resolve(data, root)[0].files)
