"""The openai package's chat examples, with only the client import changed.

Each body follows the example in the openai package's repository (streaming, parsing,
parsing with tools, structured streams); only the user messages are written so that the
emulator's deterministic model (which echoes, or calls ``call NAME({...})``) answers them.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from typing import Any

import openai
import pytest
from pydantic import BaseModel

from sogni_compat import OpenAI
from sogni_compat.testing import MODELS, LocalSogniServer

MODEL = "gpt-4o-2024-08-06"


@pytest.fixture(autouse=True)
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalSogniServer]:
    """An emulator serving the examples' model name, found through the environment."""
    with LocalSogniServer(models=[*MODELS, MODEL]) as server:
        monkeypatch.setenv("SOGNI_API_KEY", "sk-examples-0123456789")
        monkeypatch.setenv("SOGNI_BASE_URL", server.base_url)
        yield server


class Step(BaseModel):
    """One step of a worked answer."""

    explanation: str
    output: str


class MathResponse(BaseModel):
    """A worked answer."""

    steps: list[Step]
    final_answer: str


MATH = '{"steps": [{"explanation": "subtract 31", "output": "8x = -29"}], "final_answer": "-29/8"}'


class Table(str, Enum):
    """A table to query."""

    orders = "orders"
    customers = "customers"


class Column(str, Enum):
    """A column to read."""

    id = "id"
    status = "status"


class Operator(str, Enum):
    """A comparison."""

    eq = "="
    gt = ">"


class OrderBy(str, Enum):
    """A sort order."""

    asc = "asc"
    desc = "desc"


class DynamicValue(BaseModel):
    """A value read from another column."""

    column_name: str


class Condition(BaseModel):
    """One filter."""

    column: str
    operator: Operator
    value: str | int | DynamicValue


class Query(BaseModel):
    """A database query."""

    table_name: Table
    columns: list[Column]
    conditions: list[Condition]
    order_by: OrderBy


QUERY = (
    '{"table_name": "orders", "columns": ["id", "status"], "conditions": '
    '[{"column": "status", "operator": "=", "value": "fulfilled"}], "order_by": "asc"}'
)


def test_streaming_example(capsys: pytest.CaptureFixture[str]) -> None:
    """examples/streaming.py: iterate a stream and print the deltas."""
    client = OpenAI()
    stream = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "How do I output all files in a directory?"}],
        stream=True,
    )
    for chunk in stream:
        if not chunk.choices:
            continue
        print(chunk.choices[0].delta.content or "", end="")
    print()
    assert capsys.readouterr().out == "How do I output all files in a directory?\n"


def test_parsing_example() -> None:
    """examples/parsing.py: parse() into a pydantic model."""
    client = OpenAI()
    completion = client.chat.completions.parse(
        model=MODEL,
        messages=[
            {"role": "system", "content": "You are a helpful math tutor."},
            {"role": "user", "content": MATH},
        ],
        response_format=MathResponse,
    )
    message = completion.choices[0].message
    assert message.parsed is not None
    assert message.parsed.steps[0].output == "8x = -29"
    assert message.parsed.final_answer == "-29/8"


def test_parsing_tools_example() -> None:
    """examples/parsing_tools.py: parse() with openai.pydantic_function_tool(Query)."""
    client = OpenAI()
    completion = client.chat.completions.parse(
        model=MODEL,
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": f"look up my fulfilled orders: call Query({QUERY})"},
        ],
        tools=[openai.pydantic_function_tool(Query)],
    )
    tool_call = (completion.choices[0].message.tool_calls or [])[0]
    parsed: Any = tool_call.function.parsed_arguments
    assert isinstance(parsed, Query)
    assert parsed.table_name == Table.orders
    assert parsed.conditions[0].operator == Operator.eq


def test_parsing_stream_example() -> None:
    """examples/parsing_stream.py: beta.chat.completions.stream with a response_format."""
    client = OpenAI()
    deltas = []
    with client.beta.chat.completions.stream(
        model=MODEL,
        messages=[
            {"role": "system", "content": "You are a helpful math tutor."},
            {"role": "user", "content": MATH},
        ],
        response_format=MathResponse,
    ) as stream:
        for event in stream:
            if event.type == "content.delta":
                deltas.append(event.delta)
            elif event.type == "content.done":
                assert event.parsed is not None
    completion = stream.get_final_completion()
    assert "".join(deltas) == completion.choices[0].message.content
    solution = completion.choices[0].message.parsed
    assert solution is not None
    assert solution.final_answer == "-29/8"


def test_parsing_tools_stream_example() -> None:
    """examples/parsing_tools_stream.py: streamed tool-call arguments, parsed at the end."""
    client = OpenAI()
    with client.beta.chat.completions.stream(
        model=MODEL,
        messages=[{"role": "user", "content": f"call Query({QUERY})"}],
        tools=[openai.pydantic_function_tool(Query)],
    ) as stream:
        for event in stream:
            if event.type == "tool_calls.function.arguments.delta":
                assert event.name == "Query"
            elif event.type == "tool_calls.function.arguments.done":
                assert isinstance(event.parsed_arguments, Query)
    final: Any = stream.get_final_completion()
    assert final.choices[0].message.tool_calls[0].function.parsed_arguments.order_by == OrderBy.asc
