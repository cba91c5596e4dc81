"""Teacher on any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama, llama.cpp)."""
from __future__ import annotations

import email.utils
import os
import time
from typing import Any

from ..extras import require
from .base import Completion, RetryableError, TeacherError

DEFAULT_BASE_URL = "https://api.openai.com/v1"


def retry_after_seconds(headers: Any) -> float | None:
    """Seconds to wait from ``retry-after-ms`` / ``Retry-After`` (seconds or an HTTP date).

    >>> retry_after_seconds({"retry-after": "2"})
    2.0
    """
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


class OpenAITeacher:
    """Chat completions through the official ``openai`` client (its own retries off: ours are counted).

    >>> OpenAITeacher("gpt-4o-mini", api_key="sk-test").params()
    {'temperature': 0.0, 'max_tokens': 256}
    """

    backend = "openai"

    def __init__(self, model: str, base_url: str | None = None, api_key: str | None = None,
                 api_key_env: str = "OPENAI_API_KEY", temperature: float = 0.0, max_tokens: int = 256,
                 timeout: float = 60.0, primer_mode: str = "append", concurrency: int = 8):
        import httpx

        require("openai", "distill", "the OpenAI-compatible teacher")  # one line naming the extra when absent
        import openai

        self.model = model
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        key = api_key or os.environ.get(api_key_env)
        if not key:
            if self.base_url.rstrip("/") == DEFAULT_BASE_URL:
                raise TeacherError(f"no API key: set ${api_key_env} (or --api-key-env NAME), or point --base-url "
                                   "at a local server")
            key = "not-needed"  # local servers (vLLM, Ollama, llama.cpp) accept any key
        self.temperature, self.max_tokens, self.primer_mode = temperature, max_tokens, primer_mode
        limits = httpx.Limits(max_connections=max(concurrency, 1) + 4, max_keepalive_connections=max(concurrency, 1))
        self._client = openai.AsyncOpenAI(api_key=key, base_url=self.base_url, timeout=timeout, max_retries=0,
                                          http_client=openai.DefaultAsyncHttpxClient(
                                              limits=limits, timeout=timeout))  # type: ignore[arg-type]
        self._openai = openai

    def params(self) -> dict[str, Any]:
        return {"temperature": self.temperature, "max_tokens": self.max_tokens}

    async def complete(self, messages: list[dict[str, str]]) -> Completion:
        oa = self._openai
        try:
            resp = await self._client.chat.completions.create(
                model=self.model, messages=messages,  # type: ignore[arg-type]  # role/content dicts, untyped
                temperature=self.temperature, max_tokens=self.max_tokens)
        except oa.AuthenticationError as e:
            raise TeacherError(f"the teacher at {self.base_url} refused the API key (401): check the key in "
                               "the environment variable named by --api-key-env") from e
        except oa.PermissionDeniedError as e:
            raise TeacherError(f"the teacher at {self.base_url} denied access (403): {_msg(e)}") from e
        except oa.NotFoundError as e:
            raise TeacherError(f"not found at {self.base_url} (404): check --model {self.model!r} and "
                               f"--base-url: {_msg(e)}") from e
        except oa.RateLimitError as e:
            raise RetryableError(f"429 rate limited: {_msg(e)}", "rate_limit",
                                 retry_after_seconds(e.response.headers)) from e
        except oa.APITimeoutError as e:
            raise RetryableError("request timed out", "timeout") from e
        except oa.APIConnectionError as e:
            raise RetryableError(f"connection failed: {e.__cause__ or e}", "connection") from e
        except oa.APIStatusError as e:
            if e.status_code >= 500 or e.status_code in (408, 409):
                raise RetryableError(f"{e.status_code} server error", "server",
                                     retry_after_seconds(e.response.headers)) from e
            raise TeacherError(f"the teacher rejected the request ({e.status_code}): {_msg(e)}; check --model, "
                               "--max-tokens and --temperature") from e
        except (oa.APIResponseValidationError, ValueError) as e:
            raise RetryableError(f"malformed response body: {e}", "malformed") from e
        return _to_completion(resp)

    async def aclose(self) -> None:
        await self._client.close()


def _msg(e: Exception) -> str:
    body = getattr(e, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return str(getattr(e, "message", e))


def _to_completion(resp: Any) -> Completion:
    choices = getattr(resp, "choices", None)
    if not choices or getattr(choices[0], "message", None) is None:
        raise RetryableError(f"malformed response body: no choices in {str(resp)[:200]!r}", "malformed")
    text = choices[0].message.content or ""
    usage = getattr(resp, "usage", None)
    return Completion(text=text, prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
                      completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
                      finish_reason=str(choices[0].finish_reason or "stop"))
