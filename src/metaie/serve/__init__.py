"""HTTP serving: a FastAPI app over one loaded model, with micro-batching and a small web page."""
