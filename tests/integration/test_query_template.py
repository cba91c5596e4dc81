"""`metaie train --query-template`: the label's phrasing is trained with, kept in the model and its manifest, used
at extraction and fine-tuning, refused on --init with another, refused on a resume with another, and checked on
the command line."""
import json
from pathlib import Path

import pytest
from interrupt import interrupt_at

from metaie.cli.main import main
from metaie.model.encoding import encode
from metaie.model.tagger import MetaIE

pytestmark = [pytest.mark.slow]  # trains twice

FIX = Path(__file__).parents[1] / "fixtures" / "core"
TINY_NER = Path(__file__).parents[1] / "fixtures" / "tasks" / "tiny_ner"


def cmd(backbone, out, *extra):
    return ["train", "--data", str(FIX / "distill.jsonl"), "--out", str(out), "--backbone", str(backbone),
            "--epochs", "1", "--batch-size", "2", "--lr", "3e-3", "--max-length", "32", "--stride", "8",
            "--dev-fraction", "0", "--checkpoint-every", "2", "--threads", "1", *extra]


def one_line_error(capsys, argv):
    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert e.value.code == 1 and len(err) == 1, err
    return err[0]


def test_query_template_is_trained_kept_and_used(tmp_path, tiny_bare_backbone, capsys, monkeypatch):
    out = tmp_path / "m"
    main(cmd(tiny_bare_backbone, out, "--query-template", "query {label}"))
    assert json.loads((out / "metaie.json").read_text())["query_template"] == "query {label}"
    assert json.loads((out / "manifest.json").read_text())["query_template"] == "query {label}"

    model = MetaIE.from_pretrained(out, device="cpu")
    assert model.config.query_template == "query {label}"
    # extraction reads the label through the template: the first segment is "query person", not "person"
    seen = []
    real = encode

    def spy(tokenizer, labels, texts, *a, **k):
        wins = real(tokenizer, labels, texts, *a, **k)
        seen.extend(tokenizer.convert_ids_to_tokens(w.input_ids) for w in wins)
        return wins
    monkeypatch.setattr("metaie.model.tagger.encode", spy)
    model.extract("Tom works for Acme .", ["person"])
    assert seen and seen[0][:4] == ["[CLS]", "query", "person", "[SEP]"], seen[0]

    # --init keeps its model's template: another is refused in one line, the same one is accepted
    err = one_line_error(capsys, cmd(tiny_bare_backbone, tmp_path / "n", "--init", str(out),
                                     "--query-template", "{label}"))
    assert "--query-template '{label}'" in err and "'query {label}'" in err and not (tmp_path / "n").exists()
    cfg = json.loads((out / "metaie.json").read_text())  # labels' own thresholds are the init's, not carried on
    (out / "metaie.json").write_text(json.dumps({**cfg, "label_thresholds": {"person": 0.9}}))
    main(cmd(tiny_bare_backbone, tmp_path / "n", "--init", str(out)))
    again = MetaIE.from_pretrained(tmp_path / "n", device="cpu").config
    assert again.query_template == "query {label}" and again.label_thresholds == {}

    # fine-tuning trains its shots through the start model's template and keeps it in the adapted model
    seen.clear()
    main(["finetune", "--model", str(out), "--task", "ner", "--data", str(TINY_NER), "--shots", "1",
          "--out", str(tmp_path / "ft"), "--max-steps", "1", "--threads", "1"])
    assert seen and all(toks[1] == "query" for toks in seen), seen[:2]
    tuned = MetaIE.from_pretrained(tmp_path / "ft", device="cpu")
    assert tuned.config.query_template == "query {label}"


def test_bad_template_and_resume_with_another_are_refused(tmp_path, tiny_bare_backbone, capsys, monkeypatch):
    err = one_line_error(capsys, cmd(tiny_bare_backbone, tmp_path / "bad", "--query-template", "{label.upper}"))
    assert "query_template" in err and "{label}" in err and not (tmp_path / "bad").exists()

    out = tmp_path / "m"
    with monkeypatch.context() as m:
        interrupt_at(m, 3, KeyboardInterrupt())  # Ctrl-C during the third optimiser step
        with pytest.raises(SystemExit):
            main(cmd(tiny_bare_backbone, out, "--query-template", "query {label}"))
    err = one_line_error(capsys, cmd(tiny_bare_backbone, out))
    assert "--query-template 'query {label}' (now '{label}')" in err
    main(cmd(tiny_bare_backbone, out, "--query-template", "query {label}"))
    assert "resuming from step 2" in capsys.readouterr().err
