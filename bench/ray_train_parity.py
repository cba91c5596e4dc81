"""Meta-training on 2 Ray Train workers against one process: the same data, settings and seed; held-out F1 and loss
per epoch, the largest weight difference, and wall time.

The embedded MiniLM-L6 keeps its dropout (0.1), and each worker draws its own masks, so the two runs are not
the same computation (with dropout off they agree to float rounding: tests/integration/test_ray.py); this
measures how far apart they end.

    python bench/ray_train_parity.py --out /tmp/ray_train_parity.json   # quickstart's run: 1,500 sentences
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from metaie.training import TrainArgs  # noqa: E402
from metaie.training.meta import meta_train  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="bundled")
    ap.add_argument("--records", type=int, default=1500)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--max-length", type=int, default=64)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    import ray
    import torch
    from safetensors.torch import load_file

    from metaie.ray.train import meta_train_ray

    def args() -> TrainArgs:
        return TrainArgs(epochs=a.epochs, batch_size=a.batch_size, lr=a.lr, seed=7, progress=False, threads=1,
                         checkpoint_every=1000)

    common = {"max_records": a.records, "dev_fraction": 0.05, "max_length": a.max_length}
    res: dict = {"records": a.records, "epochs": a.epochs, "batch_size": a.batch_size, "lr": a.lr, "workers": a.workers,
                 "loadavg_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        t = time.perf_counter()
        one = meta_train([a.data], d / "one", args(), device="cpu", **common)
        res["single"] = {"seconds": round(time.perf_counter() - t, 1), "history": one.history, "best_f1": one.best_f1}
        os.environ["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[1] / "src"),
                                                    os.environ.get("PYTHONPATH", "")])
        ray.init(num_cpus=a.workers, include_dashboard=False, log_to_driver=False)
        t = time.perf_counter()
        many = meta_train_ray([a.data], d / "many", args(), workers=a.workers, **common)
        res["ray"] = {"seconds": round(time.perf_counter() - t, 1), "history": many.history, "best_f1": many.best_f1}
        ray.shutdown()
        w1, w2 = load_file(str(d / "one" / "model.safetensors")), load_file(str(d / "many" / "model.safetensors"))
        res["max_weight_diff"] = max(float((w1[k] - w2[k]).abs().max()) for k in w1)
        res["rel_weight_diff"] = float(torch.cat([(w1[k] - w2[k]).flatten() for k in w1]).norm()
                                       / torch.cat([w1[k].flatten() for k in w1]).norm())
    res["f1_gap"] = [round(y["dev"]["f1"] - x["dev"]["f1"], 4) for x, y in zip(one.history, many.history)]
    res["loss_gap"] = [round(y["loss"] - x["loss"], 4) for x, y in zip(one.history, many.history)]
    res["loadavg_after"] = os.getloadavg()
    print(json.dumps(res, indent=2))
    if a.out:
        Path(a.out).write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
