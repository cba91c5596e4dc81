"""`metaie train` and `metaie extract --input` on a JSONL file holding bytes that are not UTF-8: one line."""
import pytest

from metaie.cli.main import main


@pytest.mark.parametrize("cmd", [
    ["train", "--data", "{data}", "--out", "{tmp}/out", "--backbone", "{backbone}"],
    ["extract", "--model", "{model}", "--labels", "person", "--input", "{data}", "--output", "{tmp}/out.jsonl"],
])
def test_cli_invalid_utf8_is_one_line(tmp_path, tiny_tagger, tiny_backbone, capsys, cmd):
    model = tiny_tagger.save_pretrained(tmp_path / "m")
    data = tmp_path / "d.jsonl"
    data.write_bytes(b'{"text": "Tom was born in Paris ."}\n{"text": "Caf\xe9 ."}\n')
    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        main([a.format(data=data, tmp=tmp_path, backbone=tiny_backbone, model=model) for a in cmd])
    assert e.value.code == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [f"error: {data}:2: invalid UTF-8 (byte 0xe9 at column 14); save the file as UTF-8"]
