"""Optional extras: the base package imports without them, and each feature that needs one says which."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from metaie.extras import EXTRAS

ROOT = Path(__file__).resolve().parents[2]
OPTIONAL = sorted(pkg for pkgs in EXTRAS.values() for pkg in pkgs)

# Each snippet runs in a fresh interpreter where every optional package is blocked (None in sys.modules).
BLOCK = f"import sys\nfor _m in {OPTIONAL!r}:\n    sys.modules[_m] = None\n"


def _run(code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-c", BLOCK + code], capture_output=True, text=True, env=env,
                          timeout=240, cwd=ROOT)


def test_pyproject_lists_the_same_extras():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for extra, pkgs in EXTRAS.items():
        line = next(x for x in text.splitlines() if x.startswith(f"{extra} = ["))
        assert all(f'"{p}>=' in line or f'"{p}[' in line for p in pkgs), line  # ray[data,train]>=...
        assert all(f'"{p}>=' not in text.split("[project.optional-dependencies]")[0] for p in pkgs)
    test_line = next(x for x in text.splitlines() if x.startswith("test = ["))
    assert all(e in test_line for e in EXTRAS), "the README's test command must install every extra"


def test_base_modules_import_without_optional_packages():
    code = """
import importlib, pathlib
files = sorted(pathlib.Path("src/metaie").rglob("*.py"))
names = [".".join(f.with_suffix("").relative_to("src").parts).removesuffix(".__init__") for f in files]
names = [n for n in names if not n.startswith("metaie.serve") and n != "metaie.__main__"]
for name in names:
    importlib.import_module(name)
print(len(names))
"""
    r = _run(code)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout.split()[-1]) > 60  # every module but serve/ (the extra itself) was imported


CLI = "from metaie.cli.main import main\nmain({argv!r})"
CALLS = [  # (snippet, the one line on stderr)
    (CLI.format(argv=["serve", "--model", "nowhere"]),
     "error: metaie serve needs uvicorn: pip install 'metaie[serve]'"),
    ("import metaie.serve.app", "MissingExtraError: the HTTP server needs fastapi: pip install 'metaie[serve]'"),
    ("from metaie.model.onnx_backend import OnnxRunner\nOnnxRunner.load('nowhere')",
     "MissingExtraError: the ONNX backend needs onnxruntime: pip install 'metaie[onnx]'"),
    ("from types import SimpleNamespace\nfrom metaie.model.onnx_export import export_onnx\n"
     "export_onnx(SimpleNamespace(model=object()), 'nowhere')",
     "MissingExtraError: ONNX export needs onnx: pip install 'metaie[onnx]'"),
    ("from metaie.teacher.openai_backend import OpenAITeacher\nOpenAITeacher('m', api_key='k')",
     "MissingExtraError: the OpenAI-compatible teacher needs openai: pip install 'metaie[distill]'"),
    ("from pathlib import Path\nfrom metaie.evaluation.report import plot\nplot([], Path('nowhere'))",
     "MissingExtraError: plots needs matplotlib: pip install 'metaie[plots]'"),
    (CLI.format(argv=["extract", "--engine", "ray", "-l", "person", "--input", "in", "--output", "out"]),
     "error: running on Ray needs ray: pip install 'metaie[ray]'"),
]


@pytest.mark.parametrize("code, line", CALLS, ids=["cli-serve", "serve-app", "onnx-runner", "onnx-export",
                                                   "openai-teacher", "plots", "cli-extract-ray"])
def test_a_missing_extra_is_named_in_one_line(code, line):
    r = _run(code)
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last.endswith(line), r.stderr
    if code.startswith("from metaie.cli"):
        assert r.stderr.strip() == line  # the CLI prints it alone
