"""A user's script, type-checked from outside the repository in CI (``mypy --strict``).

It checks that the types reach a project that installed the package the README's way: with an
import hook instead of a path, mypy would report the module as missing and every type as Any.
"""

from __future__ import annotations

from sogni_compat import ChatCompletion, ChatCompletionMessageToolCall, OpenAI, ToolProgress
from sogni_compat.hosted_tools import HostedTool, catalog
from sogni_compat.testing import LocalSogniServer
from sogni_compat.types import ChatRun, CostEstimate, MediaView, ToolHandoff, Workflow


def report(call: ChatCompletionMessageToolCall, progress: ToolProgress) -> None:
    """Print one progress line."""
    eta: float | None = progress.eta_seconds
    print(call.function.name, progress.status, f"{progress.percent:.0f}%", eta)


def main() -> None:
    """Chat once against the emulator and read the typed answer."""
    with LocalSogniServer() as server, server.client() as client:
        typed_client: OpenAI = client
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
