"""Bytes that are not UTF-8 in a JSON or JSONL file: a one-line DataFormatError naming file, line and column."""
import pytest

from metaie.dataset import load_records
from metaie.errors import DataFormatError
from metaie.jsonl import read_json, read_json_items, read_jsonl, read_text, text_lines

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
