"""A user's own dataset folder: split file names, format sniffing on whole lines, errors naming file and line."""
from __future__ import annotations

import pytest

from metaie.datasets import load_split, resolve
from metaie.datasets.sniff import HEAD_CHARS, head_lines
from metaie.errors import DataFormatError


def _bio_file(path, sentences: int) -> None:
    path.write_text("".join("we\tO\nlearned\tO\nfrom\tO\ntom\tB-per\n\n" for _ in range(sentences)))


def test_sniff_is_independent_of_where_the_read_limit_cuts(tmp_path):
    """Before: the head was cut at a fixed character count, so a cut last line ('fro') had one column -> refused."""
    unit = "we\tO\nlearned\tO\nfrom\tO\ntom\tB-per\n\n"
    for shift in range(len(unit)):  # the read limit falls at every position of a sentence
        folder = tmp_path / f"d{shift}"
        folder.mkdir()
        (folder / "train.txt").write_text("x" * (shift + 1) + "\tO\n" + unit * 3000)
        assert resolve(folder)[0].task == "ner", shift
        lines = head_lines(folder / "train.txt")
        assert all(len(x.split("\t")) == 2 for x in lines if x)  # whole lines only
        assert sum(len(x) + 1 for x in lines) <= HEAD_CHARS + 1
    assert len(load_split(folder, "train")) == 3000


def test_bad_line_named_with_file_and_line(tmp_path):
    (tmp_path / "train.txt").write_text("Tom\tB-per\nruns\tO\njust some words\n")
    with pytest.raises(DataFormatError, match=r"train\.txt:3: unknown dataset format.*no BIO tag") as e:
        resolve(tmp_path)
    assert "just some words" in str(e.value)
    (tmp_path / "train.txt").write_text("Tom\tB-per\nruns\n")
    with pytest.raises(DataFormatError, match=r"train\.txt:2: .*1 column"):
        resolve(tmp_path)
    (tmp_path / "train.txt").write_text("good food####good=O food=T-POS\nno hashes here\n")
    with pytest.raises(DataFormatError, match=r"train\.txt:2: .*ABSA.*no '####'"):
        resolve(tmp_path)


@pytest.mark.parametrize("names", [("train.tsv", "devel.tsv", "test.tsv"), ("train.txt", "valid.txt", "test.txt"),
                                   ("train.conll", "validation.conll", "test.conll")])
def test_common_split_names(tmp_path, names):
    """Biomedical NER sets ship train.tsv / devel.tsv / test.tsv (token TAB BIO); valid/validation are common too."""
    for n in names:
        _bio_file(tmp_path / n, 2)
    spec, _ = resolve(tmp_path)
    assert spec.task == "ner" and spec.files == dict(zip(("train", "dev", "test"), names))
    assert [e.entities[0].text for e in load_split(tmp_path, "dev")] == ["tom", "tom"]


def test_unknown_folder_says_which_names_are_looked_for(tmp_path):
    (tmp_path / "training.dat").write_text("x\n")
    with pytest.raises(DataFormatError, match="unknown dataset format") as e:
        resolve(tmp_path)
    for name in ("train", "devel", "valid", "validation", "tsv", "txt", "json"):
        assert name in str(e.value)
