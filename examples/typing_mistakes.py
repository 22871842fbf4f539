"""Mistakes a type checker must report before they run: one per line marked ``# mistake:``.

CI copies this file into a project outside the repository, with the package installed as the
README says and ``plugins = ["sogni_compat.mypy_plugin"]`` in its mypy configuration, and runs
``mypy --strict`` and ``pyright`` on it (``.ci/check_typing.py``): each marked line must be
reported by both checkers, in a few lines of output, and nothing else may be. Not meant to run.
"""

from __future__ import annotations

from dataclasses import dataclass

import sogni_compat
from sogni_compat import OpenAI
from sogni_compat.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam
from sogni_compat.types.responses import ResponseInputParam


@dataclass
class Film:
    """Structured output."""

    title: str


client = OpenAI(api_key="sk-test-1234567890abcdef")
hello: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hello"}]

typo: list[ChatCompletionMessageParam] = [{"role": "usr", "content": "Hi"}]  # mistake: role
answer = client.chat.completions.create(messages=hello)
print(answer.choices[0].message.contents)  # mistake: a message has content
print(client.responses.create(input="Hello").output_txt)  # mistake: output_text
print(client.responses.create(input="Hi").output[0].call_id)  # mistake: only function_call has
print(client.embeddings)  # mistake: Sogni serves no embeddings
print(sogni_compat.embeddings)  # mistake: nor does the module-level client
client.workflows.wait("wf_1", on_progress="barr")  # mistake: "bar" or a function
client.chat.runs.wait("run_1", on_progress=lambda call, p: print(p.percentage))  # mistake: percent
client.chat.runs.create(messages=hello, temprature=0.2)  # mistake: temperature
client.images.generate(prompt="a fox", qualty="hd")  # mistake: quality
client.images.generate(prompt="a fox", response_format="json")  # mistake: url or b64_json
client.workflows.create(step=[{"toolName": "generate_image", "arguments": {}}])  # mistake: steps
raw = client.chat.completions.with_raw_response.create(messages=hello)
print(raw.parse().choices[0].message.contents)  # mistake: a message has content
for chunk in client.chat.completions.create(messages=hello, stream=True):
    print(chunk.choices[0].message)  # mistake: a chunk's choice has a delta
client.chat.completions.create(messages=hello, temperature="hot")  # mistake: a float
client.chat.completions.create(messages=hello, temprature=0.2)  # mistake: temperature
client.chat.completions.create(messages=hello, tool_choice="sometimes")  # mistake: auto/none
client.chat.completions.parse(messages=hello, max_tokens="50")  # mistake: an int
print(client.responses.create(input="Hello", stream=True).output_text)  # mistake: events
client.responses.create(input="Hello", background=True)  # mistake: refused before sending
print(client.beta.assistants)  # mistake: Sogni serves no assistants
print(client.images.create_variation)  # mistake: Sogni serves no image variations
tool: ChatCompletionToolParam = {"type": "function", "name": "f"}  # mistake: chat tool shape
items: ResponseInputParam = [{"type": "item_reference", "id": "x"}]  # mistake: not served
film = client.chat.completions.parse(messages=hello, response_format=Film).choices[0].message.parsed
if film is not None:
    print(film.titel)  # mistake: a Film has a title
with client.chat.completions.stream(messages=hello, response_format=Film) as events:
    for event in events:
        if event.type == "content.done" and event.parsed is not None:
            print(event.parsed.year)  # mistake: a Film has no year
