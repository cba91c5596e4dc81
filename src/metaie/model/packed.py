"""Packed mode: one encoder pass reads a text together with many labels, and tags every text token for each.

A window is ``[CLS] [LBL] label1 [LBL] label2 ... [SEP] text [SEP]``: the labels, each after a marker token
(a special token added to the tokenizer), are the first segment (the *prefix*); the text is the second. A
label's vector is the mean of the encoder's outputs over its marker and its tokens; a small head scores every
(token, label) pair into O/B/I:

    logits[t, l, c] = scale_c * cos(token_head(h_t)_c, label_head(mean h[marker(l) .. end(l)])_c) + token_tag(h_t)_c

``token_tag`` (a linear O/B/I layer on the token alone, as in per-label mode, starting at zero) says how
span-like a token is whatever the label; the cosine says which labels it answers (unit vectors: a raw dot
product of two fresh projections starts near zero and learnt the label-dependent part too slowly to be of use
in a CPU-sized meta-training, see docs/results.md).

Attention: the prefix attends to the prefix only, a text token to the prefix and its own text. Positions: the
prefix counts from 0 ([CLS]), a text from 1, as if it followed a [CLS] of its own — so a text is read at the
same positions however many labels precede it. So the prefix does not depend on the text, and texts that ask
the same labels share one window at inference: ``[CLS] prefix [SEP] text1 [SEP] text2 [SEP] ...`` (each text's
outputs are those of its own window, up to float rounding); the prefix is paid once for them all. A window
holds at most ``label_budget + max_length`` tokens.

Labels beyond ``label_budget`` prefix tokens go in further chunks (another prefix); a long text is cut into the
same overlapping pieces as in per-label mode, each read with the label prefix. The outputs become per-(text,
label) token probabilities, so decoding, the overlap rule, offsets and word snapping are the per-label mode's
(:mod:`metaie.model.tagger`).

Training packs a text's queries (its positive labels and negatives, from the same query builder) into examples:
labels in shuffled order, 1..``pack_labels`` per pack (drawn per pack), optionally topped up towards that size
with absent labels drawn by frequency (at most ``pack_fill`` per label of the text's own; 0, the default, none),
so the model sees varied label counts and positions; the packs are drawn afresh each epoch. The new scoring head
learns at ``head_lr_scale`` times the encoder's learning rate.

The directory is a plain Hugging Face encoder directory (``config.json``, ``model.safetensors``, tokenizer with
the marker) plus ``packed_head.safetensors`` (the scoring head) and ``metaie.json`` with ``"mode": "packed"``.
"""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..errors import ConfigError, ModelLoadError
from ..records import Query, Span
from .backbone import DEFAULT_BACKBONE, load_tokenizer, resolve_backbone
from .encoding import IGNORE, check_template, tags_for
from .runner import TorchRunner
from .tagger import MetaConfig, MetaIE, merge_parts

HEAD_FILE = "packed_head.safetensors"


@dataclass
class Part:
    """One text piece of a packed window: which queries its label slots answer, and where its tokens are.

    ``slots[j]`` lists the queries (indices into the encoded query list) that label slot ``j`` answers for this
    text (more than one when the same (label, text) was asked twice); ``tags[j]`` holds slot ``j``'s target per
    text token (training).
    """

    text: int                                   # index of the text group
    slots: list[list[int]]
    text_positions: list[int]                   # positions (in the window) of its text tokens
    text_offsets: list[tuple[int, int]]         # their character offsets in the text
    tags: list[list[int]] | None = field(default=None)


@dataclass
class PackedWindow:
    """One packed model input: a label prefix (the marker position and end of each label) and one or more text
    pieces, each with its own segment number (0: the prefix) and positions as if it were alone."""

    input_ids: list[int]
    token_type_ids: list[int] | None
    segment_ids: list[int]
    position_ids: list[int]
    label_positions: list[int]                  # each label's marker
    label_ends: list[int]                       # one past each label's last token
    parts: list[Part]

    def __len__(self) -> int:
        return len(self.input_ids)

    @property
    def prefix_length(self) -> int:
        return self.segment_ids.index(1) if 1 in self.segment_ids else len(self.segment_ids)

    def append(self, other: PackedWindow) -> None:
        """Add ``other``'s text piece(s) after this window's (same prefix): a new segment each, same positions."""
        p, at = other.prefix_length, len(self.input_ids)
        top = max(self.segment_ids)
        self.input_ids += other.input_ids[p:]
        if self.token_type_ids is not None and other.token_type_ids is not None:
            self.token_type_ids += other.token_type_ids[p:]
        self.segment_ids += [s + top for s in other.segment_ids[p:]]
        self.position_ids += other.position_ids[p:]
        for part in other.parts:
            self.parts.append(Part(part.text, part.slots, [i - p + at for i in part.text_positions],
                                   part.text_offsets, part.tags))


@dataclass
class _Slot:
    label: str
    queries: list[int]
    spans: list[Span] | None = None


def pack_queries(queries: Sequence[Query], seed: int, pack_labels: int, fill: float
                 ) -> tuple[list[tuple[str, list[Query]]], dict]:
    """Training packs: each text's queries in shuffled order, cut into packs of 1..``pack_labels`` labels (the
    size drawn per pack), a label at most once per pack; a pack is then topped up towards its drawn size with
    labels absent from the text (drawn by their frequency in ``queries``), as negatives, at most ``fill`` of them
    per query of its own (0: none). Deterministic in ``seed``.

    >>> qs = [Query("person", "Tom ran", [Span(0, 3, "person", "Tom")]), Query("date", "Tom ran", [])]
    >>> packs, info = pack_queries(qs, seed=0, pack_labels=4, fill=0)
    >>> sorted(q.label for _, p in packs for q in p), info["queries"]
    (['date', 'person'], 2)
    """
    rng = random.Random(seed)
    groups: dict[str, list[Query]] = {}
    for q in queries:
        groups.setdefault(q.text, []).append(q)
    freq = Counter(q.label for q in queries)
    pool, weights = list(freq), list(freq.values())
    packs: list[tuple[str, list[Query]]] = []
    filled = 0
    for text, qs in groups.items():
        qs = list(qs)
        rng.shuffle(qs)
        present = {q.label for q in qs}
        while qs:
            size = rng.randint(1, pack_labels)
            pack: list[Query] = []
            rest: list[Query] = []
            seen: set[str] = set()
            for q in qs:
                if len(pack) < size and q.label not in seen:
                    pack.append(q)
                    seen.add(q.label)
                else:
                    rest.append(q)
            qs = rest
            tries = 0
            size = min(size, len(pack) + int(fill * len(pack)))
            while len(pack) < size and tries < 20 * size:
                tries += 1
                lab = rng.choices(pool, weights)[0]
                if lab in present or lab in seen:
                    continue
                seen.add(lab)
                pack.insert(rng.randint(0, len(pack)), Query(lab, text, []))
                filled += 1
            packs.append((text, pack))
    n = sum(len(p) for _, p in packs)
    info = {"texts": len(groups), "packs": len(packs), "queries": len(queries), "fill_negatives": filled,
            "mean_labels_per_pack": round(n / len(packs), 2) if packs else 0.0, "pack_labels": pack_labels,
            "fill": fill}
    return packs, info


class PackedEncoder:
    """Turns text groups (a text with its label slots) into packed windows; label token counts are cached."""

    def __init__(self, tokenizer, config: MetaConfig):
        self.tok, self.cfg = tokenizer, config
        self.marker = config.label_marker
        self.marker_id = tokenizer.convert_tokens_to_ids(self.marker)
        if self.marker_id is None or self.marker_id == tokenizer.unk_token_id:
            raise ModelLoadError(f"the tokenizer has no label marker token {self.marker!r} (a packed model's "
                                 "tokenizer carries it; was the directory saved by metaie?)")
        self.specials = tokenizer.num_special_tokens_to_add(pair=True)
        self.room = config.max_length - self.specials
        if self.room < 8:
            raise ConfigError(f"max_length={config.max_length} leaves {self.room} tokens for text: raise max_length")
        self.window_cap = config.label_budget + config.max_length
        self._cost: dict[str, int] = {}

    def _label_cost(self, label: str) -> int:
        """Prefix tokens a label takes (its marker included)."""
        c = self._cost.get(label)
        if c is None:
            text = self.cfg.query_template.format(label=label)
            c = 1 + len(self.tok(text, add_special_tokens=False)["input_ids"])
            if c > self.cfg.label_budget:
                raise ConfigError(f"label {label!r} takes {c} prefix tokens, more than label_budget="
                                  f"{self.cfg.label_budget}: shorten the label or raise label_budget")
            self._cost[label] = c
        return c

    def chunks(self, slots: Sequence[_Slot]) -> list[list[_Slot]]:
        """Label slots in order, cut where the prefix would pass ``label_budget`` tokens."""
        out: list[list[_Slot]] = []
        used = self.cfg.label_budget + 1
        for s in slots:
            c = self._label_cost(s.label)
            if used + c > self.cfg.label_budget:
                out.append([])
                used = 0
            out[-1].append(s)
            used += c
        return out

    def encode(self, groups: Sequence[tuple[str, Sequence[_Slot]]], with_tags: bool = False,
               share: bool = True) -> list[PackedWindow]:
        """Windows of every (text, label chunk): one tokenizer call per prefix length (so each piece's text room
        is ``max_length`` whatever else is encoded with it); with ``share``, pieces with the same prefix then share
        windows of up to ``label_budget + max_length`` tokens."""
        jobs: list[tuple[int, str, str, list[_Slot]]] = []
        for g, (text, slots) in enumerate(groups):
            for chunk in self.chunks(slots):
                prefix = " ".join(f"{self.marker} {self.cfg.query_template.format(label=s.label)}" for s in chunk)
                jobs.append((g, text, prefix, chunk))
        by_len: dict[int, list[int]] = {}
        prefixes = list(dict.fromkeys(j[2] for j in jobs))
        plen = dict(zip(prefixes, map(len, self.tok(prefixes, add_special_tokens=False)["input_ids"]))) \
            if prefixes else {}
        for k, job in enumerate(jobs):
            by_len.setdefault(plen[job[2]], []).append(k)
        per_job: list[list[PackedWindow]] = [[] for _ in jobs]
        stride = min(self.cfg.stride, self.room // 2)
        for n_prefix, ks in by_len.items():
            enc = self.tok([jobs[k][2] for k in ks], [jobs[k][1] for k in ks], truncation="only_second",
                           max_length=n_prefix + self.cfg.max_length, stride=stride,
                           return_overflowing_tokens=True, return_offsets_mapping=True, padding=False)
            has_tt = "token_type_ids" in enc
            for w, local in enumerate(enc["overflow_to_sample_mapping"]):
                g, _, _, chunk = jobs[ks[local]]
                seq_ids = enc.sequence_ids(w)
                ids = list(enc["input_ids"][w])
                offs = enc["offset_mapping"][w]
                markers = [i for i, sid in enumerate(seq_ids) if sid == 0 and ids[i] == self.marker_id]
                if len(markers) != len(chunk):
                    raise ConfigError(f"a label contains the marker token {self.marker!r} or lost it to "
                                      f"tokenization ({len(markers)} markers for {len(chunk)} labels)")
                prefix_end = seq_ids.index(None, 1) if None in seq_ids[1:] else len(seq_ids)
                ends = markers[1:] + [prefix_end]
                pos = [i for i, sid in enumerate(seq_ids) if sid == 1 and offs[i][1] > offs[i][0]]
                part = Part(text=g, slots=[list(s.queries) for s in chunk], text_positions=pos,
                            text_offsets=[tuple(offs[i]) for i in pos])
                if with_tags:
                    part.tags = [[t for t in tags_for(len(ids), pos, part.text_offsets, s.spans or [])
                                  if t != IGNORE] for s in chunk]
                win = PackedWindow(input_ids=ids, token_type_ids=list(enc["token_type_ids"][w]) if has_tt else None,
                                   segment_ids=[0 if i <= prefix_end else 1 for i in range(len(ids))],
                                   position_ids=list(range(prefix_end + 1)) + list(range(1, len(ids) - prefix_end)),
                                   label_positions=markers, label_ends=ends,
                                   parts=[part])
                per_job[ks[local]].append(win)
        windows = [w for ws in per_job for w in ws]
        return self._share(windows) if share else windows

    def _share(self, windows: list[PackedWindow]) -> list[PackedWindow]:
        """Windows with the same prefix merged, in order, while they fit ``label_budget + max_length`` tokens."""
        out: list[PackedWindow] = []
        open_by_prefix: dict[tuple[int, ...], PackedWindow] = {}
        for w in windows:
            key = tuple(w.input_ids[:w.prefix_length])
            host = open_by_prefix.get(key)
            if host is not None and len(host) + len(w) - w.prefix_length <= self.window_cap:
                host.append(w)
                continue
            out.append(w)
            open_by_prefix[key] = w
        return out


def group_queries(labels: Sequence[str], texts: Sequence[str]) -> list[tuple[str, list[_Slot]]]:
    """Queries grouped by text in first-seen order; a (label, text) asked twice is one slot answering both.

    >>> [(t, [(s.label, s.queries) for s in ss]) for t, ss in group_queries(["a", "b", "a"], ["x", "x", "x"])]
    [('x', [('a', [0, 2]), ('b', [1])])]
    """
    groups: dict[str, dict[str, _Slot]] = {}
    for i, (lab, text) in enumerate(zip(labels, texts)):
        slots = groups.setdefault(text, {})
        if lab in slots:
            slots[lab].queries.append(i)
        else:
            slots[lab] = _Slot(lab, [i])
    return [(t, list(s.values())) for t, s in groups.items()]


def collate_packed(windows: Sequence[PackedWindow], pad_id: int, with_labels: bool = False) -> dict[str, torch.Tensor]:
    """Pad a batch of packed windows to its longest window and its largest label count (padding: segment -1)."""
    n, width = len(windows), max(len(w) for w in windows)
    k = max(len(w.label_positions) for w in windows)
    ids = torch.full((n, width), pad_id, dtype=torch.long)
    seg = torch.full((n, width), -1, dtype=torch.long)
    pos = torch.zeros((n, width), dtype=torch.long)
    lpos = torch.zeros((n, k), dtype=torch.long)
    lend = torch.ones((n, k), dtype=torch.long)
    tt = torch.zeros((n, width), dtype=torch.long) if windows[0].token_type_ids is not None else None
    lab = torch.full((n, width, k), IGNORE, dtype=torch.long) if with_labels else None
    for i, w in enumerate(windows):
        L = len(w)
        ids[i, :L] = torch.tensor(w.input_ids)
        seg[i, :L] = torch.tensor(w.segment_ids)
        pos[i, :L] = torch.tensor(w.position_ids)
        lpos[i, :len(w.label_positions)] = torch.tensor(w.label_positions)
        lend[i, :len(w.label_ends)] = torch.tensor(w.label_ends)
        if tt is not None:
            tt[i, :L] = torch.tensor(w.token_type_ids)
        for part in w.parts:
            if lab is not None and part.tags is not None and part.text_positions:
                t = torch.tensor(part.tags, dtype=torch.long).T          # (text tokens, labels)
                lab[i, part.text_positions, :t.shape[1]] = t
    batch = {"input_ids": ids, "segment_ids": seg, "position_ids": pos}
    if tt is not None:
        batch["token_type_ids"] = tt
    batch["label_positions"], batch["label_ends"] = lpos, lend
    if lab is not None:
        batch["labels"] = lab
    return batch


@dataclass
class PackedOutput:
    logits: torch.Tensor                 # (batch, sequence, labels, 3)
    loss: torch.Tensor | None = None


def _ffn(width: int, out: int, dropout: float) -> torch.nn.Sequential:
    return torch.nn.Sequential(torch.nn.Linear(width, width), torch.nn.GELU(), torch.nn.Dropout(dropout),
                               torch.nn.Linear(width, out))


class PackedNet(torch.nn.Module):
    """An encoder and the (token, label) -> O/B/I scoring head (see the module docstring)."""

    def __init__(self, encoder, head_dim: int, share_prefix: bool = True):
        super().__init__()
        self.share_prefix = share_prefix
        width = encoder.config.hidden_size
        dropout = float(getattr(encoder.config, "hidden_dropout_prob", 0.1) or 0.0)
        self.encoder = encoder
        self.config = encoder.config
        self.head_dim = head_dim
        self.token_head = _ffn(width, 3 * head_dim, dropout)
        self.label_head = _ffn(width, 3 * head_dim, dropout)
        # the (token, label) score is a cosine times a learnt scale per class: unit vectors give the pair score a
        # useful gradient from the first step (a raw dot product of two fresh projections starts near zero and
        # learns which labels a token answers only slowly, so the label-independent part wins)
        self.scale = torch.nn.Parameter(torch.full((3,), 5.0))
        self.token_tag = torch.nn.Linear(width, 3)       # label-independent O/B/I evidence of a token
        torch.nn.init.zeros_(self.token_tag.weight)
        with torch.no_grad():
            self.token_tag.bias.copy_(torch.tensor([2.0, 0.0, 0.0]))   # O first: a fresh head says "nothing"

    def head_state(self) -> dict[str, torch.Tensor]:
        return {k: v for k, v in self.state_dict().items() if not k.startswith("encoder.")}

    def forward(self, input_ids, segment_ids, position_ids, label_positions, label_ends, token_type_ids=None,
                labels=None) -> PackedOutput:
        extra = {"token_type_ids": token_type_ids} if token_type_ids is not None else {}
        # a token attends to the prefix (segment 0) and to its own segment; padding (-1) to the prefix only;
        # without a shared prefix (one text per window) the prefix reads the text too
        key = segment_ids.unsqueeze(1)
        if self.share_prefix:
            allowed = ((key == 0) | (key == segment_ids.unsqueeze(2))) & (key >= 0)
        else:
            allowed = (key >= 0).expand(-1, segment_ids.shape[1], -1)
        mask = torch.zeros(allowed.shape, dtype=torch.float32, device=input_ids.device)
        mask = mask.masked_fill(~allowed, torch.finfo(torch.float32).min).unsqueeze(1)
        h = self.encoder(input_ids=input_ids, attention_mask=mask, position_ids=position_ids, **extra).last_hidden_state
        b, s, width = h.shape
        k = label_positions.shape[1]
        # mean over [marker, end) of each label, from a running sum: sum = cs[end - 1] - cs[marker - 1]
        cs = torch.cumsum(h, dim=1)
        hi = torch.gather(cs, 1, (label_ends - 1).unsqueeze(-1).expand(b, k, width))
        lo = torch.gather(cs, 1, (label_positions - 1).clamp(min=0).unsqueeze(-1).expand(b, k, width))
        lo = lo * (label_positions > 0).unsqueeze(-1).to(lo.dtype)
        lab = (hi - lo) / (label_ends - label_positions).clamp(min=1).unsqueeze(-1).to(h.dtype)
        tok = self.token_head(h).reshape(b, s, 3, self.head_dim).transpose(1, 2)           # (b, 3, s, d)
        lv = self.label_head(lab).reshape(b, k, 3, self.head_dim).permute(0, 2, 3, 1)      # (b, 3, d, k)
        tok = torch.nn.functional.normalize(tok, dim=-1)
        lv = torch.nn.functional.normalize(lv, dim=-2)
        logits = torch.matmul(tok, lv).permute(0, 2, 3, 1) * self.scale + self.token_tag(h).unsqueeze(2)
        loss = None
        if labels is not None:
            loss = torch.nn.functional.cross_entropy(logits.float().reshape(-1, 3), labels.reshape(-1),
                                                     ignore_index=IGNORE)
        return PackedOutput(logits=logits, loss=loss)


def _load_encoder(path: str):
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        return AutoModel.from_pretrained(path, dtype=torch.float32)
    except Exception as e:
        msg = str(e).strip().splitlines()
        raise ModelLoadError(f"cannot load an encoder from {path!r}: {msg[0] if msg else type(e).__name__}") from None
    finally:
        hf_logging.set_verbosity(verbosity)


def _max_positions(encoder) -> int | None:
    n = getattr(encoder.config, "max_position_embeddings", None)
    return int(n) if isinstance(n, int) and n > 0 else None


def load_packed_runner(directory: Path, cfg: MetaConfig, device: str | None) -> TorchRunner:
    """The torch network of a packed model directory: its encoder plus ``packed_head.safetensors``."""
    from safetensors.torch import load_file
    head = directory / HEAD_FILE
    if not head.is_file():
        raise ModelLoadError(f"{directory}: metaie.json says mode 'packed' but {HEAD_FILE} is missing")
    net = PackedNet(_load_encoder(str(directory)), cfg.head_dim, cfg.share_prefix)
    state = {k: v.float() for k, v in load_file(str(head)).items()}
    missing = set(net.head_state()) - set(state)
    if missing or set(state) - set(net.head_state()):
        raise ModelLoadError(f"{head}: head weights do not match head_dim={cfg.head_dim} "
                             f"(missing {sorted(missing)[:3]})")
    try:
        net.load_state_dict(state, strict=False)
    except RuntimeError as e:
        raise ModelLoadError(f"{head}: {str(e).splitlines()[0]}") from None
    return TorchRunner(net, device)


class PackedMetaIE(MetaIE):
    """A :class:`~metaie.model.tagger.MetaIE` whose windows each hold a text and many labels (packed mode).

    Everything a caller uses is the same (``extract``, ``extract_batch``, ``predict_queries``, ``plan``/``finish``,
    ``window_probs``, saving, ONNX export); a plan's windows are :class:`PackedWindow`.
    """

    repacks = True  # training draws new packs each epoch (the trainer asks for them)

    @property
    def head_lr_scale(self) -> float:
        """The multiple of the learning rate the scoring head (every parameter outside the encoder) trains at."""
        return float(self.config.head_lr_scale)

    def __init__(self, runner, tokenizer, config: MetaConfig):
        super().__init__(runner, tokenizer, config)
        self.packer = PackedEncoder(tokenizer, config)
        self.pack_report: dict | None = None

    @classmethod
    def build(cls, backbone: str | None = None, max_length: int = MetaConfig.max_length,
              stride: int = MetaConfig.stride, query_template: str = "{label}", device: str | None = None,
              seed: int = 0, label_budget: int | None = None, head_dim: int = MetaConfig.head_dim) -> PackedMetaIE:
        """A fresh packed tagger on a backbone: the marker token added to the tokenizer (its embedding drawn
        from the others' mean and covariance) and a new scoring head, all drawn from ``seed``."""
        check_template(query_template)
        path = resolve_backbone(backbone)
        tok = load_tokenizer(path)
        marker = MetaConfig.label_marker
        tok.add_special_tokens({"additional_special_tokens": [marker]})
        from transformers.utils import logging as hf_logging
        verbosity = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()  # the note that the new embedding is drawn from the others' statistics
        try:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                encoder = _load_encoder(path)
                encoder.resize_token_embeddings(len(tok))
                net = PackedNet(encoder, head_dim)
        finally:
            hf_logging.set_verbosity(verbosity)
        limit = _max_positions(encoder)
        if label_budget is None:
            label_budget = min(MetaConfig.label_budget, (limit - max_length) if limit else MetaConfig.label_budget)
        if limit is not None and label_budget + max_length > limit:
            raise ConfigError(f"label_budget {label_budget} + max_length {max_length} passes the backbone's "
                              f"{limit} positions: lower one of them")
        cfg = MetaConfig(query_template=query_template, max_length=max_length, stride=stride,
                         backbone=backbone or DEFAULT_BACKBONE, mode="packed", label_budget=label_budget,
                         label_marker=marker, head_dim=head_dim).check()
        return cls(TorchRunner(net, device), tok, cfg)

    def _save_network(self, net, directory: Path) -> None:
        from safetensors.torch import save_file
        net.encoder.save_pretrained(directory)
        save_file({k: v.detach().cpu().contiguous() for k, v in net.head_state().items()}, str(directory / HEAD_FILE))

    # ----------------------------------------------------------------- windows
    def encode(self, labels: Sequence[str], texts: Sequence[str], spans=None) -> list[PackedWindow]:  # type: ignore[override]
        """Packed windows of queries (labels[i], texts[i]): grouped by text, each text's labels in chunks."""
        if len(labels) != len(texts):
            raise ValueError("labels and texts must have the same length")
        groups = group_queries(labels, texts)
        if spans is not None:
            for _, slots in groups:
                for s in slots:
                    s.spans = list(spans[s.queries[0]])
        return self.packer.encode(groups, with_tags=spans is not None, share=self.config.share_prefix)

    def training_windows(self, queries: Sequence[Query], seed: int = 0) -> list[PackedWindow]:  # type: ignore[override]
        """Training packs of ``queries`` (see :func:`pack_queries`), encoded with their targets."""
        packs, self.pack_report = pack_queries(queries, seed, self.config.pack_labels, self.config.pack_fill)
        groups = [(text, [_Slot(q.label, [], list(q.spans)) for q in pack]) for text, pack in packs]
        windows = self.packer.encode(groups, with_tags=True, share=False)
        self.pack_report["windows"] = len(windows)
        return windows

    def collate(self, windows, with_labels: bool = False) -> dict[str, torch.Tensor]:
        return collate_packed(windows, self.pad_id, with_labels)

    def example_windows(self) -> list[PackedWindow]:  # type: ignore[override]
        """Two windows: one label and two texts sharing it; two labels and one text."""
        return self.encode(["label", "label", "label", "text"],
                           ["a longer example text for tracing the graph", "short", "other", "other"])[:2]

    # ----------------------------------------------------------------- inference
    def _window_output(self, probs: np.ndarray, window) -> np.ndarray:
        """(window tokens, labels of the window, 3)."""
        return probs[:len(window), :len(window.label_positions)]

    def merge(self, windows, probs, n_queries: int) -> list[tuple[np.ndarray, list[tuple[int, int]]]]:
        """Per query, its text tokens' probabilities and offsets: a query answered by one text piece takes them as
        they are; one answered by several (a long text) goes through the per-label mode's merge."""
        pieces: list[list[tuple[list[tuple[int, int]], np.ndarray]]] = [[] for _ in range(n_queries)]
        for w, p in zip(windows, probs):
            for part in w.parts:
                rows = p[part.text_positions]
                offs = [(int(a), int(b)) for a, b in part.text_offsets]
                for j, qs in enumerate(part.slots):
                    for q in qs:
                        pieces[q].append((offs, rows[:, j]))
        out: list[tuple[np.ndarray, list[tuple[int, int]]]] = []
        for got in pieces:
            if len(got) == 1:
                out.append((got[0][1], got[0][0]))
            elif not got:
                out.append((np.zeros((0, 3), dtype=np.float32), []))
            else:
                out.append(merge_parts([(0, o, pr) for o, pr in got], 1)[0])
        return out
