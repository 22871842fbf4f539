"""A streamed Response: the Responses event sequence, built from a streamed chat completion.

Events, each with a ``sequence_number`` counting from 0: ``response.created``,
``response.in_progress``; for the model's thinking ``response.output_item.added`` (a
``reasoning`` item), ``response.reasoning_text.delta``...; for text
``response.output_item.added`` (a ``message``), ``response.content_part.added``,
``response.output_text.delta``...; for each tool call ``response.output_item.added`` (a
``function_call``) and ``response.function_call_arguments.delta``...; then, once the chat stream
ends, the ``.done`` events of each part and item, and ``response.completed`` (or
``response.incomplete``) carrying the whole :class:`Response`.

Per chunk the work is one event object per delta: no copies of the text so far (the final
texts come from the chat stream's own accumulation).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ._responses_bridge import new_id, response_from
from .types._base import set_dict
from .types.responses import (
    ParsedResponse,
    Response,
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseReasoningItem,
    ResponseStreamEvent,
)

if TYPE_CHECKING:
    from ._streaming import Stream
    from ._structured import ParseSpec
    from .types import ChatCompletion

__all__ = ["ResponseStream", "events"]


def _event(kind: str, number: int, fields: dict[str, Any]) -> ResponseStreamEvent:
    """One event, built as objects read from the server are (one per delta: the hot path)."""
    event: ResponseStreamEvent = object.__new__(ResponseStreamEvent)
    set_dict(event, {"type": kind, "sequence_number": number, "_extra": fields})
    return event


class ResponseStream:
    """The events of a streamed response: iterate it, or use it in a ``with`` block.

    ``get_final_response()`` reads what is left and returns the :class:`Response`; ``close()``
    drops the connection. With ``response_types="openai"`` the events and the final response
    are the openai package's own types.
    """

    def __init__(
        self,
        chat: Stream,
        request: Mapping[str, Any],
        previous: str | None,
        keep: Callable[[Response, ChatCompletion], None],
        *,
        convert: bool,
        spec: ParseSpec | None = None,
    ) -> None:
        self._chat = chat
        self._spec = spec
        self._events = self._generate(request, previous, keep)
        self._final: Any = None
        self._convert = convert
        self._adapter: Any = None

    def __iter__(self) -> Iterator[ResponseStreamEvent]:
        return self

    def __next__(self) -> ResponseStreamEvent:
        event = next(self._events)
        if self._convert:  # openai's own event (the declared type stays this package's)
            converted: ResponseStreamEvent = self._openai(event)
            return converted
        return event

    def __enter__(self) -> ResponseStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection; events not read yet are dropped."""
        self._chat.close()

    def until_done(self) -> ResponseStream:
        """Read every remaining event; returns the stream."""
        for _ in self:
            pass
        return self

    def get_final_response(self) -> Response:
        """The whole response, once the stream has ended (reading what is left).

        With ``text_format`` (``responses.stream``) it is a :class:`ParsedResponse`.
        """
        self.until_done()
        final: Response = self._final
        return final

    def _openai(self, event: ResponseStreamEvent) -> Any:
        if self._adapter is None:
            from openai.types.responses import (  # noqa: PLC0415 - openai mode only
                ResponseStreamEvent as OpenAIEvent,
            )
            from pydantic import TypeAdapter  # noqa: PLC0415 - openai mode only

            self._adapter = TypeAdapter(OpenAIEvent)
        return self._adapter.validate_python(event.to_dict())

    def _generate(
        self,
        request: Mapping[str, Any],
        previous: str | None,
        keep: Callable[[Response, ChatCompletion], None],
    ) -> Iterator[ResponseStreamEvent]:

        number = -1
        items: list[Any] = []  # output items in order
        index_of: dict[int, int] = {}  # id(item) -> output index

        def emit(kind: str, fields: dict[str, Any]) -> ResponseStreamEvent:
            nonlocal number
            number += 1
            return _event(kind, number, fields)

        def opened(item: Any) -> ResponseStreamEvent:
            index_of[id(item)] = len(items)
            items.append(item)
            return emit(
                "response.output_item.added",
                {"output_index": len(items) - 1, "item": attrs.evolve(item)},
            )

        shell = Response(
            id=new_id("resp"),
            status="in_progress",
            model=str(request.get("model") or ""),
            created_at=float(int(time.time())),
        )
        yield emit("response.created", {"response": shell})
        yield emit("response.in_progress", {"response": attrs.evolve(shell)})
        text_item: ResponseOutputMessage | None = None
        reasoning_item: ResponseReasoningItem | None = None
        calls: dict[int, ResponseFunctionToolCall] = {}
        for chunk in self._chat.accumulate():
            if not chunk.choices:
                continue
            choice = chunk.choices[0]
            if choice.index != 0:
                continue
            delta = choice.delta
            thinking = getattr(delta, "reasoning_content", None)
            if thinking:
                if reasoning_item is None:
                    reasoning_item = ResponseReasoningItem(id=new_id("rs"), status="in_progress")
                    yield opened(reasoning_item)
                yield emit(
                    "response.reasoning_text.delta",
                    {
                        "item_id": reasoning_item.id,
                        "output_index": index_of[id(reasoning_item)],
                        "content_index": 0,
                        "delta": thinking,
                    },
                )
            content = delta.content
            if content:
                if text_item is None:
                    text_item = ResponseOutputMessage(id=new_id("msg"), status="in_progress")
                    yield opened(text_item)
                    yield emit(
                        "response.content_part.added",
                        {
                            "item_id": text_item.id,
                            "output_index": index_of[id(text_item)],
                            "content_index": 0,
                            "part": ResponseOutputText(),
                        },
                    )
                yield emit(
                    "response.output_text.delta",
                    {
                        "item_id": text_item.id,
                        "output_index": index_of[id(text_item)],
                        "content_index": 0,
                        "delta": content,
                        "logprobs": [],
                    },
                )
            for piece in delta.tool_calls or ():
                position = piece.index if isinstance(piece.index, int) else 0
                call = calls.get(position)
                function = piece.function
                if call is None:
                    call = calls[position] = ResponseFunctionToolCall(
                        id=new_id("fc"),
                        call_id=piece.id or "",
                        name=(function.name if function is not None else None) or "",
                        status="in_progress",
                    )
                    yield opened(call)
                fragment = function.arguments if function is not None else None
                if fragment:
                    yield emit(
                        "response.function_call_arguments.delta",
                        {"item_id": call.id, "output_index": index_of[id(call)], "delta": fragment},
                    )
        completion = self._chat.get_final_completion()
        if self._spec is not None:
            from ._structured import parse_completion  # noqa: PLC0415 - only when parsing

            parse_completion(completion, self._spec, self._chat.response)
        final = response_from(
            completion, request, previous, ParsedResponse if self._spec is not None else Response
        )
        final.id = shell.id
        # The streamed items keep their ids and positions: the final output is in stream order.
        done_items = _matched(items, final.output)
        final.output = done_items
        for position, item in enumerate(done_items):
            if isinstance(item, ResponseReasoningItem):
                text = "".join(getattr(part, "text", "") for part in item.content or ())
                yield emit(
                    "response.reasoning_text.done",
                    {
                        "item_id": item.id,
                        "output_index": position,
                        "content_index": 0,
                        "text": text,
                    },
                )
            elif isinstance(item, ResponseOutputMessage):
                text = "".join(p.text for p in item.content if isinstance(p, ResponseOutputText))
                common = {"item_id": item.id, "output_index": position, "content_index": 0}
                yield emit("response.output_text.done", {**common, "text": text, "logprobs": []})
                part = ResponseOutputText(text=text)
                yield emit("response.content_part.done", {**common, "part": part})
            elif isinstance(item, ResponseFunctionToolCall):
                yield emit(
                    "response.function_call_arguments.done",
                    {
                        "item_id": item.id,
                        "output_index": position,
                        "name": item.name,
                        "arguments": item.arguments,
                    },
                )
            yield emit(
                "response.output_item.done",
                {"output_index": position, "item": item},
            )
        keep(final, completion)
        kind = "response.completed" if final.status == "completed" else "response.incomplete"
        yield emit(kind, {"response": final})
        if self._convert:
            from . import _openai_types  # noqa: PLC0415 - openai mode only

            self._final = _openai_types.response(final)
        else:
            self._final = final


def _matched(streamed: list[Any], final: list[Any]) -> list[Any]:
    """The final items in the order they streamed, each keeping its streamed id.

    A final item that never streamed (none should) goes after them.
    """
    by_type: dict[type, list[Any]] = {}
    for item in final:
        by_type.setdefault(type(item), []).append(item)
    out = []
    for item in streamed:
        same = by_type.get(type(item))
        if same:
            done = same.pop(0)
            done.id = item.id
            out.append(done)
    out.extend(item for items in by_type.values() for item in items)
    return out


def events(
    chat: Stream,
    request: Mapping[str, Any],
    previous: str | None,
    keep: Callable[[Response, ChatCompletion], None],
    *,
    convert: bool = False,
    spec: ParseSpec | None = None,
) -> ResponseStream:
    """A :class:`ResponseStream` over a streamed chat completion (``spec``: parse the end)."""
    return ResponseStream(chat, request, previous, keep, convert=convert, spec=spec)
