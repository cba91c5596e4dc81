"""Distillation against a real loopback HTTP server speaking OpenAI chat completions."""
from __future__ import annotations

import json

import pytest

from metaie.distill.builder import DistillConfig, run_distill
from metaie.errors import MetaIEError
from metaie.sources.distill_set import load_records


def cfg_for(srv, corpus, out, **kw) -> DistillConfig:
    base = dict(corpus=[str(corpus)], out_dir=str(out), base_url=srv.base_url, model="fake-model",
                progress=False, retry_base=0.01, retry_max=0.05, timeout=5.0, concurrency=4)
    base.update(kw)
    return DistillConfig(**base)


def test_sends_exactly_the_paper_prompt(fake_openai, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("Tom was born in Paris in 1990. He left.\n")
    run_distill(cfg_for(fake_openai, corpus, tmp_path / "out", temperature=0.0, max_tokens=100))
    (body,) = fake_openai.requests
    assert body["messages"] == [{"role": "user", "content":
                                 "Extract some short important information from the following sentence:\n"
                                 "Tom was born in Paris in 1990.\n"
                                 "Important information (Format: - <label>: <span>):"}]
    assert body["model"] == "fake-model" and body["temperature"] == 0.0 and body["max_tokens"] == 100


def test_output_is_distillation_format_with_negatives(fake_openai, corpus_file, tmp_path):
    r = run_distill(cfg_for(fake_openai, corpus_file, tmp_path / "out", negatives=2))
    recs = load_records(tmp_path / "out" / "distill.jsonl")
    assert len(recs) == 30 == r.records
    first = recs[0]
    assert first.text == "Tom Smith visited Paris in 1990 with Acme Corp."
    assert {(s.label, s.text) for s in first.spans} == {
        ("first word", "Tom"), ("entity", "Smith"), ("entity", "Paris"), ("number", "1990"), ("entity", "Acme"),
        ("entity", "Corp")}
    assert first.negatives == []  # every label of the set occurs in it
    man = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert man["status"] == "complete" and man["counts"]["records"] == 30
    assert man["prompt"]["version"] == "metaie-v1"


def test_second_run_hits_the_cache_and_sends_nothing(fake_openai, corpus_file, tmp_path):
    out = tmp_path / "out"
    run_distill(cfg_for(fake_openai, corpus_file, out))
    assert len(fake_openai.requests) == 30
    first = (out / "distill.jsonl").read_bytes()
    r2 = run_distill(cfg_for(fake_openai, corpus_file, out))
    assert len(fake_openai.requests) == 30
    assert r2.usage.cache_hits == 30 and r2.usage.requests == 0 and r2.usage.cost == 0
    assert (out / "distill.jsonl").read_bytes() == first
    # a new template version or new parameters is a new cache namespace
    run_distill(cfg_for(fake_openai, corpus_file, out, temperature=0.5))
    assert len(fake_openai.requests) == 60


def test_accounting_matches_server_usage(fake_openai, corpus_file, tmp_path):
    r = run_distill(cfg_for(fake_openai, corpus_file, tmp_path / "out", price_input=2.0, price_output=8.0))
    u = fake_openai.usage
    assert r.usage.prompt_tokens == u["prompt_tokens"] > 0
    assert r.usage.completion_tokens == u["completion_tokens"] > 0
    assert r.usage.cost == pytest.approx((u["prompt_tokens"] * 2.0 + u["completion_tokens"] * 8.0) / 1e6)
    man = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert man["usage"]["requests"] == len(fake_openai.requests) == 30
    assert man["usage"]["cost_usd"] == pytest.approx(r.usage.cost, abs=1e-6)


def test_retries_transient_faults_then_succeeds(fake_openai, corpus_file, tmp_path):
    fake_openai.faults = [{"kind": "429", "retry_after": 0.05}, {"kind": "500"}, {"kind": "503"},
                          {"kind": "slow", "seconds": 1.5}, {"kind": "malformed"}]
    r = run_distill(cfg_for(fake_openai, corpus_file, tmp_path / "out", timeout=0.5, concurrency=1))
    assert r.failed == 0 and r.records == 30
    assert r.usage.retries == 5 and r.usage.requests == 35 == len(fake_openai.requests)
    assert dict(r.usage.errors) == {"rate_limit": 1, "server": 2, "timeout": 1, "malformed": 1}


def test_retry_after_is_honoured(fake_openai, tmp_path):
    import time
    corpus = tmp_path / "c.txt"
    corpus.write_text("Tom was born in Paris in 1990.\n")
    fake_openai.faults = [{"kind": "429", "retry_after": 0.6}]
    t0 = time.monotonic()
    run_distill(cfg_for(fake_openai, corpus, tmp_path / "out", retry_base=0.001))
    assert time.monotonic() - t0 >= 0.6


def test_persistent_failure_is_recorded_then_retried_next_run(fake_openai, corpus_file, tmp_path):
    bad = "Anna Smith visited London in 1991 with Acme Corp."
    fake_openai.sentence_faults[bad] = {"kind": "500"}
    out = tmp_path / "out"
    r = run_distill(cfg_for(fake_openai, corpus_file, out, max_attempts=3))
    assert r.failed == 1 and r.records == 29
    (failed,) = [json.loads(x) for x in (out / "failed.jsonl").read_text().splitlines()]
    assert failed["sentence"] == bad and failed["attempts"] == 3 and "500" in failed["error"]
    assert json.loads((out / "manifest.json").read_text())["status"] == "incomplete"
    fake_openai.sentence_faults.clear()
    n = len(fake_openai.requests)
    r2 = run_distill(cfg_for(fake_openai, corpus_file, out, max_attempts=3))
    assert len(fake_openai.requests) == n + 1 and r2.failed == 0 and r2.records == 30


def test_cli_exits_3_when_a_sentence_failed(fake_openai, corpus_file, tmp_path, capsys):
    # click returns (not raises) typer.Exit's code without standalone mode: it used to become exit 0
    from metaie.cli.main import main
    bad = "Anna Smith visited London in 1991 with Acme Corp."
    fake_openai.sentence_faults[bad] = {"kind": "500"}
    with pytest.raises(SystemExit) as e:
        main(["distill", "--corpus", str(corpus_file), "--out", str(tmp_path / "out"), "--base-url",
              fake_openai.base_url, "--model", "m", "--no-progress", "--max-attempts", "2", "--retry-base", "0.01"])
    assert e.value.code == 3 and "1 sentences failed" in capsys.readouterr().err


def test_a_sentence_lost_between_cache_and_output_fails_the_run(fake_openai, corpus_file, tmp_path, monkeypatch):
    import metaie.distill.builder as builder
    build = builder.build_records

    def lose_one(*a, **kw):  # a defect that drops a record without listing it anywhere
        records, rejects, failed, responses = build(*a, **kw)
        return records[1:], rejects, failed, responses

    monkeypatch.setattr(builder, "build_records", lose_one)
    with pytest.raises(MetaIEError, match="1 sampled sentences neither a record, rejected nor failed"):
        run_distill(cfg_for(fake_openai, corpus_file, tmp_path / "out"))
    assert not (tmp_path / "out" / "distill.jsonl").exists()


def test_manifest_accounts_for_every_sentence(fake_openai, corpus_file, tmp_path):
    fake_openai.sentence_faults["Anna Smith visited London in 1991 with Acme Corp."] = {"kind": "500"}
    run_distill(cfg_for(fake_openai, corpus_file, tmp_path / "out", max_attempts=2))
    man = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert man["counts"]["accounting"] == {"sampled": 30, "records": 29, "rejected": 0, "failed": 1}


def test_truncated_answer_keeps_complete_lines(fake_openai, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("Anna met Bob and Mary in Paris on Monday.\n")
    fake_openai.faults = [{"kind": "truncate"}]
    r = run_distill(cfg_for(fake_openai, corpus, tmp_path / "out"))
    (rec,) = load_records(tmp_path / "out" / "distill.jsonl")
    assert 0 < len(rec.spans) < 6  # the complete lines before the cut survive
    assert r.rejects["truncated"] == 1


def test_garbage_teacher_goes_to_rejects_with_counts(fake_openai, corpus_file, tmp_path):
    fake_openai.answer = lambda s: "I am a language model.\n- colour: purple\nHave a nice day"
    out = tmp_path / "out"
    r = run_distill(cfg_for(fake_openai, corpus_file, out))
    assert r.spans == 0 and r.records == 30
    assert r.rejects == {"unparsed_line": 60, "unaligned": 30}
    rows = [json.loads(x) for x in (out / "rejects.jsonl").read_text().splitlines()]
    assert {"kind": "unaligned", "label": "colour", "answer": "purple"}.items() <= rows[2].items()


def test_stop_on_401_with_clear_message(fake_openai, corpus_file, tmp_path):
    fake_openai.api_key = "right-key"
    with pytest.raises(MetaIEError, match="401"):
        run_distill(cfg_for(fake_openai, corpus_file, tmp_path / "out"))
    assert len(fake_openai.requests) <= 4  # stopped at once, no retries
    assert not (tmp_path / "out" / "distill.jsonl").exists()


def test_stop_on_400(fake_openai, corpus_file, tmp_path):
    fake_openai.faults = [{"kind": "400"}]
    with pytest.raises(MetaIEError, match="400"):
        run_distill(cfg_for(fake_openai, corpus_file, tmp_path / "out", concurrency=1))
    assert len(fake_openai.requests) == 1


def test_replay_reproduces_the_set_without_the_llm(fake_openai, corpus_file, tmp_path):
    run_distill(cfg_for(fake_openai, corpus_file, tmp_path / "a"))
    n = len(fake_openai.requests)
    run_distill(DistillConfig(corpus=[str(corpus_file)], out_dir=str(tmp_path / "b"), teacher="replay",
                              replay=str(tmp_path / "a" / "responses.jsonl"), progress=False))
    assert len(fake_openai.requests) == n
    a = [json.loads(x) for x in (tmp_path / "a" / "distill.jsonl").read_text().splitlines()]
    b = [json.loads(x) for x in (tmp_path / "b" / "distill.jsonl").read_text().splitlines()]
    strip = lambda rows: [{k: v for k, v in r.items() if k != "source"} for r in rows]  # noqa: E731
    assert strip(a) == strip(b)


def test_cli_distill_and_report(fake_openai, corpus_file, tmp_path, capsys):
    from metaie.cli.main import main
    out = tmp_path / "out"
    main(["distill", "--corpus", str(corpus_file), "--out", str(out), "--base-url", fake_openai.base_url,
          "--model", "m", "--no-progress", "--sentences", "10", "--max-per-label", "5"])
    assert "10 records" in capsys.readouterr().out
    recs = load_records(out / "distill.jsonl")
    assert sum(1 for r in recs for s in r.spans if s.label == "entity") == 5
    main(["distill-report", str(out)])
    report = (out / "report.md").read_text()
    assert "| entity | 5 |" in report
    for png in ("labels_top.png", "label_length.png", "spans_per_record.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"


def test_cli_errors_are_one_line(fake_openai, tmp_path, capsys):
    from metaie.cli.main import main
    bad = tmp_path / "c.jsonl"
    bad.write_text('{"content": "Tom was born in Paris."}\n')
    with pytest.raises(SystemExit) as e:
        main(["distill", "--corpus", str(bad), "--out", str(tmp_path / "o"), "--base-url", fake_openai.base_url])
    err = capsys.readouterr().err.strip()
    assert e.value.code == 1 and "\n" not in err and "--text-field" in err and "c.jsonl:1" in err
    empty = tmp_path / "e.txt"
    empty.write_text("\n\n")
    with pytest.raises(SystemExit):
        main(["distill", "--corpus", str(empty), "--out", str(tmp_path / "o"), "--base-url", fake_openai.base_url])
    assert "no sentence passed the filters" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["distill", "--corpus", str(empty), "--out", str(tmp_path / "o"), "--base-url",
              "http://127.0.0.1:9/v1", "--retry-base", "0.01"])
    assert "no sentence" in capsys.readouterr().err
