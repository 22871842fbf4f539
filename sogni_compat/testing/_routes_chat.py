"""Chat completions: ``POST /v1/chat/completions``, plain or streamed.

The answer is the deterministic echo of :mod:`._model`. When every tool it calls is a hosted
tool the request let Sogni inject (``sogni_tools``) and ``sogni_tool_execution`` is not false,
the tools run inline, as on Sogni: composition tools at once, the others as workflows that have
already finished; the answer then gives their results.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from ._hosted import compose, vision_uploads
from ._http import BaseHandler
from ._model import Answer, answer_for, chunks_for, completion_for, tokens
from ._wire import Reply, openai_error, unknown_model


class ChatRoutes(BaseHandler):
    """The chat completions route, a mixin of the emulator's handler."""

    def _chat(self, body: dict[str, Any]) -> None:
        """``POST chat/completions``: the echo's answer, whole or as a stream of chunks."""
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise Reply(
                400,
                openai_error(
                    "messages must be a non-empty list", "invalid_request_error", None, "messages"
                ),
            )
        for i, message in enumerate(messages):
            if not isinstance(message, dict) or not isinstance(message.get("role"), str):
                raise Reply(
                    400,
                    openai_error(
                        f"messages[{i}] must be an object with a role",
                        "invalid_request_error",
                        None,
                        "messages",
                    ),
                )
        model = body.get("model") or self.emulator.models[0]
        if model not in self.emulator.models:
            raise Reply(404, unknown_model(model))
        hosted = frozenset(
            self.emulator.catalog.injected(body.get("sogni_tools", "creative-tools"))
        )
        answer = answer_for(body, hosted)
        extra: dict[str, Any] = {}
        if (
            answer.tool_calls
            and body.get("sogni_tool_execution", True) is not False
            and all(name in hosted for name, _ in answer.tool_calls)
        ):
            answer, extra = self._run_hosted_inline(body, answer)
        completion_id = f"chatcmpl-{self.request_id}"
        if body.get("stream") is True:
            options = body.get("stream_options")
            include_usage = isinstance(options, dict) and options.get("include_usage") is True
            chunks = chunks_for(
                answer,
                completion_id=completion_id,
                model=model,
                include_usage=include_usage,
                body=body,
            )
            stamp = self.emulator.stamp_chunks
            events = [_data_event(chunk, stamp) for chunk in chunks]
            events.append(lambda: b"data: [DONE]\n\n")
            self._stream(events)
            return
        self._send_json(
            200,
            completion_for(
                answer, completion_id=completion_id, model=model, extra=extra, body=body
            ),
        )

    def _run_hosted_inline(self, body: dict[str, Any], answer: Answer) -> tuple[Answer, Any]:
        """Sogni runs the hosted tools it injected and answers with their results."""
        catalog = self.emulator.catalog
        uploads = {"image": vision_uploads(body["messages"]), "video": [], "audio": []}
        for reference in body.get("media_references") or ():
            if isinstance(reference, dict) and reference.get("kind") in uploads:
                value = reference.get("url") or reference.get("value")
                if isinstance(value, str):
                    uploads[reference["kind"]].append(value)
        results, workflows, lines = [], [], []
        for name, arguments in answer.tool_calls:
            if name in catalog.composition:
                result, message = compose(name, arguments, tokens)
                results.append({"tool": name, "success": True, "result": result})
                lines.append(f"{name}: {message or json.dumps(result)}")
                continue
            step = {"id": "step_1", "toolName": name, "arguments": arguments}
            workflow = self.emulator._start_workflow([step], uploads, None, finished=True)
            snapshot = workflow.snapshot(time.monotonic())
            urls = [a["url"] for a in snapshot["artifacts"]]
            rows = [{"url": a["url"], "mediaType": a["kind"]} for a in snapshot["artifacts"]]
            results.append(
                {"tool": name, "success": not workflow.fails, "urls": urls, "mediaUrls": rows}
            )
            # The TS SDK's HostedCreativeWorkflowReference: id, status and where to follow it.
            where = f"{self.emulator.root_url}/v1/creative-agent/workflows/{workflow.workflow_id}"
            workflows.append(
                {
                    "workflowId": workflow.workflow_id,
                    "status": snapshot["status"],
                    "url": where,
                    "eventsUrl": f"{where}/events",
                    "streamUrl": f"{where}/events/stream",
                }
            )
            lines.append(f"{name}: {' '.join(urls) or snapshot['status']}")
        content = "Tool results: " + "; ".join(lines)
        done = Answer(
            content=content, reasoning=answer.reasoning, prompt_tokens=answer.prompt_tokens
        )
        return done, {"sogni_tool_results": results, "creative_workflows": workflows}


def _data_event(data: dict[str, Any], stamp: bool) -> Callable[[], bytes | None]:
    """One ``data:`` event, made when the stream gets to it (``stamp``: with ``sent_at``)."""

    def make() -> bytes:
        sent = {**data, "sent_at": time.monotonic()} if stamp else data
        return f"data: {json.dumps(sent)}\n\n".encode()

    return make
