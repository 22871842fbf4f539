"""``client.chat.completions``: the chat completion endpoint."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

import attrs
import requests

from .._awaited import refuse_await
from .._config import MODEL_LOOKUP_TIMEOUT, is_absent
from .._errors import APIResponseValidationError, NotFoundError, OpenAIError
from .._options import RequestOptions, Timeout
from .._response import APIResponse, StreamedAPIResponse
from .._wire import check_completion, decode_json
from ..types import ChatCompletion
from ._base import Resource, listing, offered
from .models import models_page

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._chat_stream import ChatCompletionStreamManager
    from .._params import ToolLoopOptions, chat_request, request_body
    from .._requester import Requester
    from .._streaming import Stream
    from .._structured import ParseSpec
    from ..types.create_params import (
        CompletionCreateParamsBase,
        CompletionParseParams,
        EstimateCostParams,
    )
    from ..types.durable import CostEstimate
    from .runs import Runs

__all__ = ["Beta", "Chat", "Completions"]

if not TYPE_CHECKING:

    def chat_request(*args: Any, **kwargs: Any) -> Any:
        """Bind the keyword checks of :mod:`sogni_compat._params` here, then run them.

        Building their attrs classes costs more than the rest of ``import sogni_compat``'s own
        modules, so they load on the first request; this stand-in replaces itself (and sets
        ``request_body``) on that call, so later calls go straight to them.
        """
        global chat_request, request_body  # noqa: PLW0603 - bound once, on first use
        from .._params import chat_request, request_body  # noqa: PLC0415 - on first use

        return chat_request(*args, **kwargs)


_T = TypeVar("_T")
if TYPE_CHECKING:  # parse() with a dict format: ParsedChatCompletion[Any] (PEP 696 default)
    from typing_extensions import TypeVar as _DefaultedTypeVar

    from ..types import ParsedChatCompletion

    _F = _DefaultedTypeVar("_F", default=Any)
else:
    _F = TypeVar("_F")
logger = logging.getLogger("sogni_compat")
#: Model names a 404 lists.
_LISTED_MODELS = 20
#: How ``_create`` hands the answer over: parsed, with its HTTP details, or unread.
_Mode = Literal["parsed", "raw", "streaming"]


def _completion(response: requests.Response, *, release: bool = False) -> ChatCompletion:
    data = decode_json(response, release=release)
    problem = check_completion(data)
    if problem is not None:
        if release and not response._content:  # the error's response keeps its body
            response._content = json.dumps(data).encode()
        raise APIResponseValidationError(
            f"The server's answer is not a chat completion: {problem}",
            response=response,
            body=data,
        )
    completion = ChatCompletion.reader()(data, None)
    completion._request_id = response.headers.get("x-request-id")
    return completion


#: Libraries that read answers as genuine openai objects, and whether their streams do too.
_OPENAI_ONLY_CALLERS = {"langchain_openai": False, "haystack": True}


def _completion_once(response: requests.Response) -> ChatCompletion:
    """:func:`_completion` for a plain ``create()``: nobody reads the body bytes again."""
    return _completion(response, release=True)


def _refuse_openai_only_caller(stream: bool) -> None:
    """Raise a clear error when such a library calls a client returning this package's types.

    Without it, they fail later with messages about response types that do not say why.
    """
    caller = sys._getframe(3).f_globals.get("__name__", "")
    library = caller.split(".", 1)[0]
    streams_too = _OPENAI_ONLY_CALLERS.get(library)
    if streams_too is None or (stream and not streams_too):
        return
    raise TypeError(
        f"{library} reads answers as openai objects, and this client returns sogni_compat "
        f"ones: create it with OpenAI(response_types='openai'), or give {library} a genuine "
        "openai client made by client.as_openai() (and client.as_async_openai())"
    )


def _legacy_completion(response: requests.Response) -> ChatCompletion:
    """A completion for a call made with legacy ``functions=``: calls as ``function_call``."""
    from .._legacy import completion_as_legacy  # noqa: PLC0415 - legacy calls only

    return completion_as_legacy(_completion(response))


def _streamer(
    client: Requester, timeout: Timeout | None, *, legacy: bool = False
) -> Callable[[requests.Response], Stream]:
    """The parse function of a streamed call: a primed :class:`Stream` with the call's bounds."""
    from .._streaming import Stream  # noqa: PLC0415 - imported on the first streamed call

    idle = (timeout or client.timeout)[1]
    max_event_bytes = client.max_event_bytes
    max_response_bytes = client.max_response_bytes

    def parse(response: requests.Response) -> Stream:
        stream = Stream(
            response,
            idle_timeout=idle,
            max_event_bytes=max_event_bytes,
            max_response_bytes=max_response_bytes,
        )
        stream._legacy = legacy
        stream._prime()
        return stream

    return parse


class Completions(Resource):
    """``client.chat.completions``: ``create``, ``parse``, and their raw-response variants."""

    _path = "chat.completions"

    # The chat path guards its errors in the request path and its streams; the server-side
    # run it may start is guarded where it starts (_server_run.completion_from_run_call).
    _unguarded = frozenset({"create", "parse", "stream"})

    #: ``0`` for one attempt per request (a genuine openai client's retries are the only ones
    #: when it is served through ``client.responses``); ``None`` for the client's policy.
    _retries: Literal[0] | None = None

    @overload
    def create(
        self, *, stream: Literal[True], **kwargs: Unpack[CompletionCreateParamsBase]
    ) -> Stream: ...
    @overload
    def create(
        self, *, stream: Literal[False] | None = None, **kwargs: Unpack[CompletionCreateParamsBase]
    ) -> ChatCompletion: ...
    @overload
    def create(
        self, *, stream: bool, **kwargs: Unpack[CompletionCreateParamsBase]
    ) -> ChatCompletion | Stream: ...

    def create(self, **kwargs: Any) -> ChatCompletion | Stream:
        """Create a chat completion (keyword-only; OpenAI's keywords plus Sogni's).

        With ``stream=True`` returns a :class:`Stream` of chunks, else a :class:`ChatCompletion`.
        Bad input raises ``TypeError``/``ValueError`` naming the parameter before anything is
        sent; a keyword given as ``None`` is left out.

        Keywords (camelCase spellings in brackets):

        - OpenAI's: ``messages`` (required), ``model`` (default: Sogni's, today
          ``qwen3.6-35b-a3b-gguf-iq4xs``), ``stream``, ``stream_options``, ``temperature``,
          ``top_p``, ``max_tokens``, ``max_completion_tokens``, ``stop``, ``n``, ``seed``,
          ``frequency_penalty``, ``presence_penalty``, ``logit_bias``, ``logprobs``,
          ``top_logprobs``, ``user``, ``tools``, ``tool_choice``, ``parallel_tool_calls``,
          ``response_format``, ``functions``, ``function_call``, ``reasoning_effort``,
          ``metadata``, ``store``, ``service_tier``, ``prompt_cache_key``,
          ``prompt_cache_retention``, ``safety_identifier``, ``verbosity``, ``prediction``,
          ``modalities``.
        - Sogni's: ``think``, ``task_profile`` (``taskProfile``), ``token_type``
          (``tokenType``), ``app_source`` (``appSource``), ``top_k``, ``min_p``,
          ``repetition_penalty``, ``sogni_tools`` (``sogniTools``), ``sogni_tool_execution``
          (``sogniToolExecution``), ``chat_template_kwargs``, ``safe_content_filter``
          (``safeContentFilter``), ``billing_mode`` (``billingMode``), ``media_references``
          (``mediaReferences``), ``max_estimated_capacity_units``
          (``maxEstimatedCapacityUnits``), ``confirm_cost`` (``confirmCost``).
        - The auto-tool loop (never sent): ``auto_execute_tools`` (``autoExecuteTools``),
          ``tool_handlers``, ``on_tool_call`` (``onToolCall``), ``on_tool_progress``
          (``onToolProgress``; ``"bar"`` for a ready display), ``max_tool_rounds``
          (``maxToolRounds``), ``max_tool_calls_per_round``, ``media_context``
          (``mediaContext``).
        - Request options: ``extra_headers``, ``extra_query``, ``extra_body``, ``timeout``.

        With ``auto_execute_tools=True`` the call runs the whole tool conversation: it executes
        the tools each answer asks for (``tool_handlers``, Sogni's hosted tools, ``on_tool_call``)
        and returns the first answer that asks for none, with ``tool_history`` set. The docs
        page "The client and create()" says what each keyword puts on the wire.
        """
        refuse_await("chat.completions.create")
        result: ChatCompletion | Stream = self._create(kwargs, "parsed")
        return result

    def parse(
        self,
        *,
        response_format: type[_F] | Mapping[str, Any] | None = None,
        **kwargs: Unpack[CompletionParseParams],
    ) -> ParsedChatCompletion[_F]:
        """Like :meth:`create`, with the answer parsed as the openai SDK's ``parse()`` does.

        ``response_format`` may be a pydantic model, an attrs class or a dataclass: a strict
        ``json_schema`` response format built from it is sent, and each
        ``choices[i].message.parsed`` is an instance of it. A response format dict is sent as
        it is (``parsed`` stays ``None``). Every tool must be strict; a call to a tool made
        with :func:`sogni_compat.function_tool` (or openai's ``pydantic_function_tool``)
        gets ``function.parsed_arguments`` as an instance of its class, other strict tools
        their arguments as a dict. Raises :class:`LengthFinishReasonError` or
        :class:`ContentFilterFinishReasonError` when the answer was cut off, and
        :class:`APIResponseValidationError` (naming the field) when it does not fit.
        """
        refuse_await("chat.completions.parse")
        given: dict[str, Any] = dict(kwargs)
        if response_format is not None:
            given["response_format"] = response_format
        result: ParsedChatCompletion[_F] = self._create(given, "parsed", parsing=True)
        return result

    def stream(
        self,
        *,
        response_format: type[_F] | Mapping[str, Any] | None = None,
        **kwargs: Unpack[CompletionParseParams],
    ) -> ChatCompletionStreamManager[_F]:
        """A streamed answer as typed events, in a ``with`` block (the openai SDK's helper).

        Takes :meth:`parse`'s keywords (``response_format`` a class or a dict, strict tools)::

            with client.chat.completions.stream(messages=..., response_format=Answer) as s:
                for event in s:
                    if event.type == "content.delta":
                        print(event.delta, end="")
            answer = s.get_final_completion()  # message.parsed is an Answer

        Events: ``chunk``, ``content.delta``/``content.done``, ``refusal.delta``/``.done``,
        ``tool_calls.function.arguments.delta``/``.done``. The request is sent on entering
        the block; bad input raises there, before anything is sent.
        """
        from .._chat_stream import (  # noqa: PLC0415 - imported on first use
            ChatCompletionStream,
            ChatCompletionStreamManager,
        )
        from .._structured import parse_spec  # noqa: PLC0415

        given: dict[str, Any] = dict(kwargs)
        if not is_absent(given.get("stream")):
            raise TypeError("stream() always streams: leave the stream keyword out")
        fmt = response_format
        spec = parse_spec(None if is_absent(fmt) else fmt, given.get("tools"))
        if spec.response_format is not None:
            given["response_format"] = spec.response_format
        given["stream"] = True
        to_openai = self._client.response_types == "openai"

        def open_stream() -> ChatCompletionStream[_F]:
            return ChatCompletionStream(self._create(given, "parsed"), spec, to_openai=to_openai)

        return ChatCompletionStreamManager(open_stream)

    def estimate_cost(
        self, *, timeout: float | None = None, **create_kwargs: Unpack[EstimateCostParams]
    ) -> CostEstimate:
        """Sogni's price quote for what ``create()`` would send: ``usd``, ``sogni``, ``spark``...

        Takes what ``create()`` takes (camelCase too), checked the same way, and prices the
        body ``create()`` would send with them: ``extra_body`` applied last (its
        ``messages``, ``model``, ``max_tokens`` or ``n`` replace the named ones, as in
        ``create()``), and what ``create()`` refuses refused here. ``model`` defaults to
        Sogni's default model (aliases apply); ``token_type`` ``"auto"`` is quoted as
        ``"sogni"``. Input tokens are counted as Sogni's SDKs count them (the UTF-16 length of
        the messages' compact JSON over four, rounded up; images as a placeholder), plus every
        other structured value of the body (``tools``, ``functions``, ``response_format``,
        ``tool_choice``..., in any spelling) counted the same way. The output
        budget is ``max_tokens`` (or ``max_completion_tokens``), counted once per choice
        (``n``). Without it, the model's published default, as Sogni's Python SDK quotes it
        (``maxOutputTokens.default`` of ``GET models/{id}``, or ``thinkingComplexDefault``
        with ``think=True`` and a ``coding`` or ``reasoning`` ``task_profile``); when none is
        published, 32,768 tokens (the API's ``max_tokens`` default), with a
        :class:`~sogni_compat.CostEstimateWarning`. ``output_budget`` on the result says which.

        One request is quoted: the loop's keywords (``auto_execute_tools``,
        ``max_tool_rounds``...) are checked and then change nothing, and the tool rounds that
        follow and the media of Sogni's hosted tools are not in the quote (a
        :class:`~sogni_compat.CostEstimateWarning` says so when the call would run tools).
        Nothing is generated or billed; ``timeout`` bounds the requests in seconds. A quote
        without a usable price is an :class:`APIResponseValidationError`, so a ceiling check
        fails closed::

            quote = client.chat.completions.estimate_cost(messages=messages, max_tokens=500)
            if quote.usd > 0.01:
                raise SystemExit(f"too expensive: ${quote.usd}")
        """
        from .._params import sogni_tools_enabled  # noqa: PLC0415
        from ._estimate import estimate  # noqa: PLC0415

        given: dict[str, Any] = dict(create_kwargs)
        if "messages" not in given:
            raise TypeError("estimate_cost() missing required keyword argument: 'messages'")
        messages = given["messages"]
        if isinstance(messages, str | bytes) or not isinstance(messages, Sequence) or not messages:
            raise ValueError("messages must be a non-empty list of message dicts")
        server = _server_side(given)
        if server:  # a durable run's loop: checked as the client-side loop's keywords are
            for name in ("auto_execute_tools", "autoExecuteTools"):
                if given.get(name) == "server":
                    given[name] = True
        params, options, loop = chat_request(given, function="chat.completions.estimate_cost")
        runs_tools = server or loop is not None or sogni_tools_enabled(params.sogni_tools)
        return estimate(
            self._client,
            request_body(params),
            extra_body=options.extra_body,
            runs_tools=runs_tools,
            timeout=timeout,
            cache=self.__dict__.setdefault("_output_defaults", {}),
            unknown_model=self._unknown_model,
        )

    @property
    def with_raw_response(self) -> _RawCompletions:
        """``create``/``parse`` returning an :class:`APIResponse` (headers, status, ...)."""
        return _RawCompletions(self)

    @property
    def with_streaming_response(self) -> _StreamingCompletions:
        """``create``/``parse`` returning a :class:`StreamedAPIResponse` for a ``with`` block."""
        return _StreamingCompletions(self)

    # -- the one path ----------------------------------------------------------------------

    def _create(
        self, kwargs: dict[str, Any], mode: _Mode, parsing: bool = False, native: bool = False
    ) -> Any:
        """One call; ``native``: answer with this package's types whatever ``response_types``."""
        client = self._client
        to_openai = client.response_types == "openai" and not native
        if client.response_types == "sogni" and sys.modules.get("openai") is not None:
            _refuse_openai_only_caller(bool(kwargs.get("stream")))
        spec = None
        if _server_side(kwargs):
            if mode != "parsed" or parsing:
                raise ValueError(
                    "auto_execute_tools='server' runs a durable chat run, so it works with "
                    "create() only, not parse() or with_raw_response/with_streaming_response"
                )
            from ._server_run import completion_from_run_call  # noqa: PLC0415 - on first use

            return completion_from_run_call(client, kwargs, to_openai)
        if parsing:
            from .._structured import parse_spec  # noqa: PLC0415 - only parse() needs it

            if kwargs.get("stream") and not is_absent(kwargs["stream"]):
                raise TypeError(
                    "parse() does not stream; use chat.completions.stream() for a parsed stream"
                )
            kwargs = dict(kwargs)
            fmt = kwargs.pop("response_format", None)
            spec = parse_spec(None if is_absent(fmt) else fmt, kwargs.get("tools"))
            if spec.response_format is not None:
                kwargs["response_format"] = spec.response_format
        params, options, loop = chat_request(
            kwargs,
            app_source=client.app_source,
            function="chat.completions.parse" if parsing else "chat.completions.create",
        )
        if loop is not None and (mode != "parsed" or parsing):
            raise ValueError(
                "auto_execute_tools=True runs several requests, so it works with create() "
                "only, not parse() or with_raw_response/with_streaming_response"
            )
        originals = params.messages  # as given: the tool loop uploads full-size sources
        if any(
            isinstance(m, Mapping) and isinstance(m.get("content"), list) for m in params.messages
        ):
            from .._vision import download_image, inline_images  # noqa: PLC0415 - only for parts

            inlined = inline_images(
                params.messages,
                lambda url, where: download_image(client, url, where),
                allow_local_files=client.allow_local_files,
            )
            if inlined is not None:
                params = attrs.evolve(params, messages=inlined)
        body = request_body(params)
        model = body.get("model")
        if model is not None and model in client.model_aliases:
            body["model"] = client.model_aliases[model]
        if options.extra_body:
            body.update(options.extra_body)
        if loop is not None:
            return self._tool_loop(body, options, loop, originals, to_openai)
        stream = bool(body.get("stream"))
        parse: Callable[[requests.Response], Any] = (
            _streamer(client, options.timeout, legacy=options.legacy_functions)
            if stream
            else _legacy_completion
            if options.legacy_functions
            else _completion_once
            if mode == "parsed" and not to_openai
            else _completion
        )
        if spec is not None:
            parse = _parser_for(spec)
        if to_openai:
            parse = _as_openai(parse, parsed=spec is not None)
        return self._send(body, options, stream=stream, parse=parse, mode=mode)

    def _send(
        self,
        body: dict[str, Any],
        options: RequestOptions,
        *,
        stream: bool,
        parse: Callable[[requests.Response], _T],
        mode: _Mode,
    ) -> Any:
        client = self._client
        try:
            if mode == "streaming":
                response, _, retries = client._send(
                    "POST",
                    "chat/completions",
                    body=body,
                    options=options,
                    stream=True,
                    parse=_unread,
                    retries=self._retries,
                )
                return StreamedAPIResponse(response, parse, retries, client.max_response_bytes)
            parsed, response, retries = client._send(
                "POST",
                "chat/completions",
                body=body,
                options=options,
                stream=stream,
                parse=parse,
                retries=self._retries,
            )
        except NotFoundError as exc:
            model = body.get("model")
            if not isinstance(model, str):
                raise
            raise self._unknown_model(exc, model) from exc
        return APIResponse(response, parsed, retries) if mode == "raw" else parsed

    def _unknown_model(self, error: NotFoundError, model: str) -> NotFoundError:
        """The 404 for a model name, with (some of) the models that do exist and a hint.

        One ``GET models``, not retried, within :data:`MODEL_LOOKUP_TIMEOUT` seconds; at most
        :data:`_LISTED_MODELS` names are listed.
        """
        client = self._client
        connect, read = client.timeout
        try:
            page = client._request(
                "GET",
                "models",
                options=RequestOptions(timeout=(connect, min(read, MODEL_LOOKUP_TIMEOUT))),
                parse=models_page,
                retries=0,
            )
        except OpenAIError:
            return error
        available = [m.id for m in page.data if isinstance(getattr(m, "id", None), str)]
        if model in available:
            return error  # the 404 was about something else
        listed = ", ".join(repr(name)[1:-1] for name in available[:_LISTED_MODELS]) or "none"
        if len(available) > _LISTED_MODELS:
            listed += f" and {len(available) - _LISTED_MODELS:,} more (client.models.list())"
        example = f"{{{model!r}: {available[0]!r}}}" if available else "{...}"
        return NotFoundError(
            f"{error.message}. Model {model!r} is not served here; available models: "
            f"{listed}. Pass one of them as model=, or map your name with "
            f"OpenAI(model_aliases={example})",
            response=error.response,
            body=error.body,
            code=error.code,
            param=error.param,
            type=error.type,
        )

    def _tool_loop(
        self,
        body: dict[str, Any],
        options: RequestOptions,
        loop: ToolLoopOptions,
        originals: Sequence[Any],
        to_openai: bool,
    ) -> ChatCompletion:
        from .._tools.loop import run_tool_loop  # noqa: PLC0415 - imported on first use

        def send(round_body: dict[str, Any]) -> ChatCompletion:
            completion: ChatCompletion = self._send(
                round_body, options, stream=False, parse=_completion, mode="parsed"
            )
            return completion

        final = run_tool_loop(self._client, body, options, loop, send, originals=originals)
        if to_openai:
            from .. import _openai_types  # noqa: PLC0415 - only in this mode

            converted: ChatCompletion = _openai_types.completion(final)
            return converted
        return final


def _server_side(kwargs: Mapping[str, Any]) -> bool:
    """Whether the call asks for ``auto_execute_tools="server"`` (either spelling)."""
    for key in ("auto_execute_tools", "autoExecuteTools"):
        value = kwargs.get(key)
        if isinstance(value, str) and value == "server":
            return True
    return False


def _as_openai(
    parse: Callable[[requests.Response], Any], *, parsed: bool = False
) -> Callable[[requests.Response], Any]:
    """``parse`` then hand over genuine ``openai`` objects (``response_types="openai"``)."""
    from .. import _openai_types  # noqa: PLC0415 - only in this mode
    from .._streaming import Stream  # noqa: PLC0415

    def convert(response: requests.Response) -> Any:
        result = parse(response)
        if isinstance(result, Stream):
            result._to_openai = True
            return result
        return _openai_types.completion(result, parsed=parsed, response=response)

    return convert


def _unread(response: requests.Response) -> requests.Response:
    return response


def _parser_for(spec: ParseSpec) -> Callable[[requests.Response], ChatCompletion]:
    from .._structured import parse_completion  # noqa: PLC0415 - only parse() needs it

    def parse(response: requests.Response) -> ChatCompletion:
        return parse_completion(_completion(response), spec, response)

    return parse


class _RawCompletions:
    """``client.chat.completions.with_raw_response``."""

    def __init__(self, completions: Completions) -> None:
        self._completions = completions

    @overload
    def create(
        self, *, stream: Literal[True], **kwargs: Unpack[CompletionCreateParamsBase]
    ) -> APIResponse[Stream]: ...
    @overload
    def create(
        self, *, stream: Literal[False] | None = None, **kwargs: Unpack[CompletionCreateParamsBase]
    ) -> APIResponse[ChatCompletion]: ...
    @overload
    def create(
        self, *, stream: bool, **kwargs: Unpack[CompletionCreateParamsBase]
    ) -> APIResponse[ChatCompletion | Stream]: ...

    def create(self, **kwargs: Any) -> APIResponse[Any]:
        """Like ``create``; ``.parse()`` on the result gives what ``create`` returns."""
        result: APIResponse[Any] = self._completions._create(kwargs, "raw")
        return result

    def parse(
        self,
        *,
        response_format: type[_F] | Mapping[str, Any] | None = None,
        **kwargs: Unpack[CompletionParseParams],
    ) -> APIResponse[ParsedChatCompletion[_F]]:
        """Like ``parse``; ``.parse()`` on the result gives the parsed completion."""
        given: dict[str, Any] = dict(kwargs)
        if response_format is not None:
            given["response_format"] = response_format
        result: APIResponse[ParsedChatCompletion[_F]] = self._completions._create(
            given, "raw", parsing=True
        )
        return result


class _StreamingCompletions:
    """``client.chat.completions.with_streaming_response``."""

    def __init__(self, completions: Completions) -> None:
        self._completions = completions

    @overload
    def create(
        self, *, stream: Literal[True], **kwargs: Unpack[CompletionCreateParamsBase]
    ) -> StreamedAPIResponse[Stream]: ...
    @overload
    def create(
        self, *, stream: Literal[False] | None = None, **kwargs: Unpack[CompletionCreateParamsBase]
    ) -> StreamedAPIResponse[ChatCompletion]: ...
    @overload
    def create(
        self, *, stream: bool, **kwargs: Unpack[CompletionCreateParamsBase]
    ) -> StreamedAPIResponse[ChatCompletion | Stream]: ...

    def create(self, **kwargs: Any) -> StreamedAPIResponse[Any]:
        """Like ``create``, but the body is left unread: use the result in a ``with`` block."""
        result: StreamedAPIResponse[Any] = self._completions._create(kwargs, "streaming")
        return result

    def parse(
        self,
        *,
        response_format: type[_F] | Mapping[str, Any] | None = None,
        **kwargs: Unpack[CompletionParseParams],
    ) -> StreamedAPIResponse[ParsedChatCompletion[_F]]:
        """Like ``parse``, with the body left unread until ``.parse()``."""
        given: dict[str, Any] = dict(kwargs)
        if response_format is not None:
            given["response_format"] = response_format
        result: StreamedAPIResponse[ParsedChatCompletion[_F]] = self._completions._create(
            given, "streaming", parsing=True
        )
        return result


class Chat(Resource):
    """``client.chat``: holds ``completions`` and Sogni's durable ``runs``."""

    _path = "chat"

    completions: Completions

    def __init__(self, client: Requester) -> None:
        super().__init__(client)
        self.completions = Completions(client)

    @property
    def runs(self) -> Runs:
        """``client.chat.runs``: Sogni's durable chat runs (made on first use, once)."""
        made: Runs | None = self.__dict__.get("_runs")
        if made is None:
            from .runs import Runs  # noqa: PLC0415 - on first use

            # setdefault: threads that arrive together all get the first one stored.
            made = self.__dict__.setdefault("_runs", Runs(self._client))
        return made


#: The openai SDK's beta resources, none of which Sogni serves.
_BETA_NOT_SERVED = frozenset(
    {"assistants", "threads", "vector_stores", "realtime", "chatkit", "files", "evals"}
)


class Beta:
    """``client.beta``: ``client.beta.chat`` is ``client.chat`` (older code uses this path)."""

    def __init__(self, chat: Chat) -> None:
        self.chat = chat

    def _missing_attribute(self, name: str) -> Any:
        if name in _BETA_NOT_SERVED:
            served = listing("client.beta serves", offered(self))
            raise AttributeError(
                f"client.beta.{name}: Sogni serves no such endpoint; {served} (the same as "
                "client.chat)"
            )
        raise AttributeError(f"'Beta' object has no attribute {name!r}")

    # Out of type checkers' sight: they flag client.beta.assistants and the like.
    if not TYPE_CHECKING:
        __getattr__ = _missing_attribute
