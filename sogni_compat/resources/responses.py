"""``client.responses``: the Responses API, translated to one chat completion (or a tool loop).

Sogni serves only ``chat/completions``; this resource turns a Responses request into chat
keywords (``input`` items to messages, ``instructions`` to a system message, function tools,
``text.format`` to ``response_format``, ``reasoning.effort``, ``max_output_tokens``), sends it
through ``chat.completions`` (so every check, Sogni keyword, bound and the auto-tool loop
apply), and turns the answer back into a :class:`Response`.

``store=True`` (the default, as in openai's API) keeps the conversation of each response this
client made in memory, at most :data:`STORE_LIMIT` responses and :data:`STORE_BYTES` bytes
(least recently used dropped first), so ``previous_response_id`` continues it,
``retrieve``/``delete`` find it and ``input_items.list`` lists what it answered. The genuine
openai clients of ``client.as_openai()``/``as_async_openai()`` are served by this resource
too (``_served``, ``_stored``, ``_input_page``), with this client's store.
"""

from __future__ import annotations

import collections
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

import attrs

from .._config import is_absent
from .._errors import NotFoundError
from .._responses_bridge import chat_keywords, check_request, input_items, response_from
from ..types.responses import ParsedResponse, Response, ResponseInputItem, ResponseItemList
from ._base import Resource
from .chat import Completions

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._requester import Requester
    from .._responses_stream import ResponseStream
    from ..types import ChatCompletion
    from ..types.create_params import ResponseCreateParamsBase

__all__ = ["STORE_BYTES", "STORE_LIMIT", "InputItems", "Responses"]

if TYPE_CHECKING:  # parse() without text_format: ParsedResponse[Any] (PEP 696 default)
    from typing_extensions import TypeVar

    _T = TypeVar("_T", default=Any)
else:
    from typing import TypeVar

    _T = TypeVar("_T")

#: Responses kept for ``previous_response_id``/``retrieve`` per client (least recently used
#: dropped first).
STORE_LIMIT = 256
#: Bytes the kept responses may take in all, each counted with its whole conversation (the
#: input, every answer, the tool rounds); least recently used dropped first. A response
#: larger than this on its own is not kept.
STORE_BYTES = 64 * 1024 * 1024


def footprint(value: object) -> int:
    """The bytes ``value`` holds: its strings and bytes, containers and objects, each once.

    Walks dicts, lists, tuples and the response types' ``__dict__`` (however deep; each object
    is visited once, so cycles end), counting each object by ``sys.getsizeof``; other objects
    count as their own size.
    """
    seen: set[int] = set()
    total = 0
    stack: list[object] = [value]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        if isinstance(item, dict):
            stack.extend(part for pair in item.items() for part in pair)
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif attrs.has(type(item)):
            fields = getattr(item, "__dict__", None)
            if isinstance(fields, dict):
                stack.append(fields)
    return total


class _Store:
    """Recent responses: id -> (messages after it, the response, its input items).

    Bounded by count (``limit``) and by bytes (``max_bytes``, each entry counted by
    :func:`footprint` when it is put); the least recently used go first.
    """

    def __init__(self, limit: int = STORE_LIMIT, max_bytes: int = STORE_BYTES) -> None:
        self._limit = limit
        self._max_bytes = max_bytes
        self._items: collections.OrderedDict[str, tuple[list[Any], Response, list[Any], int]] = (
            collections.OrderedDict()
        )
        self._lock = threading.Lock()
        #: The bytes the kept entries hold, as counted when each was put.
        self.bytes = 0

    def put(self, response: Response, messages: list[Any], items: list[Any]) -> None:
        size = footprint((messages, response, items))
        with self._lock:
            old = self._items.pop(response.id, None)
            if old is not None:
                self.bytes -= old[3]
            if size > self._max_bytes:
                return  # larger than the whole store: kept by nobody (see _not_found)
            self._items[response.id] = (messages, response, items, size)
            self.bytes += size
            while len(self._items) > self._limit or self.bytes > self._max_bytes:
                self.bytes -= self._items.popitem(last=False)[1][3]

    def get(self, response_id: str) -> tuple[list[Any], Response, list[Any]]:
        with self._lock:
            found = self._items.get(response_id)
            if found is not None:
                self._items.move_to_end(response_id)
        if found is None:
            raise _not_found(response_id, self._limit, self._max_bytes)
        return found[0], found[1], found[2]

    def delete(self, response_id: str) -> None:
        with self._lock:
            found = self._items.pop(response_id, None)
            if found is not None:
                self.bytes -= found[3]
        if found is None:
            raise _not_found(response_id, self._limit, self._max_bytes)


def _not_found(response_id: str, limit: int, max_bytes: int) -> NotFoundError:
    import requests  # noqa: PLC0415 - only for the error's response object

    response = requests.Response()
    response.status_code = 404
    return NotFoundError(
        f"No response {response_id!r} in this client's store: Sogni keeps no responses, so "
        "previous_response_id, retrieve(), delete() and input_items.list() work on the ones this "
        "client made with "
        f"store=True (the {limit} most recently used, within {max_bytes // (1024 * 1024)} MiB "
        "with their conversations)",
        response=response,
        body=None,
    )


def _check_id(response_id: object) -> None:
    """The id of a kept response is a string."""
    if not isinstance(response_id, str):
        raise TypeError(f"response_id must be a string; got {type(response_id).__name__}")


class Responses(Resource):
    """``client.responses``: create, stream, parse, retrieve, delete and list input items."""

    _path = "responses"

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

    @overload
    def create(
        self, *, stream: Literal[True], **kwargs: Unpack[ResponseCreateParamsBase]
    ) -> ResponseStream: ...
    @overload
    def create(
        self, *, stream: Literal[False] | None = None, **kwargs: Unpack[ResponseCreateParamsBase]
    ) -> Response: ...
    @overload
    def create(
        self, *, stream: bool, **kwargs: Unpack[ResponseCreateParamsBase]
    ) -> Response | ResponseStream: ...

    def create(self, **kwargs: Any) -> Response | ResponseStream:
        """Create a model response (keyword-only, as the openai package's ``responses.create``).

        Keywords:

        - OpenAI's: ``input`` (required: a string or a list of items), ``model``,
          ``instructions``, ``tools`` (function tools), ``tool_choice``, ``text``
          (``{"format": ...}``), ``reasoning`` (``{"effort": ...}``), ``max_output_tokens``,
          ``temperature``, ``top_p``, ``top_logprobs``, ``parallel_tool_calls``,
          ``metadata``, ``user``, ``stream``, ``stream_options``, ``previous_response_id``,
          ``store``, ``truncation``, ``include``, ``prompt_cache_key``,
          ``prompt_cache_retention``, ``safety_identifier``, ``service_tier``.
        - Sogni's, the auto-tool loop's and the request options, as ``chat.completions.create``
          takes them: ``think``, ``task_profile``, ``token_type``, ``app_source``, ``top_k``,
          ``min_p``, ``repetition_penalty``, ``sogni_tools``, ``sogni_tool_execution``,
          ``chat_template_kwargs``, ``safe_content_filter``, ``billing_mode``,
          ``media_references``, ``max_estimated_capacity_units``, ``confirm_cost``,
          ``auto_execute_tools``, ``tool_handlers``, ``on_tool_call``, ``on_tool_progress``,
          ``max_tool_rounds``, ``max_tool_calls_per_round``, ``media_context``,
          ``extra_headers``, ``extra_query``, ``extra_body``, ``timeout`` (camelCase spellings
          too).

        Returns a :class:`Response`, or with ``stream=True`` a :class:`ResponseStream` of
        :class:`ResponseStreamEvent`. OpenAI's built-in tools, and its keywords this
        translation cannot honour (``background``, ``conversation``, ``prompt``,
        ``max_tool_calls``), are refused before sending. With ``response_types="openai"`` the
        objects are the openai package's own; the declared types stay this package's (their
        fields are the same), as for ``chat.completions.create``.
        """
        result: Response | ResponseStream = self._create(kwargs)
        return result

    def parse(
        self, *, text_format: type[_T] | None = None, **kwargs: Unpack[ResponseCreateParamsBase]
    ) -> ParsedResponse[_T]:
        """Like :meth:`create`, with ``text_format`` parsed into ``output_parsed``.

        ``text_format`` is a pydantic model, an attrs class or a dataclass (a strict JSON schema
        built from it is sent, and shown as the response's ``text.format``);
        ``output_parsed`` is an instance of it. Strict function tools get
        ``parsed_arguments``. With ``response_types="openai"`` the object is the openai
        package's ``ParsedResponse``.
        """
        given: dict[str, Any] = dict(kwargs)
        if given.get("stream"):
            raise ValueError("parse() does not stream; use stream() for a streamed response")
        if text_format is not None:
            given["text_format"] = text_format
        result: ParsedResponse[_T] = self._create(given, parsing=True)
        return result

    def stream(
        self, *, text_format: type[Any] | None = None, **kwargs: Unpack[ResponseCreateParamsBase]
    ) -> ResponseStream:
        """A streamed response in a ``with`` block, as the openai package's ``responses.stream``.

        Takes :meth:`create`'s keywords and ``text_format`` (as :meth:`parse`). Iterate the
        events, then call ``get_final_response()``.
        """
        given: dict[str, Any] = dict(kwargs)
        if given.get("stream") is not None:
            raise TypeError("stream() always streams: leave the stream keyword out")
        given["stream"] = True
        if text_format is not None:
            given["text_format"] = text_format
        result: ResponseStream = self._create(given, parsing=text_format is not None)
        return result

    def retrieve(
        self,
        response_id: str,
        *,
        include: Sequence[str] | None = None,
        include_obfuscation: bool | None = None,
        starting_after: int | None = None,
        stream: Literal[False] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: float | tuple[float, float] | None = None,
    ) -> Response:
        """A response this client made with ``store=True`` (``NotFoundError`` otherwise).

        The openai package's other keywords (``include``, ``extra_headers``, ``timeout``...) are
        accepted and have nothing to do (nothing is sent); ``stream=True`` is refused (a kept
        response cannot be replayed as events), as is any other keyword (a ``TypeError``).
        """
        del include, include_obfuscation, starting_after, extra_headers, extra_query
        del extra_body, timeout
        _check_id(response_id)
        if stream:
            raise ValueError("retrieve(stream=True): a kept response cannot be streamed again")
        response = self._store.get(response_id)[1]
        if self._client.response_types == "openai":
            from .. import _openai_types  # noqa: PLC0415 - only in this mode

            converted: Response = _openai_types.response(response)
            return converted
        return response

    def delete(
        self,
        response_id: str,
        *,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: float | tuple[float, float] | None = None,
    ) -> None:
        """Forget a stored response (``NotFoundError`` if this client has no such response).

        The openai package's request options (``extra_headers``, ``timeout``...) are accepted
        and have nothing to do; any other keyword is a ``TypeError``.
        """
        del extra_headers, extra_query, extra_body, timeout
        _check_id(response_id)
        self._store.delete(response_id)

    # -- what a genuine openai client's transport calls (always this package's own types) ----

    def _served(self, kwargs: dict[str, Any]) -> Response | ResponseStream:
        """``create()`` for a genuine openai client: one attempt, this package's types."""
        created: Response | ResponseStream = self._create(kwargs, served=True)
        return created

    def _stored(self, response_id: str) -> Response:
        """A stored response, as this package's type."""
        return self._store.get(response_id)[1]

    def _input_page(
        self, response_id: str, *, after: str | None, limit: int, order: str
    ) -> ResponseItemList:
        """A page of a stored response's input items, as this package's type."""
        check_page(after, limit, order)
        items = self._store.get(response_id)[2]
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
        if previous is not None and not isinstance(previous, str):
            raise TypeError(
                f"previous_response_id must be a response id (a string); got "
                f"{type(previous).__name__}"
            )
        history: list[Any] = []
        earlier_items: list[Any] = []
        if previous is not None:
            stored, earlier, kept_items = self._store.get(previous)
            history = list(stored)
            earlier_items = [*kept_items, *(item.model_dump() for item in earlier.output)]
            looping = request.get("auto_execute_tools") or request.get("autoExecuteTools")
            if looping and "media_context" not in request and "mediaContext" not in request:
                # Hosted tools' indices go on numbering from the earlier responses' media.
                request["media_context"] = earlier.media
        chat, conversation = chat_keywords(request, history)
        return chat, conversation, previous, earlier_items

    def _create(
        self, kwargs: dict[str, Any], *, parsing: bool = False, served: bool = False
    ) -> Any:
        # NOT_GIVEN and openai's markers (wrapper code passes them) mean "not set", as in chat.
        request = {
            key: value for key, value in kwargs.items() if value is None or not is_absent(value)
        }
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
        kind = ParsedResponse if parsing else Response
        response = response_from(completion, request, previous, kind)
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
        self._store.put(response, conversation, items)


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


class InputItems(Resource):
    """``client.responses.input_items``: the input items of a stored response."""

    _path = "responses.input_items"

    def __init__(self, responses: Responses) -> None:
        super().__init__(responses._client)
        self._responses = responses

    def list(
        self,
        response_id: str,
        *,
        after: str | None = None,
        limit: int = 20,
        order: Literal["asc", "desc"] = "desc",
        include: Sequence[str] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: float | tuple[float, float] | None = None,
    ) -> ResponseItemList:
        """The input items a stored response answered, earlier responses' included.

        As the openai package's ``responses.input_items.list``: ``order`` ``"desc"`` (newest
        first, the default) or ``"asc"``, at most ``limit`` (1 to 100, default 20) items after
        the item ``after``. A :class:`ResponseItemList` (the openai package's with
        ``response_types="openai"``); ``NotFoundError`` for a response not in the store.
        ``include`` and the request options are accepted and change nothing (no request is
        sent). The declared type stays this package's in either mode, as for ``create``.
        """
        del include, extra_headers, extra_query, extra_body, timeout
        if not isinstance(response_id, str):
            raise TypeError(f"response_id must be a string; got {type(response_id).__name__}")
        page = self._responses._input_page(response_id, after=after, limit=limit, order=order)
        if self._client.response_types == "openai":
            from .. import _openai_types  # noqa: PLC0415 - only in this mode

            converted: ResponseItemList = _openai_types.item_list(page)
            return converted
        return page
