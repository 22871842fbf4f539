"""The agent frameworks people build on, driving this package against the emulator.

Each test uses the real framework (the optional groups) and a fresh ``LocalSogniServer``: the
OpenAI Agents SDK (its default Responses model and its Chat Completions model), pydantic-ai
(both OpenAI models), agno (with this package's client and with the genuine ones), Semantic
Kernel, LangGraph, LangChain's Responses mode and AutoGen; llama-index and atomic-agents,
which need an older openai, run in their own environment (``integrations-openai1``). Every
test allows loopback addresses only: a framework that tries another host (a tracing
exporter, telemetry) fails it.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator
from typing import Any

import pydantic
import pytest

from sogni_compat import OpenAI
from sogni_compat.testing import DEFAULT_MODEL, LocalSogniServer

from ._loopback import loopback_only

pytestmark = pytest.mark.optional

MODEL = DEFAULT_MODEL
WEATHER_CALL = 'call get_weather({"city": "Paris"})'
WEATHER_ANSWER = "Tool results: get_weather: sunny in Paris"


class Movie(pydantic.BaseModel):
    """What the structured-output tests extract."""

    title: str
    year: int


def get_weather(city: str) -> str:
    """Get the weather in a city.

    Args:
        city: The city.

    """
    return f"sunny in {city}"


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Nothing but loopback: a test fails if a framework tried to reach another host."""
    monkeypatch.setenv("AGNO_TELEMETRY", "false")
    refused = loopback_only(monkeypatch)
    yield
    assert refused == []


@pytest.fixture
def server() -> Iterator[LocalSogniServer]:
    """A fresh emulator: the tests read its requests."""
    with LocalSogniServer() as running:
        yield running


@pytest.fixture
def sogni(server: LocalSogniServer) -> Iterator[OpenAI]:
    """A client of this package for the emulator."""
    with server.client() as client:
        yield client


def chat_paths(server: LocalSogniServer) -> set[str]:
    """The paths the emulator was asked for."""
    return {request.path for request in server.requests}


# -- the OpenAI Agents SDK -------------------------------------------------------------------


class _Recorder:
    """A tracing processor that keeps what the SDK would export (nothing leaves)."""

    def __init__(self) -> None:
        self.exported: list[Any] = []

    def on_trace_start(self, trace: Any) -> None:
        self.exported.append(trace.export())

    def on_trace_end(self, trace: Any) -> None:
        """Nothing to do at the end of a trace."""

    def on_span_start(self, span: Any) -> None:
        """Spans are kept when they end."""

    def on_span_end(self, span: Any) -> None:
        self.exported.append(span.export())

    def shutdown(self) -> None:
        """Nothing to shut down."""

    def force_flush(self) -> None:
        """Nothing to flush."""


@pytest.fixture
def traces() -> _Recorder:
    """The Agents SDK's traces, recorded here instead of exported to OpenAI."""
    agents = pytest.importorskip("agents")
    recorder = _Recorder()
    agents.set_trace_processors([recorder])
    return recorder


def test_agents_sdk_default_responses_model(
    server: LocalSogniServer, sogni: OpenAI, traces: _Recorder
) -> None:
    """OpenAIResponsesModel: a run, a function tool, output_type and streaming."""
    import agents

    weather = agents.function_tool(get_weather)
    config = agents.RunConfig(tracing_disabled=True)

    async def run() -> tuple[Any, ...]:
        client = sogni.as_async_openai()
        model = agents.OpenAIResponsesModel(model=MODEL, openai_client=client)
        hello = await agents.Runner.run(
            agents.Agent(name="helper", instructions="Be brief.", model=model),
            "Hello there",
            run_config=config,
        )
        tool = await agents.Runner.run(
            agents.Agent(name="helper", model=model, tools=[weather]),
            WEATHER_CALL,
            run_config=config,
        )
        movie = await agents.Runner.run(
            agents.Agent(name="helper", model=model, output_type=Movie),
            'Heat: {"title": "Heat", "year": 1995}',
            run_config=config,
        )
        streamed = agents.Runner.run_streamed(
            agents.Agent(name="helper", model=model, tools=[weather]),
            WEATHER_CALL,
            run_config=config,
        )
        kinds = [event.type async for event in streamed.stream_events()]
        await client.close()
        return hello.final_output, tool.final_output, movie.final_output, streamed, kinds

    hello, tool, movie, streamed, kinds = asyncio.run(run())
    assert hello == "Hello there"
    assert tool == WEATHER_ANSWER
    assert movie == Movie(title="Heat", year=1995)
    assert streamed.final_output == WEATHER_ANSWER
    assert "raw_response_event" in kinds
    assert "run_item_stream_event" in kinds
    assert chat_paths(server) == {"/v1/chat/completions"}
    bodies = [request.json for request in server.requests]
    assert bodies[0]["messages"][0] == {"role": "system", "content": "Be brief."}
    assert any(b.get("response_format", {}).get("type") == "json_schema" for b in bodies)
    assert traces.exported == []


def test_agents_sdk_continues_with_previous_response_id(
    server: LocalSogniServer, sogni: OpenAI
) -> None:
    """auto_previous_response_id: the tool's output answers a call of the stored response."""
    agents = pytest.importorskip("agents")

    config = agents.RunConfig(tracing_disabled=True)

    async def run() -> tuple[str, str]:
        client = sogni.as_async_openai()
        model = agents.OpenAIResponsesModel(model=MODEL, openai_client=client)
        agent = agents.Agent(name="helper", model=model, tools=[agents.function_tool(get_weather)])
        first = await agents.Runner.run(
            agent, WEATHER_CALL, run_config=config, auto_previous_response_id=True
        )
        second = await agents.Runner.run(
            agent, "Thanks!", run_config=config, previous_response_id=first.last_response_id
        )
        await client.close()
        return first.final_output, second.final_output

    assert asyncio.run(run()) == (WEATHER_ANSWER, "Thanks!")
    last = server.requests[-1].json["messages"]
    assert [m["role"] for m in last] == ["user", "assistant", "tool", "assistant", "user"]


def test_agents_sdk_chat_completions_model(server: LocalSogniServer, sogni: OpenAI) -> None:
    """OpenAIChatCompletionsModel runs a tool through chat completions."""
    agents = pytest.importorskip("agents")

    async def run() -> str:
        client = sogni.as_async_openai()
        model = agents.OpenAIChatCompletionsModel(model=MODEL, openai_client=client)
        agent = agents.Agent(name="helper", model=model, tools=[agents.function_tool(get_weather)])
        result = await agents.Runner.run(
            agent, WEATHER_CALL, run_config=agents.RunConfig(tracing_disabled=True)
        )
        await client.close()
        return str(result.final_output)

    assert asyncio.run(run()) == WEATHER_ANSWER
    assert server.requests[0].json["tools"][0]["function"]["name"] == "get_weather"


def test_agents_sdk_tracing_warns_and_run_config_turns_it_off(
    sogni: OpenAI, traces: _Recorder
) -> None:
    """A traced run warns that traces go to OpenAI; tracing_disabled=True traces nothing."""
    import agents

    from sogni_compat._openai_routes import AGENTS_TRACING_WARNING

    agents.set_tracing_disabled(False)  # the SDK's default, whatever a test before set

    async def run(**options: Any) -> None:
        client = sogni.as_async_openai()
        model = agents.OpenAIResponsesModel(model=MODEL, openai_client=client)
        await agents.Runner.run(agents.Agent(name="traced", model=model), "a prompt", **options)
        await client.close()

    try:
        with pytest.warns(UserWarning, match="OpenAI Agents SDK is tracing") as caught:
            asyncio.run(run())
        assert [str(w.message) for w in caught] == [AGENTS_TRACING_WARNING]
        assert any("traced" in str(item) for item in traces.exported)
        traces.exported.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            asyncio.run(run(run_config=agents.RunConfig(tracing_disabled=True)))
        assert traces.exported == []
    finally:
        agents.set_tracing_disabled(True)


class _Span:
    """A finished span as the SDK exports it, holding a prompt."""

    tracing_api_key = None  # the exporter's key is used

    def export(self) -> dict[str, Any]:
        return {"object": "trace.span", "id": "span_1", "span_data": {"input": "a prompt"}}


def test_the_guard_stops_the_sdks_default_trace_exporter(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK's default exporter posts spans (prompts) to OpenAI: here that is refused."""
    pytest.importorskip("agents")
    from agents.tracing.processors import BackendSpanExporter

    refused = loopback_only(monkeypatch)  # this test's own record, inside the autouse guard
    exporter = BackendSpanExporter(api_key="sk-test-1234567890abcdef", max_retries=0)
    exporter.export([_Span()])  # type: ignore[list-item]
    assert refused == ["resolve 'api.openai.com'"]


# -- pydantic-ai -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["responses", "chat"])
def test_pydantic_ai_openai_models(server: LocalSogniServer, sogni: OpenAI, kind: str) -> None:
    """OpenAIResponsesModel and OpenAIChatModel: text, a tool, output_type and a stream."""
    pytest.importorskip("pydantic_ai")
    from pydantic_ai import Agent
    from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
    from pydantic_ai.providers.openai import OpenAIProvider

    async def run() -> tuple[Any, ...]:
        client = sogni.as_async_openai()
        provider = OpenAIProvider(openai_client=client)
        kind_of_model = OpenAIResponsesModel if kind == "responses" else OpenAIChatModel
        model = kind_of_model(MODEL, provider=provider)
        text = (await Agent(model).run("Hello pydantic")).output
        helper = Agent(model)
        helper.tool_plain(get_weather)
        tool = (await helper.run(WEATHER_CALL)).output
        movie = await Agent(model, output_type=Movie).run(
            'call final_result({"title": "Heat", "year": 1995})'
        )
        async with Agent(model).run_stream("one two three") as streamed:
            pieces = [piece async for piece in streamed.stream_text(delta=True)]
        await client.close()
        return text, tool, movie.output, "".join(pieces)

    assert asyncio.run(run()) == (
        "Hello pydantic",
        WEATHER_ANSWER,
        Movie(title="Heat", year=1995),
        "one two three",
    )
    assert chat_paths(server) == {"/v1/chat/completions"}


# -- agno ------------------------------------------------------------------------------------


@pytest.mark.parametrize("api", ["chat", "responses"])
@pytest.mark.parametrize("kind", ["ours", "genuine"])
def test_agno_agent(server: LocalSogniServer, sogni: OpenAI, kind: str, api: str) -> None:
    """Agno's OpenAIChat and OpenAIResponses, on either client: a run, a tool, a stream."""
    pytest.importorskip("agno")
    from agno.agent import Agent, RunOutput
    from agno.models.openai import OpenAIChat, OpenAIResponses
    from agno.run.base import RunStatus

    clients: dict[str, Any] = {"client": sogni}
    if kind == "genuine":
        clients = {"client": sogni.as_openai(), "async_client": sogni.as_async_openai()}
    model = (OpenAIChat if api == "chat" else OpenAIResponses)(id=MODEL, **clients)
    agent = Agent(model=model, tools=[get_weather], telemetry=False)
    hello = agent.run("Hello agno")
    assert isinstance(hello, RunOutput)
    assert (hello.status, hello.content) == (RunStatus.completed, "Hello agno")
    tool = agent.run(WEATHER_CALL)
    assert (tool.status, tool.content) == (RunStatus.completed, WEATHER_ANSWER)
    pieces = [event.content for event in agent.run("stream this", stream=True)]
    assert "".join(p for p in pieces if isinstance(p, str)) == "stream this"
    assert chat_paths(server) == {"/v1/chat/completions"}
    assert server.requests[-1].json["stream"] is True


# -- Semantic Kernel -------------------------------------------------------------------------


def test_semantic_kernel_chat_stream_and_function_calling(
    server: LocalSogniServer, sogni: OpenAI
) -> None:
    """OpenAIChatCompletion on the async genuine client: a reply, a stream, a kernel function."""
    with warnings.catch_warnings():  # its import trips pydantic's deprecations, not ours
        warnings.simplefilter("ignore", DeprecationWarning)
        pytest.importorskip("semantic_kernel")
        pytest.importorskip("semantic_kernel.connectors.ai.open_ai")
    from semantic_kernel import Kernel
    from semantic_kernel.connectors.ai.function_choice_behavior import FunctionChoiceBehavior
    from semantic_kernel.connectors.ai.open_ai import (
        OpenAIChatCompletion,
        OpenAIChatPromptExecutionSettings,
    )
    from semantic_kernel.contents import ChatHistory
    from semantic_kernel.functions import KernelArguments, kernel_function

    class Weather:
        """A plugin with one function."""

        @kernel_function(description="Get the weather in a city.")
        def get_weather(self, city: str) -> str:
            """The weather in ``city``."""
            return f"sunny in {city}"

    async def run() -> tuple[str, str, str]:
        client = sogni.as_async_openai()
        service = OpenAIChatCompletion(ai_model_id=MODEL, async_client=client)
        history = ChatHistory()
        history.add_user_message("Hello kernel")
        settings = OpenAIChatPromptExecutionSettings()
        reply = await service.get_chat_message_content(history, settings)
        pieces = [
            str(chunk[0])
            async for chunk in service.get_streaming_chat_message_contents(history, settings)
        ]
        kernel = Kernel()
        kernel.add_service(service)
        kernel.add_plugin(Weather(), "weather")
        auto = OpenAIChatPromptExecutionSettings(
            function_choice_behavior=FunctionChoiceBehavior.Auto()
        )
        answer = await kernel.invoke_prompt(
            'call weather-get_weather({"city": "Paris"})', arguments=KernelArguments(settings=auto)
        )
        await client.close()
        return str(reply), "".join(pieces), str(answer)

    reply, streamed, answer = asyncio.run(run())
    assert (reply, streamed) == ("Hello kernel", "Hello kernel")
    assert answer == "Tool results: weather-get_weather: sunny in Paris"


# -- LangGraph and LangChain's Responses mode ------------------------------------------------


def _chat_openai(sogni: OpenAI, **options: Any) -> Any:
    langchain_openai = pytest.importorskip("langchain_openai")
    root, root_async = sogni.as_openai(), sogni.as_async_openai()
    return langchain_openai.ChatOpenAI(
        model=MODEL,
        client=root.chat.completions,
        root_client=root,
        async_client=root_async.chat.completions,
        root_async_client=root_async,
        **options,
    )


def test_langgraph_agent_sync_and_async(server: LocalSogniServer, sogni: OpenAI) -> None:
    """A LangGraph agent (langchain.agents.create_agent) runs a tool, invoked and awaited."""
    pytest.importorskip("langgraph")
    agents = pytest.importorskip("langchain.agents")
    from langgraph.graph.state import CompiledStateGraph

    agent = agents.create_agent(_chat_openai(sogni), tools=[get_weather], system_prompt="Be brief.")
    assert isinstance(agent, CompiledStateGraph)
    asked = {"messages": [{"role": "user", "content": WEATHER_CALL}]}
    result = agent.invoke(asked)
    assert result["messages"][-1].content == WEATHER_ANSWER
    assert [m.type for m in result["messages"]] == ["human", "ai", "tool", "ai"]
    awaited = asyncio.run(agent.ainvoke(asked))
    assert awaited["messages"][-1].content == WEATHER_ANSWER
    assert chat_paths(server) == {"/v1/chat/completions"}
    assert server.requests[0].json["messages"][0] == {"role": "system", "content": "Be brief."}


def test_langchain_responses_mode(server: LocalSogniServer, sogni: OpenAI) -> None:
    """ChatOpenAI(use_responses_api=True): invoke, stream, tools and structured output."""
    llm = _chat_openai(sogni, use_responses_api=True)
    assert llm.invoke("hello responses").text == "hello responses"
    assert "".join(chunk.text for chunk in llm.stream("one two")) == "one two"
    message = llm.bind_tools([get_weather]).invoke(WEATHER_CALL)
    assert message.tool_calls[0]["args"] == {"city": "Paris"}
    extracted = llm.with_structured_output(Movie).invoke('{"title": "Heat", "year": 1995}')
    assert extracted == Movie(title="Heat", year=1995)
    assert chat_paths(server) == {"/v1/chat/completions"}


# -- AutoGen ---------------------------------------------------------------------------------


def test_autogen_assistant_agent(server: LocalSogniServer, sogni: OpenAI) -> None:
    """AutoGen's AssistantAgent on a model client built around the async genuine client."""
    pytest.importorskip("autogen_agentchat")
    from autogen_agentchat.agents import AssistantAgent
    from autogen_agentchat.messages import BaseTextChatMessage
    from autogen_core.models import ModelInfo
    from autogen_ext.models.openai import BaseOpenAIChatCompletionClient

    async def run() -> tuple[str, str]:
        info = ModelInfo(
            vision=True,
            function_calling=True,
            json_output=True,
            family="unknown",
            structured_output=True,
        )
        client = sogni.as_async_openai()
        model_client = BaseOpenAIChatCompletionClient(
            client, create_args={"model": MODEL}, model_info=info
        )
        agent = AssistantAgent("assistant", model_client=model_client, tools=[get_weather])
        said = []
        for task in ("Hello autogen", WEATHER_CALL):
            last = (await agent.run(task=task)).messages[-1]
            assert isinstance(last, BaseTextChatMessage)
            said.append(last.content)
        await client.close()
        return said[0], said[1]

    hello, tool = asyncio.run(run())
    assert hello == "Hello autogen"
    assert tool == "sunny in Paris"  # AssistantAgent answers with the tool's result itself
    assert chat_paths(server) == {"/v1/chat/completions"}


# -- frameworks that need openai 1.x (the integrations-openai1 environment) ------------------


def test_llama_index_openai_like(server: LocalSogniServer, sogni: OpenAI) -> None:
    """llama-index's OpenAILike on the genuine clients: chat, complete, achat and a tool."""
    pytest.importorskip("llama_index.llms.openai_like")
    from llama_index.core.llms import ChatMessage
    from llama_index.core.tools import FunctionTool
    from llama_index.llms.openai_like import OpenAILike

    llm = OpenAILike(
        model=MODEL,
        api_base=sogni.base_url,
        api_key="unused",
        is_chat_model=True,
        is_function_calling_model=True,
        context_window=32768,
        openai_client=sogni.as_openai(),
        async_openai_client=sogni.as_async_openai(),
    )
    assert llm.chat([ChatMessage(role="user", content="hello llama")]).message.content == (
        "hello llama"
    )
    assert llm.complete("complete me").text == "complete me"
    awaited = asyncio.run(llm.achat([ChatMessage(role="user", content="async llama")]))
    assert awaited.message.content == "async llama"
    answer = llm.chat_with_tools([FunctionTool.from_defaults(get_weather)], user_msg=WEATHER_CALL)
    (call,) = llm.get_tool_calls_from_response(answer, error_on_no_tool_call=True)
    assert (call.tool_name, call.tool_kwargs) == ("get_weather", {"city": "Paris"})
    assert chat_paths(server) == {"/v1/chat/completions"}


def test_atomic_agents_base_agent(server: LocalSogniServer, sogni: OpenAI) -> None:
    """atomic-agents' BaseAgent on instructor.from_openai(as_openai())."""
    with warnings.catch_warnings():  # its import trips pydantic's deprecations, not ours
        warnings.simplefilter("ignore", DeprecationWarning)
        pytest.importorskip("atomic_agents.agents.base_agent")
    import instructor
    from atomic_agents.agents.base_agent import (
        BaseAgent,
        BaseAgentConfig,
        BaseAgentInputSchema,
        BaseAgentOutputSchema,
    )

    agent = BaseAgent(
        BaseAgentConfig(client=instructor.from_openai(sogni.as_openai()), model=MODEL)
    )
    reply = agent.run(BaseAgentInputSchema(chat_message="Hello atomic"))
    assert isinstance(reply, BaseAgentOutputSchema)  # read from the forced tool call's arguments
    assert isinstance(reply.chat_message, str)
    assert reply.chat_message
    assert len(server.requests) == 1
    assert server.requests[0].json["tool_choice"]["function"]["name"] == "BaseAgentOutputSchema"
