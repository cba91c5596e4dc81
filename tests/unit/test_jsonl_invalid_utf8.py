"""Bytes that are not UTF-8 in a JSON or JSONL file: a one-line DataFormatError naming file, line and column."""
import pytest

from metaie.errors import DataFormatError
from metaie.jsonl import read_json, read_json_items, read_jsonl, read_text, text_lines
from metaie.sources.distill_set import load_records

GOOD = b'{"text": "Tom was born in Paris."}\n'
BAD = b'{"text": "Caf\xe9 in Paris."}\n'  # Latin-1 e-acute


@pytest.fixture()
def bad_jsonl(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_bytes(b"\xef\xbb\xbf" + GOOD + b"\n" + BAD + GOOD)
    return p


@pytest.mark.parametrize("read", [lambda p: list(read_jsonl(p)), load_records, read_json_items,
                                  lambda p: list(text_lines(p))])
def test_jsonl_names_file_line_and_column(bad_jsonl, read):
    with pytest.raises(DataFormatError) as e:
        read(bad_jsonl)
    assert str(e.value) == f"{bad_jsonl}:3: invalid UTF-8 (byte 0xe9 at column 14); save the file as UTF-8"
    assert e.value.line == 3


def test_lines_before_the_bad_one_are_read(bad_jsonl):
    got = []
    with pytest.raises(DataFormatError):
        for n, obj in read_jsonl(bad_jsonl):
            got.append((n, obj["text"]))
    assert got == [(1, "Tom was born in Paris.")]  # the byte-order mark is not content


@pytest.mark.parametrize("read", [read_json, read_text, read_json_items])
def test_whole_json_file(tmp_path, read):
    p = tmp_path / "d.json"
    p.write_bytes(b'[\n  {"text": "ok"},\n  {"text": "\xff"}\n]\n')
    with pytest.raises(DataFormatError, match=r"d\.json:3: invalid UTF-8 \(byte 0xff at column 13\)"):
        read(p)


def _loaders():
    from metaie.datasets.absa import read_absa_e2e
    from metaie.datasets.brat import read_ann
    from metaie.datasets.columns import read_bio, sniff_tag_first
    from metaie.datasets.srl import read_conll_srl, read_qasrl
    return [
        ("bio", b"Tom\tB-PER\nwas\tO\n\nCaf\xe9\tO\n", 4, 4, read_bio),
        ("sniff", b"Tom\tB-PER\nwas\tO\n\nCaf\xe9\tO\n", 4, 4, sniff_tag_first),
        ("absa", b"Caf\xe9 .####Caf=O .=O\n", 1, 4, read_absa_e2e),
        ("ann", b"T1\tPER 0 3\tTom\nT2\tLOC 4 8\tCaf\xe9\n", 2, 15, read_ann),
        ("conll", b"# doc\n\xff\t*\n", 2, 1, read_conll_srl),
        ("qasrl", b"qasrl_id,tokens\n1,Tom\n2,Caf\xe9\n", 3, 6, lambda p: read_qasrl(p, p)),
    ]


LOADERS = _loaders()


@pytest.mark.parametrize("name,data,line,column,read", LOADERS, ids=[c[0] for c in LOADERS])
def test_task_loaders_name_file_and_line(tmp_path, name, data, line, column, read):
    p = tmp_path / f"{name}.txt"
    p.write_bytes(data)
    with pytest.raises(DataFormatError) as e:
        read(p)
    assert str(e.value).startswith(f"{p}:{line}: invalid UTF-8 (byte 0x"), str(e.value)
    assert f"at column {column})" in str(e.value)
