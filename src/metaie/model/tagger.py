"""The meta-model: a label-to-span tagger over (label, text) pairs, with extraction, saving and loading.

Two modes share everything but the network and its windows: ``per_label`` (the MetaIE paper's method: one pass
per (label, text) pair, a token-classification head) and ``packed`` (:mod:`metaie.model.packed`: one pass reads
a text with many labels; ``mode`` in ``metaie.json`` says which a directory holds).
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from ..errors import ConfigError, DataFormatError, ModelLoadError
from ..jsonl import read_text, replace_dir
from ..records import Query, Span, overlap_rule
from .backbone import (
    DEFAULT_BACKBONE,
    ID2TAG,
    load_token_classifier,
    load_tokenizer,
    resolve_backbone,
)
from .decoding import decode_tokens, resolve_overlaps, snap_to_words, trim_separators
from .encoding import Window, check_template, encode
from .hub import CONFIG_NAME
from .runner import Runner, TorchRunner

if TYPE_CHECKING:
    from transformers import PreTrainedModel

FORMAT_VERSION = 1
EXTEND_RATIO = 0.5         # new models' decoding (chosen on dev splits: docs/results.md, "Decoding with hysteresis")
LEGACY_EXTEND_RATIO = 1.0  # a metaie.json written before extend_ratio existed decodes as it did then
MODES = ("per_label", "packed")


@dataclass
class MetaConfig:
    """The small metaie config stored beside the Hugging Face files of a model directory."""

    format_version: int = FORMAT_VERSION
    query_template: str = "{label}"
    tag_scheme: str = "BIO"
    max_length: int = 256
    stride: int = 64
    backbone: str = DEFAULT_BACKBONE
    labels: list[str] = field(default_factory=list)   # labels it was trained or tuned on (most frequent first)
    task: str | None = None
    mode: str = "per_label"           # per_label (one pass per label) | packed (one pass for many labels)
    # decoding: a span needs one token at the threshold; the tokens next to it join at threshold * extend_ratio
    # (1.0: every token must reach the threshold); chosen on dev splits, docs/results.md
    extend_ratio: float = EXTEND_RATIO
    # the threshold a call that names none decodes at; `metaie finetune` stores its task family's dev-chosen one
    # (metaie.tasks.registry.THRESHOLDS) or the one chosen on the data's dev split
    threshold: float = 0.5
    # labels that decode at a threshold of their own where a call names none (`metaie tune-threshold
    # --per-label` chooses them on a dev split); every other label decodes at ``threshold``
    label_thresholds: dict[str, float] = field(default_factory=dict)
    # packed mode only (metaie.model.packed): label-prefix tokens per window, the marker token before each
    # label, the width of the (token, label) scoring head, and how training packs a text's labels
    label_budget: int = 256
    label_marker: str = "[LBL]"
    head_dim: int = 128
    pack_labels: int = 16             # a training pack holds 1..pack_labels labels (drawn per pack)
    pack_fill: float = 0.0            # top a pack up to its drawn size with absent labels, at most this many per
                                      # label of the text's own queries (0: none)
    head_lr_scale: float = 10.0       # the new scoring head learns at this multiple of the learning rate
    share_prefix: bool = True         # the label prefix reads only the labels (texts asking the same labels share
                                      # one window); False: the labels also read the text (one text per window)

    @classmethod
    def load(cls, directory: Path) -> MetaConfig:
        path = directory / CONFIG_NAME
        try:
            data = json.loads(read_text(path))
        except json.JSONDecodeError as e:
            raise ModelLoadError(f"{path}: malformed JSON ({e.msg})") from None
        except DataFormatError as e:
            raise ModelLoadError(str(e)) from None
        if not isinstance(data, dict):
            raise ModelLoadError(f"{path}: expected a JSON object, found a JSON {type(data).__name__}")
        if data.get("format_version") != FORMAT_VERSION:
            raise ModelLoadError(f"{path}: format_version {data.get('format_version')!r} is not supported "
                                 f"(this metaie reads version {FORMAT_VERSION})")
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known.setdefault("extend_ratio", LEGACY_EXTEND_RATIO)
        cfg = cls(**known)
        try:
            cfg.check()
        except ConfigError as e:
            raise ModelLoadError(f"{path}: {e}") from None
        return cfg

    def check(self) -> MetaConfig:
        """Field types and the query template (only ``{label}``); ConfigError naming the field."""
        ints = {"max_length": self.max_length, "stride": self.stride, "label_budget": self.label_budget,
                "head_dim": self.head_dim, "pack_labels": self.pack_labels}
        for name, v in ints.items():
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ConfigError(f"{name} must be a non-negative integer, not {v!r}")
        if self.mode not in MODES:
            raise ConfigError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.mode == "packed":
            if self.label_budget < 2 or self.head_dim < 1 or self.pack_labels < 1:
                raise ConfigError("packed mode needs label_budget >= 2, head_dim >= 1 and pack_labels >= 1")
            if not isinstance(self.label_marker, str) or not self.label_marker.strip():
                raise ConfigError("label_marker must be a non-empty string")
            if not isinstance(self.share_prefix, bool):
                raise ConfigError(f"share_prefix must be true or false, not {self.share_prefix!r}")
            for name in ("pack_fill", "head_lr_scale"):
                v = getattr(self, name)
                if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
                    raise ConfigError(f"{name} must be a non-negative number, not {v!r}")
        if not isinstance(self.labels, list) or not all(isinstance(x, str) for x in self.labels):
            raise ConfigError("labels must be a list of strings")
        r = self.extend_ratio
        if not isinstance(r, (int, float)) or isinstance(r, bool) or not 0 < r <= 1:
            raise ConfigError(f"extend_ratio must be a number in (0, 1], not {r!r}")
        t = self.threshold
        if not isinstance(t, (int, float)) or isinstance(t, bool) or not 0 <= t <= 1:
            raise ConfigError(f"threshold must be a number in [0, 1], not {t!r}")
        if not isinstance(self.label_thresholds, dict):
            raise ConfigError("label_thresholds must be a mapping of label to threshold")
        for lab, t in self.label_thresholds.items():
            if not isinstance(lab, str) or not isinstance(t, (int, float)) or isinstance(t, bool) or not 0 <= t <= 1:
                raise ConfigError(f"label_thresholds[{lab!r}] must be a number in [0, 1], not {t!r}")
        check_template(self.query_template)
        return self


def collate(windows: Sequence[Window], pad_id: int, with_labels: bool = False) -> dict[str, torch.Tensor]:
    """Pad a batch of windows to its own longest window."""
    n, width = len(windows), max(len(w) for w in windows)
    ids = torch.full((n, width), pad_id, dtype=torch.long)
    mask = torch.zeros((n, width), dtype=torch.long)
    batch: dict[str, torch.Tensor] = {}
    tt = torch.zeros((n, width), dtype=torch.long) if windows[0].token_type_ids is not None else None
    lab = torch.full((n, width), -100, dtype=torch.long) if with_labels else None
    for i, w in enumerate(windows):
        L = len(w)
        ids[i, :L] = torch.tensor(w.input_ids)
        mask[i, :L] = 1
        if tt is not None:
            tt[i, :L] = torch.tensor(w.token_type_ids)
        if lab is not None:
            lab[i, :L] = torch.tensor(w.labels)
    batch["input_ids"], batch["attention_mask"] = ids, mask
    if tt is not None:
        batch["token_type_ids"] = tt
    if lab is not None:
        batch["labels"] = lab
    return batch


class MetaIE:
    """Extract spans for any label from any text.

    >>> m = MetaIE.from_pretrained("models/meta")                      # doctest: +SKIP
    >>> m.extract("Tom was born in Paris in 1990.", ["person", "location", "date"])  # doctest: +SKIP
    [Span(start=0, end=3, label='person', text='Tom', score=0.97), ...]
    """

    def __init__(self, runner: Runner, tokenizer, config: MetaConfig):
        self.runner = runner
        self.tokenizer = tokenizer
        self.config = config
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    @property
    def model(self) -> PreTrainedModel | None:
        """The torch network (what training and saving work on); None on another backend."""
        return getattr(self.runner, "module", None)

    @property
    def device(self) -> torch.device:
        return self.runner.device

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_backbone(cls, backbone: str | None = None, max_length: int = MetaConfig.max_length,
                      stride: int = MetaConfig.stride,
                      query_template: str = "{label}", device: str | None = None, seed: int = 0,
                      mode: str = "per_label", label_budget: int | None = None) -> MetaIE:
        """A fresh tagger on a backbone (embedded MiniLM-L6 by default) with a new O/B/I head.

        The new head is initialised from ``seed`` (the global random state is left as it was): the same
        seed gives the same starting weights. ``mode="packed"`` builds the one-pass-for-many-labels network
        (:mod:`metaie.model.packed`; ``label_budget`` label-prefix tokens per window, by default as many as the
        backbone's positions leave beside ``max_length``, at most 256).
        """
        check_template(query_template)
        if mode not in MODES:
            raise ConfigError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if mode == "packed":
            from .packed import PackedMetaIE
            return PackedMetaIE.build(backbone, max_length=max_length, stride=stride, query_template=query_template,
                                      device=device, seed=seed, label_budget=label_budget)
        path = resolve_backbone(backbone)
        tok = load_tokenizer(path)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = load_token_classifier(path, new_head=True)
        cfg = MetaConfig(query_template=query_template, max_length=max_length, stride=stride,
                         backbone=backbone or DEFAULT_BACKBONE)
        return cls(TorchRunner(model, device), tok, cfg)

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike | None = None, device: str | None = None,
                        backend: str = "torch", threads: int | None = None, variant: str | None = None) -> MetaIE:
        """Load a metaie model: a directory (Hugging Face files plus ``metaie.json``), the built-in
        ``metaie-minilm`` (the default when ``path`` is None) or a hub id ``org/name``.

        ``backend="onnx"`` runs an exported directory on ONNX Runtime (``variant`` ``fp32`` or ``int8``;
        default: the one its ``onnx.json`` names); only the runner differs.
        """
        if threads:
            torch.set_num_threads(threads)
        from .hub import resolve_model
        directory = resolve_model(path)
        if not (directory / CONFIG_NAME).exists():
            raise ModelLoadError(f"{directory} is not a metaie model directory (no {CONFIG_NAME}); to start "
                                 "from a plain encoder use `metaie train --backbone` or MetaIE.from_backbone")
        cfg = MetaConfig.load(directory)
        if backend not in ("torch", "onnx"):
            raise ConfigError(f"backend must be 'torch' or 'onnx', not {backend!r}")
        if variant is not None and backend != "onnx":
            raise ConfigError(f"variant={variant!r} picks an ONNX graph: pass backend='onnx' with it")
        if cfg.mode == "packed":
            from .packed import PackedMetaIE, load_packed_runner
            runner = (_onnx_runner(directory, threads, variant) if backend == "onnx"
                      else load_packed_runner(directory, cfg, device))
            return PackedMetaIE(runner, load_tokenizer(str(directory)), cfg)
        runner = _onnx_runner(directory, threads, variant) if backend == "onnx" else _torch_runner(directory, device)
        return cls(runner, load_tokenizer(str(directory)), cfg)

    def save_pretrained(self, path: str | os.PathLike, extra: dict | None = None) -> Path:
        """Write a plain Hugging Face token-classification directory plus ``metaie.json``, atomically."""
        net = self.model
        if net is None:
            raise ConfigError(f"a model on the {self.runner.backend} backend cannot be saved as a torch model "
                              "directory; save or export from the torch model")
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
        try:
            from transformers.utils import logging as hf_logging
            hf_logging.disable_progress_bar()
            self._save_network(net, tmp)
            self.tokenizer.save_pretrained(tmp)
            (tmp / CONFIG_NAME).write_text(json.dumps(asdict(self.config), indent=2, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
            for name, obj in (extra or {}).items():
                (tmp / name).write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            replace_dir(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return target

    def _save_network(self, net, directory: Path) -> None:
        """Write the network's Hugging Face files (a token classifier with the O/B/I head)."""
        net.config.id2label, net.config.label2id = dict(ID2TAG), {v: k for k, v in ID2TAG.items()}
        net.save_pretrained(directory)

    # ----------------------------------------------------------------- windows
    def encode(self, labels: Sequence[str], texts: Sequence[str], spans=None) -> list[Window]:
        """The windows of queries (labels[i], texts[i]); with ``spans`` (gold spans per query) their B/I/O targets."""
        return encode(self.tokenizer, labels, texts, self.config.max_length, self.config.stride,
                      self.config.query_template, spans)

    def training_windows(self, queries: Sequence[Query], seed: int = 0) -> list[Window]:
        """The windows (with targets) a training run goes over: one query's windows each in this mode."""
        return self.encode([q.label for q in queries], [q.text for q in queries], spans=[q.spans for q in queries])

    def collate(self, windows: Sequence[Window], with_labels: bool = False) -> dict[str, torch.Tensor]:
        """A padded batch of windows (and their targets with ``with_labels``)."""
        return collate(windows, self.pad_id, with_labels)

    def example_windows(self) -> list[Window]:
        """Two windows of different lengths (ONNX export traces the graph on them)."""
        return self.encode(["label", "label"], ["a longer example text for tracing the graph", "short"])[:2]

    # ----------------------------------------------------------------- inference
    def window_probs(self, windows: Sequence[Window], batch_size: int = 64) -> list[np.ndarray]:
        """O/B/I probabilities of each window's text tokens; windows are batched by length."""
        out: list[np.ndarray | None] = [None] * len(windows)
        order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
        for k in range(0, len(order), batch_size):
            idx = order[k:k + batch_size]
            probs = self.runner(self.collate([windows[i] for i in idx]))
            for row, i in enumerate(idx):
                out[i] = self._window_output(probs[row], windows[i])
        return out  # type: ignore[return-value]

    def _window_output(self, probs: np.ndarray, window: Window) -> np.ndarray:
        """One window's rows of a batch's probabilities: its text tokens' O/B/I."""
        return probs[window.text_positions]

    def merge(self, windows: Sequence[Window], probs: Sequence[np.ndarray], n_queries: int
              ) -> list[tuple[np.ndarray, list[tuple[int, int]]]]:
        """Per query: its text tokens' probabilities merged across windows, and their offsets."""
        return merge_windows(windows, probs, n_queries)

    def query_probs(self, labels: Sequence[str], texts: Sequence[str], batch_size: int = 64
                    ) -> list[tuple[np.ndarray, list[tuple[int, int]]]]:
        """Per query: probabilities of its text tokens merged across windows, and their offsets."""
        windows = self.encode(labels, texts)
        return self.merge(windows, self.window_probs(windows, batch_size), len(labels))

    def threshold_or_default(self, threshold: float | None) -> float:
        """``threshold``, or where it is None the model's own default (``config.threshold``)."""
        return self.config.threshold if threshold is None else threshold

    def label_threshold(self, label: str, threshold: float | None = None) -> float:
        """What ``label`` decodes at: ``threshold`` where a call names one (for every label), else the label's own
        (``config.label_thresholds``), else the model's default."""
        if threshold is not None:
            return threshold
        return self.config.label_thresholds.get(label, self.config.threshold)

    def own_thresholds(self, labels: Sequence[str]) -> dict[str, float]:
        """Those of ``labels`` that decode at a threshold of their own where a call names none, with it."""
        own = self.config.label_thresholds
        return {lab: own[lab] for lab in labels if lab in own}

    def predict_queries(self, queries: Sequence[Query], threshold: float | None = None, batch_size: int = 64,
                        snap_words: bool = True) -> list[list[Span]]:
        """Spans answering each query (no cross-label overlap resolution: one label per query).

        With ``snap_words`` a span whose boundary falls inside a word (a sub-token split) is widened to the
        whole word.
        """
        live = [i for i, q in enumerate(queries) if q.text.strip()]
        results: list[list[Span]] = [[] for _ in queries]
        if not live:
            return results
        qp = self.query_probs([queries[i].label for i in live], [queries[i].text for i in live], batch_size)
        for i, (probs, offs) in zip(live, qp):
            results[i] = query_spans(queries[i], probs, offs, self.label_threshold(queries[i].label, threshold),
                                     snap_words, self.config.extend_ratio)
        return results

    def plan(self, texts: Sequence[str], labels: Sequence[str] | Sequence[Sequence[str]]) -> Plan:
        """The windows an ``extract_batch`` call runs, for a caller that schedules them itself (the server)."""
        if isinstance(texts, str):
            raise TypeError("extract_batch takes a list of texts; use extract() for one text")
        per_text = _labels_per_text(labels, len(texts))
        queries = [Query(label=lab, text=t) for t, labs in zip(texts, per_text) for lab in labs]
        live = [i for i, q in enumerate(queries) if q.text.strip()]
        windows = self.encode([queries[i].label for i in live], [queries[i].text for i in live]) if live else []
        return Plan(queries, live, per_text, windows)

    def finish(self, plan: Plan, probs: Sequence[np.ndarray], threshold: float | None = None,
               overlap: str | None = None, *, allow_overlap: bool | None = None) -> list[list[Span]]:
        """Spans per text from the probabilities of ``plan.windows`` (in the same order); ``overlap`` as in
        ``extract``."""
        rule = overlap_rule(overlap, allow_overlap)
        answers: list[list[Span]] = [[] for _ in plan.queries]
        for i, (p, offs) in zip(plan.live, self.merge(plan.windows, probs, len(plan.live))):
            q = plan.queries[i]
            answers[i] = query_spans(q, p, offs, self.label_threshold(q.label, threshold),
                                     extend_ratio=self.config.extend_ratio)
        out: list[list[Span]] = []
        k = 0
        for labs in plan.per_text:
            spans = [s for a in answers[k:k + len(labs)] for s in a]
            k += len(labs)
            out.append(sorted(spans) if rule == "keep" else resolve_overlaps(spans))
        return out

    def extract_batch(self, texts: Sequence[str], labels: Sequence[str] | Sequence[Sequence[str]],
                      threshold: float | None = None, batch_size: int = 64, overlap: str | None = None, *,
                      allow_overlap: bool | None = None) -> list[list[Span]]:
        """Extract spans for many texts at once; ``labels`` is one list for all texts or one list per text.

        ``threshold`` None decodes each label at the model's own (``config.label_thresholds``, else
        ``config.threshold``). ``overlap`` as in ``extract``."""
        rule = overlap_rule(overlap, allow_overlap)
        plan = self.plan(texts, labels)
        return self.finish(plan, self.window_probs(plan.windows, batch_size), threshold, rule)

    def extract(self, text: str, labels: Sequence[str] | str, threshold: float | None = None,
                overlap: str | None = None, batch_size: int = 64, *, allow_overlap: bool | None = None
                ) -> list[Span]:
        """Spans of ``text`` answering each label, as half-open character offsets with scores.

        Where spans of different labels overlap, ``overlap="likelier"`` (the default, the paper's rule) keeps the
        more probable one and ``"keep"`` keeps them all. ``allow_overlap=True`` / ``False`` is the older spelling
        of ``"keep"`` / ``"likelier"``."""
        if isinstance(labels, str):
            labels = [x.strip() for x in labels.split(",")]
        rule = overlap_rule(overlap, allow_overlap)
        return self.extract_batch([text], [list(labels)], threshold, batch_size, rule)[0]


@dataclass
class Plan:
    """Queries of an extraction (text x label), which have text, how labels group per text, and their windows."""

    queries: list[Query]
    live: list[int]               # indices of queries with non-blank text (window.query indexes this list)
    per_text: list[list[str]]
    windows: list[Window]


def merge_windows(windows: Sequence[Window], probs: Sequence[np.ndarray], n_queries: int
                  ) -> list[tuple[np.ndarray, list[tuple[int, int]]]]:
    """Per query, its tokens' probabilities and offsets; where windows overlap, a token takes the prediction
    of the window in which it lies furthest from an edge (the earlier window on a tie). Vectorised: one sort
    per query, so a long document costs little beside the model."""
    return merge_parts(((w.query, w.text_offsets, p) for w, p in zip(windows, probs)), n_queries)


def merge_parts(parts_in, n_queries: int) -> list[tuple[np.ndarray, list[tuple[int, int]]]]:
    """:func:`merge_windows` over ``(query, text offsets, probabilities)`` per window and query, in window order
    (a packed window gives one such part per label it holds)."""
    parts: list[list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]] = [[] for _ in range(n_queries)]
    for k, (query, text_offsets, p) in enumerate(parts_in):
        n = len(text_offsets)
        if n:
            j = np.arange(n)
            parts[query].append((np.asarray(text_offsets, dtype=np.int64).reshape(n, 2),
                                 np.minimum(j, n - 1 - j), np.full(n, k), np.asarray(p)))
    out: list[tuple[np.ndarray, list[tuple[int, int]]]] = []
    for chunks in parts:
        if not chunks:
            out.append((np.zeros((0, 3), dtype=np.float32), []))
            continue
        offs = np.concatenate([c[0] for c in chunks])
        cent = np.concatenate([c[1] for c in chunks])
        order_k = np.concatenate([c[2] for c in chunks])
        p = np.concatenate([c[3] for c in chunks])
        # sort by offset, then most central first, then earliest window first; keep the first of each offset
        idx = np.lexsort((order_k, -cent, offs[:, 1], offs[:, 0]))
        offs, p = offs[idx], p[idx]
        first = np.ones(len(idx), dtype=bool)
        first[1:] = (offs[1:] != offs[:-1]).any(axis=1)
        out.append((p[first], [(int(s), int(e)) for s, e in offs[first]]))
    return out


def query_spans(q: Query, probs: np.ndarray, offs: list[tuple[int, int]], threshold: float,
                snap_words: bool = True, extend_ratio: float = 1.0) -> list[Span]:
    """Decode one query's merged probabilities into spans (tokens join a span at ``threshold * extend_ratio``);
    with ``snap_words`` each is widened to whole words and loses the separators, quotes and unpaired brackets at
    its edges (a span of nothing else is dropped)."""
    spans = decode_tokens(probs, offs, threshold, threshold * extend_ratio)
    if snap_words:
        spans = [(*trim_separators(q.text, *snap_to_words(q.text, s, e)), sc) for s, e, sc in spans]
    return [Span(s, e, q.label, q.text[s:e], sc) for s, e, sc in dict.fromkeys(spans) if e > s]


def _torch_runner(directory: Path, device: str | None) -> TorchRunner:
    model = load_token_classifier(str(directory), new_head=False)
    if getattr(model.config, "num_labels", None) != 3:
        raise ModelLoadError(f"{directory}: expected a 3-tag (O, B, I) head, found {model.config.num_labels}")
    return TorchRunner(model, device)


def _onnx_runner(directory: Path, threads: int | None, variant: str | None) -> Runner:
    from .onnx_backend import OnnxRunner  # imported lazily: onnxruntime is only needed here
    return OnnxRunner.load(directory, threads=threads, variant=variant)


def _labels_per_text(labels, n: int) -> list[list[str]]:
    if isinstance(labels, str):
        raise ConfigError("labels must be a list of strings, not one string (split it on commas first)")
    labels = list(labels)
    if labels and all(isinstance(x, str) for x in labels):
        per = [list(labels)] * n
    elif len(labels) == n and all(isinstance(x, (list, tuple)) for x in labels):
        per = [list(x) for x in labels]
    else:
        raise ConfigError("labels must be a list of strings, or one list of strings per text")
    clean = []
    for labs in per:
        labs = [lab.strip() for lab in labs if isinstance(lab, str) and lab.strip()]
        if not labs:
            raise ConfigError("the label list is empty: give at least one label (e.g. --labels person,location)")
        clean.append(list(dict.fromkeys(labs)))
    return clean
