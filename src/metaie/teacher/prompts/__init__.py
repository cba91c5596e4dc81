"""Versioned prompt templates: built-in YAML files named by version, or a user's own template file.

A template holds ``messages`` (role/content, ``{sentence}`` marks the sentence), an optional ``primer``
that opens the answer, and the ``answer_format`` the parser expects (``label-span`` or ``entity-type``).

>>> t = load_template("metaie-v1")
>>> t.render("Tom was born in Paris.")[-1]["content"].splitlines()[1]
'Tom was born in Paris.'
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from ...errors import ConfigError

FORMATS = ("label-span", "entity-type")
PRIMER_MODES = ("append", "prefix", "none")


@dataclass(frozen=True)
class PromptTemplate:
    """A prompt template; ``version`` names its cache namespace."""

    version: str
    messages: tuple = field(default_factory=tuple)
    primer: str = ""
    answer_format: str = "label-span"

    def render(self, sentence: str, primer_mode: str = "append") -> list[dict[str, str]]:
        """Chat messages for one sentence; the primer is appended to the last user turn (``append``),
        opens an assistant turn to be continued (``prefix``), or is left out (``none``)."""
        if primer_mode not in PRIMER_MODES:
            raise ConfigError(f"unknown primer mode {primer_mode!r}: use one of {', '.join(PRIMER_MODES)}")
        msgs = [{"role": m["role"], "content": m["content"].replace("{sentence}", sentence)} for m in self.messages]
        if self.primer and primer_mode == "append":
            msgs[-1] = {"role": msgs[-1]["role"], "content": msgs[-1]["content"] + "\n" + self.primer}
        elif self.primer and primer_mode == "prefix":
            msgs.append({"role": "assistant", "content": self.primer})
        return msgs


def builtin_versions() -> list[str]:
    """Names of the built-in templates.

    >>> builtin_versions()
    ['metaie-v1', 'ner-v1']
    """
    return sorted(p.name[:-5] for p in resources.files(__name__).iterdir() if p.name.endswith(".yaml"))


def _parse(text: str, where: str, version: str | None) -> PromptTemplate:
    try:
        obj = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"prompt template {where} is not valid YAML: {e}") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("messages"), list) or not obj["messages"]:
        raise ConfigError(f"prompt template {where} needs a 'messages' list of {{role, content}}")
    for m in obj["messages"]:
        if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant") \
                or not isinstance(m.get("content"), str):
            raise ConfigError(f"prompt template {where}: each message needs role system|user|assistant and content")
    if not any("{sentence}" in m["content"] for m in obj["messages"]):
        raise ConfigError(f"prompt template {where}: no message contains the {{sentence}} placeholder")
    fmt = obj.get("answer_format", "label-span")
    if fmt not in FORMATS:
        raise ConfigError(f"prompt template {where}: answer_format must be one of {', '.join(FORMATS)}")
    return PromptTemplate(version=version or str(obj.get("version", "")),
                          messages=tuple(dict(m) for m in obj["messages"]),
                          primer=str(obj.get("primer") or ""), answer_format=fmt)


def load_template(name_or_path: str | Path) -> PromptTemplate:
    """A built-in template by version (``metaie-v1``, ``ner-v1``) or a user's YAML file.

    A user template's version is its declared ``version`` (else the file name) plus a hash of the
    file, so editing the file always starts a new cache namespace.
    """
    name = str(name_or_path)
    if name in builtin_versions():
        text = resources.files(__name__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
        t = _parse(text, name, None)
        if t.version != name:
            raise ConfigError(f"built-in template {name}.yaml declares version {t.version!r}")
        return t
    path = Path(name)
    if not path.is_file():
        raise ConfigError(f"--prompt {name!r} is neither a built-in template ({', '.join(builtin_versions())}) "
                          "nor a template file")
    text = path.read_text(encoding="utf-8")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    declared = _parse(text, str(path), None).version or path.stem
    return _parse(text, str(path), f"{declared}@{digest}")
