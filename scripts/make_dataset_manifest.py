#!/usr/bin/env python
"""Regenerate src/metaie/resources/datasets.json from a data root's local copies and their SOURCE.txt files.

For every dataset folder: each file's relative path, size, sha256 (from the local copy) and public URL
(a raw.githubusercontent.com URL at the commit SOURCE.txt names), plus licence and citation lines.
The repo-path -> staged-path mapping is parsed from SOURCE.txt's "Paths copied" line; OVERRIDES below
pin the files that SOURCE.txt describes only in free text. A file no rule maps gets "url": null.

    python scripts/make_dataset_manifest.py [--data-root DIR] [--out FILE] [--check]
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from metaie.datasets.download import sha256_file

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "src" / "metaie" / "resources" / "datasets.json"
RAW = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"
KEYS = ("Dataset", "Repository", "Commit", "Snapshot HEAD", "Paths copied", "Format", "Splits & sizes",
        "License as stated", "Citation", "Notes", "File", "What it is", "Which LLM", "Files", "Included here")


@dataclass(frozen=True)
class Src:
    """An explicit source for one staged file: repository, path in it, and the commit (None: SOURCE.txt's)."""
    repo: str
    path: str
    commit: str | None = None


# Files whose repo path SOURCE.txt gives only in free text (or ambiguously), keyed by staged path.
OVERRIDES: dict[str, dict[str, Src]] = {
    # "readme.md ; ner2idx.json ; rel2idx.json" sit beside the data in PFN's data/<DATASET>/ folder.
    "ade": {f: Src("Coopercoppers/PFN", f"data/ADE/{f}") for f in ("readme.md", "ner2idx.json", "rel2idx.json")},
    "conll04": {f: Src("Coopercoppers/PFN", f"data/CONLL04/{f}")
                for f in ("readme.md", "ner2idx.json", "rel2idx.json")},
    # "cc_en_head-0091.jsonl, cc_en_head-0174.jsonl (+LICENSE)": the second name is in the first's folder,
    # LICENSE is dolma's root licence; "{valid,test}.txt, README" share the wikitext-2 folder.
    "web_text_samples": {
        "dolma_cc_en_sample/cc_en_head-0174.jsonl": Src("allenai/dolma",
                                                        "tests/data/multiple_files/cc_en_head-0174.jsonl"),
        "dolma_cc_en_sample/LICENSE": Src("allenai/dolma", "LICENSE"),
        "wikitext2_tokenized/README": Src("pytorch/examples", "word_language_model/data/wikitext-2/README"),
    },
    # Free-text SOURCE.txt: file list with blob ids and commits.
    "gliner_sample": {"sample_data.json": Src("urchade/GLiNER", "examples/sample_data.json")},
    "pilener_391_bio": {
        # dev.txt was later removed from HEAD; the commit that introduced it holds the blob (label.txt too).
        "dev.txt": Src("andrewzamai/SLIMER", "src/SLIM-GNER/data/391xALL_BIO/dev.txt",
                       "60bb3fd9591a6226d35f0dbbe533e5fe98a422d3"),
        "label.txt": Src("andrewzamai/SLIMER", "src/SLIM-GNER/data/391xALL_BIO/label.txt",
                         "60bb3fd9591a6226d35f0dbbe533e5fe98a422d3"),
        "sentences_per_ne_type.json": Src("andrewzamai/SLIMER",
                                          "src/data_handlers/questions/pileNER/sentences_per_ne_type.json"),
    },
}

# Citation / licence lines where SOURCE.txt has none in "Key: value" form.
CITATIONS = {
    "gliner_sample": "Zaratiana, Tomeh, Holat, Charnois (2024), \"GLiNER: Generalist Model for Named Entity "
                     "Recognition using Bidirectional Transformer\", NAACL 2024; "
                     "Pile-NER: Zhou et al. (2024) UniversalNER.",
    "pilener_391_bio": "Zhou et al. (2024) UniversalNER (Pile-NER); Zamai et al. (2024) SLIMER, arXiv:2407.01272.",
}


def parse_source(text: str) -> dict[str, str]:
    """SOURCE.txt "Key: value" lines (continuation lines appended) -> {key: value}."""
    out: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        keys = "|".join(re.escape(k) for k in KEYS)
        m = re.match(rf"^({keys})(?: \([^)]*\))?:\s*(.*)$", line)
        if m:
            key = m.group(1)
            out[key] = m.group(2).strip()
        elif not line.strip():
            key = None
        elif key is not None:
            out[key] = (out[key] + " " + line.strip()).strip()
    return out


def parse_repos(info: dict[str, str]) -> dict[str, str]:
    """{"owner/name": commit} from the Repository and Commit / Snapshot HEAD lines."""
    line = info.get("Repository", "").replace("https://github.com/", "")
    names = re.findall(r"(?<![\w/])([\w.-]+/[\w.-]*\w)(?=[\s;+(]|$)", line)
    names = [n for n in dict.fromkeys(names)]
    commit_line = info.get("Commit") or info.get("Snapshot HEAD") or ""
    shas = re.findall(r"(?:([\w./-]+)\s+)?\b([0-9a-f]{40})\b", commit_line)
    repos: dict[str, str] = {}
    if len(names) == 1 and len(shas) == 1:
        return {names[0]: shas[0][1]}
    for label, sha in shas:
        match = [n for n in names if label and _alias_matches(label, n)]
        if len(match) != 1:
            raise ValueError(f"cannot tell which repository commit {sha} belongs to ({commit_line!r})")
        repos[match[0]] = sha
    return repos


def _alias_matches(token: str, repo: str) -> bool:
    token = token.rstrip(":").lower()
    owner, name = repo.lower().split("/")
    return token in (repo.lower(), owner, name)


def brace_expand(pattern: str) -> list[str]:
    """Shell-style {a,b} and {0..9} expansion.

    >>> brace_expand("a_{0..1}_{x,y}.json")
    ['a_0_x.json', 'a_0_y.json', 'a_1_x.json', 'a_1_y.json']
    """
    m = re.search(r"\{([^{}]*)\}", pattern)
    if not m:
        return [pattern]
    body = m.group(1)
    rng = re.fullmatch(r"(\d+)\.\.(\d+)", body)
    if rng:
        alts = [str(i) for i in range(int(rng.group(1)), int(rng.group(2)) + 1)]
    else:
        alts = [a.strip() for a in body.split(",")]
    return [e for a in alts for e in brace_expand(pattern[:m.start()] + a + pattern[m.end():])]


def _split_top(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "{"
        depth -= ch == "}"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [p.strip() for p in parts + [cur] if p.strip()]


@dataclass
class Clause:
    repo: str
    patterns: list[str]
    prefix: str  # staged-path prefix the target names ("raw/", "bartabsa_pengb_json/", "")


def parse_paths(line: str, repos: dict[str, str]) -> list[Clause]:
    """Clauses of a "Paths copied" line: "[REPO] a, b/{x,y}/*.txt -> target/ ; c ; ..."."""
    line = re.sub(r"\(\+([^)]*)\)", r", \1", line)        # "(+README.md)" lists one more file
    line = re.sub(r"\([^)]*\)", "", line)                  # other parentheses are comments
    default = next(iter(repos))
    clauses = []
    for clause in line.split(";"):
        clause = clause.strip()
        if not clause:
            continue
        repo = default
        first, _, rest = clause.partition(" ")
        hits = [r for r in repos if _alias_matches(first, r)]
        if rest and len(hits) == 1:
            repo, clause = hits[0], rest.strip()
        src, _, target = clause.partition("->")
        target = target.strip()
        prefix = target.split("<")[0] if target.endswith("/") else ""
        patterns = [re.sub(r"<[^>]*>", "*", p) for item in _split_top(src.replace(" and ", ","))
                    for p in brace_expand(item)]
        clauses.append(Clause(repo, patterns, prefix))
    return clauses


def match(staged: str, clauses: list[Clause]) -> set[tuple[str, str]]:
    """All (repo, repo path) a staged path can come from: its tail matches a pattern's tail."""
    found = set()
    for c in clauses:
        if not staged.startswith(c.prefix):
            continue
        fparts = staged[len(c.prefix):].split("/")
        for pat in c.patterns:
            rparts = pat.split("/")
            if len(fparts) <= len(rparts) and all(
                    fnmatch.fnmatchcase(f, r) for f, r in zip(fparts, rparts[-len(fparts):])):
                found.add((c.repo, "/".join(rparts[:-len(fparts)] + fparts)))
    return found



def short(text: str | None, limit: int = 400) -> str | None:
    if not text:
        return None
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


def licence_of(text: str, info: dict[str, str]) -> str | None:
    if info.get("License as stated"):
        return short(info["License as stated"])
    m = re.search(r"^License as stated:\s*\n((?:.+\n?)+)", text, re.M)   # free-text form: a bullet list
    return short(m.group(1).replace("\n- ", " ").lstrip("- ")) if m else None


def dataset_entry(folder: Path, problems: list[str]) -> dict:
    text = (folder / "SOURCE.txt").read_text(encoding="utf-8")
    info = parse_source(text)
    repos = parse_repos(info)
    clauses = parse_paths(info.get("Paths copied", ""), repos) if info.get("Paths copied") else []
    overrides = OVERRIDES.get(folder.name, {})
    files = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel == "SOURCE.txt":
            continue
        entry = {"path": rel, "size": path.stat().st_size, "sha256": sha256_file(path), "url": None}
        if rel in overrides:
            o = overrides[rel]
            commit = o.commit or repos.get(o.repo)
            if commit is None:
                raise ValueError(f"{folder.name}/{rel}: no commit for override repository {o.repo}")
            entry["url"] = RAW.format(repo=o.repo, commit=commit, path=o.path)
        else:
            hits = match(rel, clauses)
            if len(hits) == 1:
                (repo, rpath), = hits
                entry["url"] = RAW.format(repo=repo, commit=repos[repo], path=rpath)
            else:
                why = "no rule in SOURCE.txt maps it" if not hits else f"ambiguous: {sorted(hits)}"
                problems.append(f"{folder.name}/{rel}: {why}")
                entry["note"] = f"obtain by hand: see SOURCE.txt ({', '.join(repos) or 'source not stated'})"
        files.append(entry)
    return {
        "repositories": [{"repository": f"https://github.com/{r}", "commit": c} for r, c in repos.items()],
        "license": licence_of(text, info),
        "citation": short(info.get("Citation")) or CITATIONS.get(folder.name),
        "size": sum(f["size"] for f in files),
        "source_txt": text,
        "files": files,
    }


def build(root: Path) -> tuple[dict, list[str]]:
    problems: list[str] = []
    datasets = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and (p / "SOURCE.txt").is_file()):
        datasets[folder.name] = dataset_entry(folder, problems)
    return {"format": 1, "generated_by": "scripts/make_dataset_manifest.py", "datasets": datasets}, problems


def dumps(manifest: dict) -> str:
    """JSON with one file per line: readable diffs, modest size."""
    lines = ["{", f' "format": {manifest["format"]},', f' "generated_by": {json.dumps(manifest["generated_by"])},',
             ' "datasets": {']
    names = list(manifest["datasets"])
    for i, name in enumerate(names):
        d = manifest["datasets"][name]
        lines.append(f"  {json.dumps(name)}: {{")
        for k, v in d.items():
            if k != "files":
                lines.append(f"   {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},")
        lines.append('   "files": [')
        lines += [f"    {json.dumps(f, ensure_ascii=False)}" + ("," if j < len(d['files']) - 1 else "")
                  for j, f in enumerate(d["files"])]
        lines.append("   ]")
        lines.append("  }" + ("," if i < len(names) - 1 else ""))
    lines += [" }", "}", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-root", help="folder holding the dataset folders (default: metaie's data root)")
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--check", action="store_true", help="exit 1 if --out differs from the regenerated manifest")
    args = ap.parse_args(argv)
    if args.data_root:
        root = Path(args.data_root)
    else:
        sys.path.insert(0, str(REPO_ROOT / "src"))
        from metaie.datasets.root import data_root
        root = data_root()
    manifest, problems = build(root)
    for p in problems[:20]:
        print(f"warning: {p}; recorded with url null", file=sys.stderr)
    if len(problems) > 20:
        print(f"warning: ... and {len(problems) - 20} more without a URL", file=sys.stderr)
    text = dumps(manifest)
    out = Path(args.out)
    if args.check:
        same = out.is_file() and json.loads(out.read_text(encoding="utf-8")) == json.loads(text)
        print("manifest up to date" if same else f"manifest {out} differs from {root}")
        return 0 if same else 1
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    n = sum(len(d["files"]) for d in manifest["datasets"].values())
    print(f"wrote {out}: {len(manifest['datasets'])} datasets, {n} files, {len(problems)} without a URL")
    return 0


if __name__ == "__main__":
    sys.exit(main())
