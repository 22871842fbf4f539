"""A user's script, type-checked from outside the repository in CI (``mypy --strict``, pyright).

It checks that the types reach a project that installed the package the README's way: with an
import hook instead of a path, mypy would report the module as missing and every type as Any.
It uses the typed surface as OpenAI code does (create, streaming, parse, a tool loop by hand
and the auto-tool loop, the Responses API), with openai's parameter types under their names, and
runs offline against the emulator. Its twin ``typing_mistakes.py`` holds the mistakes both
checkers must report.
"""

from __future__ import annotations

import dataclasses
import json

from sogni_compat import (
    ChatCompletion,
    ChatCompletionMessageToolCall,
    OpenAI,
    Stream,
    ToolProgress,
)
from sogni_compat.hosted_tools import HostedTool, catalog
from sogni_compat.testing import LocalSogniServer
from sogni_compat.types import ChatRun, CostEstimate, MediaView, ToolHandoff, Workflow
from sogni_compat.types.chat import (
    ChatCompletionChunk,
    ChatCompletionMessage,
    ChatCompletionMessageParam,
    ChatCompletionToolUnionParam,
)
from sogni_compat.types.responses import (
    FunctionToolParam,
    ParsedResponse,
    Response,
    ResponseInputParam,
)

WEATHER: ChatCompletionToolUnionParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


@dataclasses.dataclass
class Movie:
    """A film, as structured output."""

    title: str
    year: int


def report(call: ChatCompletionMessageToolCall, progress: ToolProgress) -> None:
    """Print one progress line."""
    eta: float | None = progress.eta_seconds
    print(call.function.name, progress.status, f"{progress.percent:.0f}%", eta)


def chat(client: OpenAI) -> None:
    """Chat completions: one answer, a stream, a parsed answer, a tool loop by hand."""
    messages: list[ChatCompletionMessageParam | ChatCompletionMessage] = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello"},
    ]
    answer: ChatCompletion = client.chat.completions.create(messages=messages, temperature=0.2)
    text: str | None = answer.choices[0].message.content
    stream: Stream[ChatCompletionChunk] = client.chat.completions.create(
        messages=messages, stream=True, stream_options={"include_usage": True}
    )
    chunk: ChatCompletionChunk
    for chunk in stream:
        if chunk.choices:
            piece: str | None = chunk.choices[0].delta.content
            print(piece or "", end="")
    extract: list[ChatCompletionMessageParam] = [
        {"role": "user", "content": 'Extract {"title": "Heat", "year": 1995}'}
    ]
    with client.chat.completions.stream(messages=extract, response_format=Movie) as events:
        for event in events:
            if event.type == "content.delta":
                print(event.delta, end="")
            elif event.type == "content.done" and event.parsed is not None:
                print(event.parsed.title)
        streamed: Movie | None = events.get_final_completion().choices[0].message.parsed
    parsed = client.chat.completions.parse(messages=extract, response_format=Movie)
    heat: Movie | None = parsed.choices[0].message.parsed
    print(text, heat.year if heat is not None else None, streamed)

    # The tool loop by hand: the answer's message goes back into the history as it is.
    messages.append({"role": "user", "content": 'call get_weather({"city": "Oslo"})'})
    asked = client.chat.completions.create(messages=messages, tools=[WEATHER], tool_choice="auto")
    message = asked.choices[0].message
    messages.append(message)
    for call in message.tool_calls or []:
        city: str = json.loads(call.function.arguments)["city"]
        messages.append({"role": "tool", "tool_call_id": call.id, "content": f"sunny in {city}"})
    final = client.chat.completions.create(messages=messages, tools=[WEATHER])
    print(final.choices[0].message.content)


def responses(client: OpenAI) -> None:
    """The Responses API: create, a function call round trip, stream, parse."""
    tools: list[FunctionToolParam] = [
        {
            "type": "function",
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            "strict": None,
        }
    ]
    response: Response = client.responses.create(input="Hello", instructions="Be brief.")
    print(response.output_text)
    items: ResponseInputParam = [
        {"role": "user", "content": 'call get_weather({"city": "Oslo"})'},
    ]
    asked = client.responses.create(input=items, tools=tools)
    for item in asked.output:
        if item.type == "function_call":  # narrows to ResponseFunctionToolCall, as in openai
            items.append(
                {
                    "type": "function_call",
                    "call_id": item.call_id,
                    "name": item.name,
                    "arguments": item.arguments,
                }
            )
            items.append(
                {"type": "function_call_output", "call_id": item.call_id, "output": "sunny"}
            )
    answered = client.responses.create(input=items, tools=tools, previous_response_id=None)
    print(answered.output_text)
    for event in client.responses.create(input="Hello", stream=True):
        if event.type == "response.output_text.delta":
            print(event.delta, end="")
    with client.responses.stream(input="Hello") as events:
        for event in events:
            print(event.type)
        streamed: Response = events.get_final_response()
    movie: ParsedResponse[Movie] = client.responses.parse(
        input='Extract {"title": "Heat", "year": 1995}', text_format=Movie
    )
    found: Movie | None = movie.output_parsed
    print(streamed.output_text, found.year if found is not None else None)


def main() -> None:
    """Run it all against the emulator and read the typed answers."""
    with LocalSogniServer() as server, server.client() as client:
        typed_client: OpenAI = client
        chat(typed_client)
        responses(typed_client)
        answer: ChatCompletion = typed_client.chat.completions.create(
            messages=[{"role": "user", "content": 'call generate_image({"prompt": "a cat"})'}],
            sogni_tools=True,
            auto_execute_tools=True,
            on_tool_progress=report,
        )
        text: str | None = answer.choices[0].message.content
        media: MediaView = answer.media
        handoff: ToolHandoff | None = answer.tool_handoff
        urls: list[str] = media.urls
        print(text, urls, handoff)
        started: Workflow = typed_client.workflows.create(
            steps=[{"tool": "generate_image", "arguments": {"prompt": "a cat"}}]
        )
        done: Workflow = typed_client.workflows.wait(started.id, on_progress=report)
        run: ChatRun = typed_client.chat.runs.create(
            messages=[{"role": "user", "content": "Generate an image of a fox"}]
        )
        finished: ChatRun = typed_client.chat.runs.wait(run.id)
        quote: CostEstimate = typed_client.chat.completions.estimate_cost(
            messages=[{"role": "user", "content": "Hi"}]
        )
        usd: float | None = quote.usd
        print(done.urls, finished.urls, usd)
    tool: HostedTool | None = catalog().get("generate_image")
    print(tool.execution if tool is not None else "unknown")


if __name__ == "__main__":
    main()
