"""Drive a real, locally started Label Studio through its HTTP API with metaie's files (a manual check, not a test).

    python scripts/label_studio_live.py URL TOKEN tasks.json tasks.config.xml export.json

Creates a project with the labelling config, imports the tasks (with their predictions), annotates every task
as a person would (accepts the predictions; in the task whose ``metaie_id`` is ``b`` deletes the region on
the first character and relabels the region "José" as person), and downloads the JSON export, which
``metaie import label-studio export.json --out corrected.jsonl`` then reads.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx


def main() -> None:
    base, token, tasks_path, cfg_path, out = sys.argv[1:6]
    c = httpx.Client(base_url=base, headers={"Authorization": f"Token {token}"}, timeout=60)
    proj = c.post("/api/projects", json={"title": "metaie", "label_config": Path(cfg_path).read_text(encoding="utf-8")})
    proj.raise_for_status()
    pid = proj.json()["id"]
    r = c.post(f"/api/projects/{pid}/import", json=json.loads(Path(tasks_path).read_text(encoding="utf-8")))
    r.raise_for_status()
    print("import", r.json())
    tasks = c.get("/api/tasks", params={"project": pid, "fields": "all"}).json()
    tasks = tasks["tasks"] if isinstance(tasks, dict) else tasks
    for t in tasks:
        result = (t.get("predictions") or [{"result": []}])[0]["result"]
        if t["data"].get("metaie_id") == "b":
            result = [dict(x, value=dict(x["value"], labels=["person"])) if x["value"]["text"] == "José" else x
                      for x in result if x["value"]["start"] != 0]
        c.post(f"/api/tasks/{t['id']}/annotations", json={"result": result}).raise_for_status()
    e = c.get(f"/api/projects/{pid}/export", params={"exportType": "JSON"})
    e.raise_for_status()
    with open(out, "wb") as f:
        f.write(e.content)
    print(f"{len(tasks)} tasks annotated, export written to {out}")


if __name__ == "__main__":
    main()
