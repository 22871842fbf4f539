"""``client.chat.completions``: the chat completion endpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, overload

import requests

from .._convert import converter
from .._errors import APIResponseValidationError, error_from_event
from .._params import chat_request
from ..types import ChatCompletion
from ._base import Resource, decode_json

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._client import OpenAI
    from .._streaming import Stream
    from ..types.create_params import CompletionCreateParamsBase

__all__ = ["Chat", "Completions"]


def _check_completion(data: Any) -> str | None:
    """Why ``data`` is not a chat completion, or ``None`` when it is one."""
    if not isinstance(data, dict):
        return f"expected a JSON object, got {type(data).__name__}"
    choices = data.get("choices")
    if not isinstance(choices, list):
        if "error" in data:
            return f"the server reported an error: {error_from_event(data).message}"
        return "it has no 'choices' list"
    for i, choice in enumerate(choices):
        if not isinstance(choice, dict):
            return f"choices[{i}] is not an object"
        if not isinstance(choice.get("message", {}), dict):
            return f"choices[{i}].message is not an object"
    return None


def _completion(response: requests.Response) -> ChatCompletion:
    data = decode_json(response)
    problem = _check_completion(data)
    if problem is not None:
        raise APIResponseValidationError(
            f"The server's answer is not a chat completion: {problem}",
            response=response,
            body=data,
        )
    completion: ChatCompletion = converter.structure(data, ChatCompletion)
    completion._request_id = response.headers.get("x-request-id")
    return completion


def _stream(response: requests.Response) -> Stream:
    from .._streaming import Stream  # noqa: PLC0415 - imported on the first streamed call

    stream = Stream(response)
    stream._prime()
    return stream


class Completions(Resource):
    """``client.chat.completions``."""

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
        self, *, stream: bool | None = None, **kwargs: Unpack[CompletionCreateParamsBase]
    ) -> ChatCompletion | Stream: ...

    def create(self, **kwargs: Any) -> ChatCompletion | Stream:
        """Create a chat completion (keyword-only; OpenAI's keywords plus Sogni's).

        With ``stream=True`` returns a :class:`Stream` of chunks, else a :class:`ChatCompletion`.
        Bad input raises ``TypeError``/``ValueError`` naming the parameter before anything is
        sent. See the README for every keyword and what it puts on the wire.

        With ``auto_execute_tools=True`` the call runs the whole tool conversation: it executes
        the tools each answer asks for (``tool_handlers``, Sogni's hosted tools, ``on_tool_call``)
        and returns the first answer that asks for none, with ``tool_history`` set.
        """
        client = self._client
        params, options, loop = chat_request(kwargs, app_source=client.app_source)
        body = converter.unstructure(params)
        if options.extra_body:
            body.update(options.extra_body)
        if loop is not None:

            def send(round_body: dict[str, Any]) -> ChatCompletion:
                return client._request(
                    "POST", "chat/completions", body=round_body, options=options, parse=_completion
                )

            from .._tools import run_tool_loop  # noqa: PLC0415 - imported on first use

            return run_tool_loop(client, body, options, loop, send)
        if body.get("stream"):
            return client._request(
                "POST", "chat/completions", body=body, options=options, stream=True, parse=_stream
            )
        return client._request(
            "POST", "chat/completions", body=body, options=options, parse=_completion
        )


class Chat(Resource):
    """``client.chat``: holds ``completions``."""

    completions: Completions

    def __init__(self, client: OpenAI) -> None:
        super().__init__(client)
        self.completions = Completions(client)
