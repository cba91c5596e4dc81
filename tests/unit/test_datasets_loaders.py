"""Each loader on a tiny hand-written fixture in the real file format."""
from __future__ import annotations

from pathlib import Path

import pytest

from metaie.datasets import load_split, resolve
from metaie.datasets.absa import read_absa_e2e, read_aste
from metaie.datasets.brat import read_standoff_dir
from metaie.datasets.casie import document_split, read_casie
from metaie.datasets.columns import read_bio
from metaie.datasets.spert import read_dygie, read_oneie, read_spert
from metaie.datasets.srl import read_conll_srl, read_qasrl
from metaie.errors import ConfigError, DataFormatError

FIX = Path(__file__).parents[1] / "fixtures" / "tasks"


def spans(ex):
    return [(ex.text[e.start:e.end], e.type) for e in ex.entities]


def test_conll2003_iob1_and_docstart():
    exs = read_bio(FIX / "conll2003" / "eng.train")
    assert [e.text for e in exs] == ["Tom Smith visited Paris .", "Acme Corp sells phones ."]
    assert spans(exs[0]) == [("Tom Smith", "PER"), ("Paris", "LOC")]
    assert spans(exs[1]) == [("Acme Corp", "ORG")]


def test_wnut_and_mit_tag_first():
    assert spans(read_bio(FIX / "wnut" / "train.txt")[0]) == [("Tom", "person"), ("New York", "location")]
    ex = read_bio(FIX / "mit" / "train.txt", tag_first=True)[0]
    assert ex.text == "what tom hanks movies" and spans(ex) == [("tom hanks", "ACTOR")]


def test_bio_bad_tag_names_file_and_line(tmp_path):
    p = tmp_path / "x.txt"
    p.write_text("Tom\tB-per\nruns\tVERB\n")
    with pytest.raises(DataFormatError, match=r"x.txt:2: not a BIO tag"):
        read_bio(p)


def test_standoff_alignment_counts():
    exs, rep = read_standoff_dir(FIX / "jnlpba" / "standoff" / "train")
    # "Ac" ends inside the token "Acme": not on a token boundary, so dropped
    assert (rep.total, rep.aligned, rep.dropped) == (4, 3, 1)
    assert [e.text for e in exs] == ["Tom Smith was born in Paris .", "He works at Acme Corp in London ."]
    assert spans(exs[0]) == [("Tom Smith", "protein"), ("Paris", "cell_type")]
    assert spans(exs[1]) == [("London", "RNA")]


def test_spert_conll04():
    ex = read_spert(FIX / "conll04" / "train_triples.json")[0]
    assert ex.id == "7"
    rels = [(r.head.text, r.head.start, r.type, r.tail.text) for r in ex.relations]
    assert rels == [("Tom", 0, "Work_For", "Acme"), ("Tom", 23, "Live_In", "Paris")]


def test_oneie_and_dygie_ace():
    (ex,) = read_oneie(FIX / "ace" / "train.json")
    assert [(r.head.text, r.type, r.tail.text) for r in ex.relations] == [("Tom", "PHYS", "Paris")]
    (ev,) = ex.events
    assert (ev.trigger.text, ev.type) == ("attacked", "Conflict:Attack")
    assert {(a.text, a.type) for a in ev.arguments} == {("Tom", "Attacker"), ("Paris", "Place")}
    d = read_dygie(FIX / "ace" / "dygie.json")
    assert len(d) == 2 and d[1].text == ex.text
    assert d[1].events == ex.events and [r.key for r in d[1].relations] == [r.key for r in ex.relations]


def test_casie_split_and_offset_repair():
    parts = document_split(FIX / "casie")
    assert [len(parts[s]) for s in ("train", "dev", "test")] == [8, 1, 1]
    assert parts["train"][0].stem == "10"  # oldest date first
    assert parts["test"][0].stem == "11"  # newest date last
    exs, rep = read_casie(FIX / "casie", "train")
    first = [e for e in exs if e.id.startswith("casie:10.")]
    assert [e.text for e in first] == ["Hackers stole data via phishing email.", "The victim was Acme."]
    assert rep.moved == 1 and rep.dropped == 0 and rep.cross_sentence == 1
    types = {ev.type: ev for ev in first[0].events}
    assert types["Phishing"].trigger.text == "phishing"
    assert {(a.text, a.type) for a in types["Databreach"].arguments} == {("Hackers", "Attacker"),
                                                                        ("data", "Compromised-Data")}


def test_absa_e2e_and_aste():
    ex, empty = read_absa_e2e(FIX / "absa" / "train.txt")
    assert spans(ex) == [("food", "POS"), ("service", "NEG")] and spans(empty) == []
    a, b = read_aste(FIX / "aste" / "train_triplets.txt")
    assert [(t.aspect.text, t.opinion.text, t.polarity) for t in a.triplets] == [("food", "great", "POS"),
                                                                                ("service", "bad", "NEG")]
    assert sorted((t.aspect.text, t.opinion.text) for t in b.triplets) == [("pizza", "good"), ("service", "good")]


def test_qasrl_questions_as_roles():
    (ex,) = read_qasrl(FIX / "qasrl" / "data" / "gold" / "wikinews.dev.gold.csv",
                       FIX / "qasrl" / "data" / "sentences" / "wikinews.dev.full.csv")
    (fr,) = ex.events
    assert fr.trigger.text == "visited"
    assert sorted((a.text, a.type) for a in fr.arguments) == [
        ("Monday", "When did someone visit something?"), ("Tom", "Who visited something?"),
        ("on Monday", "When did someone visit something?")]


def test_conll2005_srl_brackets():
    (ex,) = read_conll_srl(FIX / "srl" / "train.txt", "conll2005")
    assert [(f.trigger.text, sorted((a.text, a.type) for a in f.arguments)) for f in ex.events] == [
        ("visited", [("Paris", "ARG1"), ("Tom", "ARG0")]), ("went", [("Tom", "ARG0"), ("to Rome", "ARG4")])]


def test_resolve_names_and_folders(tmp_path):
    spec, folder = resolve(FIX / "conll04")
    assert spec.name == "conll04" and spec.task == "re"
    assert len(load_split(FIX / "conll04", "test")) == 2
    assert resolve(FIX / "aste")[0].task == "aste"
    assert resolve(FIX / "absa")[0].task == "absa"
    assert resolve(FIX / "casie")[0].task == "ee"
    assert resolve(FIX / "qasrl")[0].task == "srl"
    assert resolve(FIX / "srl")[0].task == "srl"
    assert resolve(FIX / "wnut")[0].task == "ner"
    assert len(load_split("conll2003", "train", root=FIX)) == 2  # registered name under an explicit data root


def test_bad_input_errors(tmp_path):
    with pytest.raises(DataFormatError, match="unknown dataset format"):
        resolve(FIX / "unknown")
    with pytest.raises(ConfigError, match="no split 'dev'"):
        load_split(FIX / "absa", "dev")
    with pytest.raises(ConfigError, match="not found"):
        load_split("conll04", "train", root=tmp_path)
    (tmp_path / "conll04").mkdir()
    (tmp_path / "conll04" / "train_triples.json").write_text("[]")
    with pytest.raises(ConfigError, match="split 'test' of 'conll04' is missing"):
        load_split("conll04", "test", root=tmp_path)


def test_a_readers_report_is_returned_with_its_examples():
    """JNLPBA's standoff train split reports its alignment through the registry (no module-global side channel)."""
    import metaie.datasets.registry as registry
    from metaie.evaluation.dataset_check import check_dataset, format_check
    spec, folder = resolve("jnlpba", root=FIX)
    exs, rep = spec.read_report(folder, "train")
    assert (len(exs), rep.total, rep.aligned) == (2, 4, 3)
    assert spec.read_report(folder, "test")[1] is None  # a BIO file's reader has no report
    assert not hasattr(registry, "LAST_REPORT")
    chk = check_dataset("jnlpba", root=FIX)
    assert chk.splits["train"]["loader"] == {"total": 4, "aligned": 3}
    assert "  loader: total 4, aligned 3" in format_check(chk).splitlines()
