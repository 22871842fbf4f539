"""``client.responses``: the Responses API, translated to one chat completion (or a tool loop).

Sogni serves only ``chat/completions``; this resource turns a Responses request into chat
keywords (``input`` items to messages, ``instructions`` to a system message, function tools,
``text.format`` to ``response_format``, ``reasoning.effort``, ``max_output_tokens``), sends it
through ``chat.completions`` (so every check, Sogni keyword, bound and the auto-tool loop
apply), and turns the answer back into a :class:`Response`.

``store=True`` (the default, as in openai's API) keeps the conversation of each response this
client made in memory, at most :data:`STORE_LIMIT` responses (least recently used dropped
first), so ``previous_response_id`` continues it, ``retrieve``/``delete`` find it and
``input_items.list`` lists what it answered. The genuine openai clients of
``client.as_openai()``/``as_async_openai()`` are served by this resource too (``_served``,
``_stored``, ``_input_page``), with this client's store.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._errors import NotFoundError
from .._responses_bridge import chat_keywords, check_request, input_items, response_from
from ..types.responses import Response, ResponseInputItem, ResponseItemList
from ._base import Resource
from .chat import Completions

if TYPE_CHECKING:
    from .._requester import Requester
    from .._responses_stream import ResponseStream
    from ..types import ChatCompletion

__all__ = ["STORE_LIMIT", "InputItems", "Responses"]

#: Responses kept for ``previous_response_id``/``retrieve`` per client (least recently used
#: dropped first).
STORE_LIMIT = 256


class _Kept:
    """What the store keeps of one response."""

    __slots__ = ("items", "messages", "response")

    def __init__(self, response: Response, messages: list[Any], items: list[Any]) -> None:
        #: The response itself.
        self.response = response
        #: The chat conversation up to and including its answer (instructions excluded).
        self.messages = messages
        #: The input items it answered, earlier responses' included (``input_items.list()``).
        self.items = items


class _Store:
    """Recent responses by id, least recently used dropped first past the limit."""

    def __init__(self, limit: int = STORE_LIMIT) -> None:
        self._limit = limit
        self._items: collections.OrderedDict[str, _Kept] = collections.OrderedDict()
        self._lock = threading.Lock()

    def put(self, kept: _Kept) -> None:
        response_id = kept.response.id
        with self._lock:
            self._items[response_id] = kept
            self._items.move_to_end(response_id)
            while len(self._items) > self._limit:
                self._items.popitem(last=False)

    def get(self, response_id: str) -> _Kept:
        with self._lock:
            found = self._items.get(response_id)
            if found is not None:
                self._items.move_to_end(response_id)
        if found is None:
            raise _not_found(response_id, self._limit)
        return found

    def delete(self, response_id: str) -> None:
        with self._lock:
            if self._items.pop(response_id, None) is None:
                raise _not_found(response_id, self._limit)


def _not_found(response_id: str, limit: int) -> NotFoundError:
    import requests  # noqa: PLC0415 - only for the error's response object

    response = requests.Response()
    response.status_code = 404
    return NotFoundError(
        f"No response {response_id!r} in this client's store: Sogni keeps no responses, so "
        "previous_response_id, retrieve() and delete() work on the ones this client made with "
        f"store=True (the {limit} most recently used)",
        response=response,
        body=None,
    )


class Responses(Resource):
    """``client.responses``: create, stream, parse, retrieve, delete and list input items."""

    def __init__(self, client: Requester) -> None:
        super().__init__(client)
        self._store = _Store()
        #: The chat path every response is translated to (a namespace of its own, so this one
        #: needs nothing of the client but its request path).
        self._completions = Completions(client)
        #: The same path making one attempt per request, for genuine openai clients served
        #: here (their own retries are the only ones).
        self._served_completions = Completions(client)
        self._served_completions._retries = 0
        #: ``input_items.list(response_id)``: the input items of a stored response.
        self.input_items = InputItems(self)

    def create(self, **kwargs: Any) -> Any:
        """Create a model response (keyword-only, as the openai package's ``responses.create``).

        ``input`` (a string or a list of items), ``instructions``, ``tools`` (function tools),
        ``tool_choice``, ``text={"format": ...}``, ``reasoning={"effort": ...}``,
        ``max_output_tokens``, ``temperature``, ``top_p``, ``parallel_tool_calls``,
        ``metadata``, ``user``, ``stream``, ``previous_response_id``, ``store``, ``truncation``,
        ``include``, plus every Sogni keyword and tool-loop keyword ``chat.completions.create``
        takes. Returns a :class:`Response`, or with ``stream=True`` an iterator of
        :class:`ResponseStreamEvent`. OpenAI's built-in tools are refused before sending.
        """
        return self._create(kwargs)

    def parse(self, **kwargs: Any) -> Any:
        """Like :meth:`create`, with ``text_format`` parsed into ``output_parsed``.

        ``text_format`` is a pydantic model, an attrs class or a dataclass (a strict JSON schema
        built from it is sent, and shown as the response's ``text.format``); strict function
        tools get ``parsed_arguments``.
        """
        if kwargs.get("stream"):
            raise ValueError("parse() does not stream; use stream() for a streamed response")
        return self._create(kwargs, parsing=True)

    def stream(self, **kwargs: Any) -> Any:
        """A streamed response in a ``with`` block, as the openai package's ``responses.stream``.

        Iterate the events, then call ``get_final_response()``.
        """
        if kwargs.get("stream") is not None:
            raise TypeError("stream() always streams: leave the stream keyword out")
        kwargs["stream"] = True
        return self._create(kwargs, parsing="text_format" in kwargs)

    def retrieve(self, response_id: str, **_: Any) -> Any:
        """A response this client made with ``store=True`` (``NotFoundError`` otherwise)."""
        response = self._stored(response_id)
        if self._client.response_types == "openai":
            from .. import _openai_types  # noqa: PLC0415 - only in this mode

            return _openai_types.response(response)
        return response

    def delete(self, response_id: str, **_: Any) -> None:
        """Forget a stored response (``NotFoundError`` if this client has no such response)."""
        self._store.delete(response_id)

    # -- what a genuine openai client's transport calls (always this package's own types) ----

    def _served(self, kwargs: dict[str, Any]) -> Response | ResponseStream:
        """``create()`` for a genuine openai client: one attempt, this package's types."""
        created: Response | ResponseStream = self._create(kwargs, served=True)
        return created

    def _stored(self, response_id: str) -> Response:
        """A stored response, as this package's type."""
        return self._store.get(response_id).response

    def _input_page(
        self, response_id: str, *, after: str | None, limit: int, order: str
    ) -> ResponseItemList:
        """A page of a stored response's input items, as this package's type."""
        check_page(after, limit, order)
        items = self._store.get(response_id).items
        ordered = items if order == "asc" else items[::-1]
        start = 0
        if after is not None:
            ids = [item.get("id") for item in ordered]
            if after not in ids:
                raise ValueError(f"after: {after!r} is not an input item of {response_id!r}")
            start = ids.index(after) + 1
        read = ResponseInputItem.reader()
        following = [read(item, None) for item in ordered[start:]]
        page = ResponseItemList.model_construct(  # every field shown, None ones too
            object="list",
            data=following[:limit],
            first_id=following[0].id if following else None,
            last_id=following[:limit][-1].id if following else None,
            has_more=len(following) > limit,
        )
        page._following = following
        return page

    def _chat_kwargs(
        self, kwargs: dict[str, Any]
    ) -> tuple[dict[str, Any], list[Any], str | None, list[Any]]:
        """Chat keywords, the conversation, the previous response's id, the earlier items.

        The conversation leaves the instructions out; the earlier items are the previous
        response's input items and its output (what ``input_items.list`` shows before this
        request's input).
        """
        check_request(kwargs)
        request = dict(kwargs)
        previous = request.pop("previous_response_id", None)
        history: list[Any] = []
        earlier_items: list[Any] = []
        if previous is not None:
            kept = self._store.get(previous)
            earlier = kept.response
            history = list(kept.messages)
            earlier_items = [*kept.items, *(item.model_dump() for item in earlier.output)]
            looping = request.get("auto_execute_tools") or request.get("autoExecuteTools")
            if looping and "media_context" not in request and "mediaContext" not in request:
                # Hosted tools' indices go on numbering from the earlier responses' media.
                request["media_context"] = earlier.media
        chat, conversation = chat_keywords(request, history)
        return chat, conversation, previous, earlier_items

    def _create(
        self, kwargs: dict[str, Any], *, parsing: bool = False, served: bool = False
    ) -> Any:
        request = dict(kwargs)
        text_format = request.pop("text_format", None) if parsing else None
        chat, messages, previous, earlier_items = self._chat_kwargs(request)
        if text_format is not None:
            request["text_format"] = text_format
        completions = self._served_completions if served else self._completions
        to_openai = not served and self._client.response_types == "openai"
        if chat.get("stream"):
            from .._responses_stream import events  # noqa: PLC0415 - only for streams

            spec = None
            if parsing:
                from .._structured import parse_spec  # noqa: PLC0415 - only when parsing

                spec = parse_spec(text_format, chat.get("tools"))
                if spec.response_format is not None:
                    chat["response_format"] = spec.response_format
            streamed = completions._create(chat, "parsed", native=True)
            keep = self._finish(request, messages, earlier_items)
            return events(streamed, request, previous, keep, convert=to_openai, spec=spec)
        if parsing and text_format is not None:
            chat["response_format"] = text_format
        # This package's own types, converted at the end for response_types="openai".
        completion = completions._create(chat, "parsed", parsing=parsing, native=True)
        response = response_from(completion, request, previous)
        self._keep(request, messages, earlier_items, response, completion)
        if to_openai:
            from .. import _openai_types  # noqa: PLC0415 - only in this mode

            return _openai_types.response(response)
        return response

    def _finish(
        self, request: Mapping[str, Any], messages: list[Any], earlier_items: list[Any]
    ) -> Any:
        def keep(response: Response, completion: ChatCompletion) -> None:
            self._keep(request, messages, earlier_items, response, completion)

        return keep

    def _keep(
        self,
        request: Mapping[str, Any],
        messages: list[Any],
        earlier_items: list[Any],
        response: Response,
        completion: ChatCompletion,
    ) -> None:
        if request.get("store", True) is False:
            return
        conversation = list(messages)
        for entry in completion.tool_history:  # a loop's rounds stay in the conversation
            asked = entry.completion.choices[0].message if entry.completion else None
            conversation.append(
                {
                    "role": "assistant",
                    "content": asked.content if asked is not None else None,
                    "tool_calls": [
                        {
                            "id": call.id,
                            "type": "function",
                            "function": {
                                "name": call.function.name,
                                "arguments": call.function.arguments,
                            },
                        }
                        for call in entry.tool_calls
                    ],
                }
            )
            conversation.extend(
                {"role": "tool", "tool_call_id": result.tool_call_id, "content": result.content}
                for result in entry.tool_results
            )
        if completion.choices:
            message = completion.choices[0].message
            said: dict[str, Any] = {"role": "assistant", "content": message.content}
            if message.tool_calls:
                said["tool_calls"] = [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {
                            "name": call.function.name,
                            "arguments": call.function.arguments,
                        },
                    }
                    for call in message.tool_calls
                ]
            conversation.append(said)
        items = [*earlier_items, *input_items(request.get("input", ()))]
        self._store.put(_Kept(response, conversation, items))


def check_page(after: object, limit: object, order: object) -> None:
    """Refuse a bad ``after``, ``limit`` (1 to 100) or ``order`` (``asc``/``desc``)."""
    if after is not None and not isinstance(after, str):
        raise TypeError(f"after must be an item id (a string); got {type(after).__name__}")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= _MAX_PAGE:
        raise ValueError(f"limit must be a whole number from 1 to {_MAX_PAGE}; got {limit!r}")
    if order not in ("asc", "desc"):
        raise ValueError(f"order must be 'asc' or 'desc'; got {order!r}")


#: The most input items one page holds (as OpenAI's API allows).
_MAX_PAGE = 100


class InputItems:
    """``client.responses.input_items``: the input items of a stored response."""

    def __init__(self, responses: Responses) -> None:
        self._responses = responses

    def list(
        self,
        response_id: str,
        *,
        after: str | None = None,
        limit: int = 20,
        order: str = "desc",
        include: Any = None,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
    ) -> Any:
        """The input items a stored response answered, earlier responses' included.

        As the openai package's ``responses.input_items.list``: ``order`` ``"desc"`` (newest
        first, the default) or ``"asc"``, at most ``limit`` (1 to 100, default 20) items after
        the item ``after``. A :class:`ResponseItemList` (the openai package's with
        ``response_types="openai"``); ``NotFoundError`` for a response not in the store.
        ``include`` and the request options are accepted and change nothing (no request is
        sent).
        """
        del include, extra_headers, extra_query, extra_body, timeout
        page = self._responses._input_page(response_id, after=after, limit=limit, order=order)
        if self._responses._client.response_types == "openai":
            from .. import _openai_types  # noqa: PLC0415 - only in this mode

            return _openai_types.item_list(page)
        return page
