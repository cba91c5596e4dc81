"""HTTP serving: a FastAPI app over one loaded model, with micro-batching and a small web page."""
from ..extras import require

require("fastapi", "serve", "the HTTP server")  # the whole package serves through FastAPI: say so in one line
