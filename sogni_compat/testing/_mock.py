"""``MockSogni``: queued answers for unit tests, served by ``responses`` (no sockets)."""

from __future__ import annotations

import collections
import itertools
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from requests import PreparedRequest

try:
    import responses
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "MockSogni needs the 'responses' package: pip install responses "
        "(or use LocalSogniServer, which needs nothing)"
    ) from exc

from .._config import DEFAULT_BASE_URL, ENV_BASE_URL
from ._model import MODELS, Answer, chunks_for, completion_for, tokens

__all__ = ["MockSogni", "MockSogniError"]


class MockSogniError(AssertionError):
    """A test used ``MockSogni`` wrongly: a request with nothing queued, or answers left over."""


class _Queued:
    """One queued answer: a status error, or an answer served as JSON or as a stream."""

    def __init__(
        self,
        *,
        answer: Answer | None = None,
        pieces: Sequence[str] | None = None,
        status: int = 200,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
        label: str,
    ) -> None:
        self.answer = answer
        self.pieces = pieces
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        self.label = label


class MockSogni:
    """Answer ``chat/completions`` from a queue, in order, for tests of code that uses the client.

    ::

        from sogni_compat import OpenAI
        from sogni_compat.testing import MockSogni

        def test_greeting():
            with MockSogni() as sogni:
                sogni.add_completion("Hello, Ada!")
                client = OpenAI(api_key="test")
                assert greet(client, "Ada") == "Hello, Ada!"
                assert sogni.bodies[0]["messages"][-1]["content"] == "Greet Ada"

    It intercepts ``base_url``, by default the one a client given no ``base_url`` uses
    (``$SOGNI_BASE_URL``, else Sogni's), so a test passes whether or not that variable is set.
    Every queued answer is served as JSON, or as an SSE stream when the request asks for one.
    ``models`` and ``models/{id}`` answer from ``models``. A request with nothing queued raises
    :class:`MockSogniError`; so does leaving the block with answers unused (unless
    ``assert_all_used=False``).
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        models: Sequence[str] = MODELS,
        assert_all_used: bool = True,
    ) -> None:
        # By default the URL a client without base_url resolves: $SOGNI_BASE_URL, else Sogni's.
        resolved = base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
        self.base_url = resolved.rstrip("/")
        self.models = tuple(models)
        self.assert_all_used = assert_all_used
        self._queue: collections.deque[_Queued] = collections.deque()
        self._mock: responses.RequestsMock | None = None
        self._ids = itertools.count(1)
        self._received: list[PreparedRequest] = []
        #: The JSON bodies sent to ``chat/completions``, in order.
        self.bodies: list[dict[str, Any]] = []

    # -- queueing --------------------------------------------------------------------------

    def add_completion(
        self,
        content: str = "",
        *,
        finish_reason: str = "stop",
        reasoning: str | None = None,
        **extra: Any,
    ) -> None:
        """Queue an answer with ``content`` (``extra`` adds top-level fields, e.g. ``usage``)."""
        answer = Answer(content=content, finish_reason=finish_reason, reasoning=reasoning)
        self._queue.append(_Queued(answer=answer, extra=extra, label=f"completion {content!r}"))

    def add_stream(self, *pieces: str, finish_reason: str = "stop", **extra: Any) -> None:
        """Queue an answer streamed as exactly these content ``pieces`` (one chunk each)."""
        answer = Answer(content="".join(pieces), finish_reason=finish_reason)
        self._queue.append(
            _Queued(answer=answer, pieces=pieces, extra=extra, label=f"stream {pieces!r}")
        )

    def add_tool_call(self, name: str, arguments: Mapping[str, Any] | None = None) -> None:
        """Queue an answer that asks for one tool call."""
        self.add_tool_calls((name, arguments or {}))

    def add_tool_calls(self, *calls: tuple[str, Mapping[str, Any]]) -> None:
        """Queue an answer that asks for several tool calls ``(name, arguments)`` at once."""
        answer = Answer(
            tool_calls=[(name, dict(arguments)) for name, arguments in calls],
            finish_reason="tool_calls",
        )
        names = ", ".join(name for name, _ in calls)
        self._queue.append(_Queued(answer=answer, label=f"tool calls ({names})"))

    def add_error(
        self,
        status: int,
        message: str = "",
        *,
        code: str | None = None,
        type: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> None:
        """Queue an error answer: an OpenAI error envelope, or ``body`` as given."""
        if body is None:
            body = {
                "error": {
                    "message": message or f"Error {status}",
                    "type": type or "api_error",
                    "code": code,
                }
            }
        self._queue.append(
            _Queued(status=status, body=body, headers=headers, label=f"error {status}")
        )

    @property
    def pending(self) -> int:
        """Queued answers not served yet."""
        return len(self._queue)

    @property
    def requests(self) -> list[PreparedRequest]:
        """Every request the mock received (``chat/completions``, ``models``), kept after stop."""
        if self._mock is None:
            return list(self._received)
        return [call.request for call in self._mock.calls]

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> MockSogni:
        """Start intercepting ``requests`` (what ``with`` does)."""
        mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        mock.start()
        mock.add_callback(responses.POST, f"{self.base_url}/chat/completions", self._chat)
        mock.add(
            responses.GET,
            f"{self.base_url}/models",
            json={"object": "list", "data": [self._model(m) for m in self.models]},
        )
        for model in self.models:
            mock.add(responses.GET, f"{self.base_url}/models/{model}", json=self._model(model))
        self._mock = mock
        return self

    def stop(self, *, check: bool = True) -> None:
        """Stop intercepting; with ``check``, fail if queued answers were never used."""
        mock, self._mock = self._mock, None
        if mock is not None:
            self._received = [call.request for call in mock.calls]
            mock.stop()
            mock.reset()
        if check and self.assert_all_used and self._queue:
            unused = ", ".join(item.label for item in self._queue)
            raise MockSogniError(
                f"MockSogni: {len(self._queue)} queued answer(s) never used: {unused}"
            )

    def __enter__(self) -> MockSogni:
        return self.start()

    def __exit__(self, exc_type: object, *exc_info: object) -> None:
        self.stop(check=exc_type is None)

    # -- serving ---------------------------------------------------------------------------

    @staticmethod
    def _model(model_id: str) -> dict[str, Any]:
        return {"id": model_id, "object": "model", "created": 1767225600, "owned_by": "sogni"}

    def _chat(self, request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        raw = request.body or b"{}"
        body = json.loads(raw)
        self.bodies.append(body)
        if not self._queue:
            raise MockSogniError(
                f"MockSogni: no answer queued for chat request #{len(self.bodies)}; queue one "
                "with add_completion(), add_stream(), add_tool_call() or add_error()"
            )
        item = self._queue.popleft()
        headers = {"x-request-id": f"req_mock_{len(self.bodies)}", **item.headers}
        if item.answer is None:
            payload = item.body if isinstance(item.body, str) else json.dumps(item.body)
            return item.status, headers, payload
        answer = item.answer
        answer.prompt_tokens = sum(
            len(tokens(m["content"]))
            for m in body.get("messages", ())
            if isinstance(m, dict) and isinstance(m.get("content"), str)
        )
        completion_id = f"chatcmpl-mock-{next(self._ids)}"
        model = body.get("model") or self.models[0]
        if body.get("stream") is True:
            options = body.get("stream_options")
            chunks = chunks_for(
                answer,
                completion_id=completion_id,
                model=model,
                include_usage=isinstance(options, dict) and options.get("include_usage") is True,
                pieces=item.pieces,
            )
            text = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
            return 200, {**headers, "Content-Type": "text/event-stream"}, text
        completion = completion_for(
            answer, completion_id=completion_id, model=model, extra=item.extra
        )
        return 200, {**headers, "Content-Type": "application/json"}, json.dumps(completion)
