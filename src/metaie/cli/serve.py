"""Serving commands: ``serve`` (HTTP server with a web page) and ``export`` (ONNX)."""
from __future__ import annotations

import typer

from .options import THREADS


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(model: str = typer.Option("metaie-minilm", "--model", "-m",
                                        help="Model directory (torch or exported ONNX), built-in name or hub id"),
              host: str = typer.Option("127.0.0.1", help="Interface to listen on (0.0.0.0 for all)"),
              port: int = typer.Option(8000, help="TCP port"),
              backend: str = typer.Option("torch", help="torch or onnx"),
              threads: int = typer.Option(None, help="CPU threads for the model (default: library default)"),
              max_batch: int = typer.Option(256, help="Most windows in one model call (a short (text, label) pair "
                                                      "is one window; a long text gives several)"),
              max_batch_tokens: int = typer.Option(8192, help="Most tokens in one model call"),
              max_call_ms: float = typer.Option(250.0, help="Target duration of one model call (sized from the "
                                                            "measured speed): bounds how long a short request "
                                                            "waits behind long texts"),
              max_wait_ms: float = typer.Option(5.0, help="How long a batch waits for concurrent requests"),
              max_text_chars: int = typer.Option(100_000, help="Longest text accepted (413 beyond)"),
              max_texts: int = typer.Option(64, help="Most texts per request (422 beyond)"),
              max_labels: int = typer.Option(32, help="Most labels per request (422 beyond)"),
              max_body_bytes: int = typer.Option(4 * 1024 * 1024, help="Largest request body (413 beyond)"),
              log_level: str = typer.Option("info", help="uvicorn log level")) -> None:
        """Serve a model over HTTP: POST /extract, GET /health, GET /info, a web page at /, docs at /docs."""
        from ..extras import require
        uvicorn = require("uvicorn", "serve", "metaie serve")
        from ..model.tagger import MetaIE
        from ..serve.app import Limits, create_app
        m = MetaIE.from_pretrained(model, backend=backend, threads=threads)
        limits = Limits(max_text_chars=max_text_chars, max_texts=max_texts, max_labels=max_labels,
                        max_body_bytes=max_body_bytes)
        api = create_app(m, model_name=model, limits=limits, max_batch_windows=max_batch, max_wait_ms=max_wait_ms,
                         max_batch_tokens=max_batch_tokens, max_call_ms=max_call_ms)
        uvicorn.run(api, host=host, port=port, log_level=log_level)

    @app.command()
    def export(model: str = typer.Option("metaie-minilm", "--model", "-m",
                                         help="Model directory (torch), built-in name or hub id"),
               onnx: str = typer.Option(..., "--onnx", help="Output directory for the ONNX model"),
               quantize: str = typer.Option(None, "--quantize", help="int8: also write a dynamically quantised graph"),
               opset: int = typer.Option(17, help="ONNX opset"),
               threads: int = THREADS) -> None:
        """Export a model to ONNX; load it with MetaIE.from_pretrained(DIR, backend="onnx")."""
        from ..model.onnx_export import export_onnx
        from ..model.tagger import MetaIE
        from ..threads import set_threads
        set_threads(threads)
        out = export_onnx(MetaIE.from_pretrained(model, device="cpu"), onnx, quantize=quantize, opset=opset)
        typer.echo(f"wrote {out} ({', '.join(sorted(p.name for p in out.glob('*.onnx')))})")
