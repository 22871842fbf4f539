"""The emulator's deterministic "model": what ``LocalSogniServer`` answers, as plain JSON.

The rules (documented in the README):

- The answer is the text of the last user message, echoed back unchanged.
- ``stop`` cuts the answer before the first stop string (``finish_reason: "stop"``);
  ``max_tokens`` keeps that many tokens (``finish_reason: "length"``). A token is a run of
  non-space characters with the spaces before it.
- Prose picks a tool when it says the tool's name or a telling word of it; asking for a
  picture, video or song picks Sogni's generation tool when the request set ``sogni_tools``.
- A user message containing ``call NAME({...JSON...})`` (or ``call NAME()``) asks for a tool
  call when ``NAME`` is one of the request's ``tools`` or, with ``sogni_tools`` on, one of
  Sogni's hosted tools. Several such phrases give several calls in one answer; the word
  ``then`` between two phrases puts the next ones in a later answer, after the tool results
  of the earlier ones (``call generate_image({...}) then call animate_photo({...})`` takes two
  rounds). ``tool_choice="none"`` disables calls; ``"required"`` or a named function forces
  one.
- When tool results (``role="tool"``, or the legacy ``role="function"``) follow the last user
  message and no calls are left, the answer summarises them: ``Tool results: NAME: CONTENT;
  ...``.
- ``parallel_tool_calls=False`` keeps only the first call of an answer.
- ``n`` gives that many identical choices (usage counts each); ``logprobs=True`` adds a log
  probability to every content token (``-0.1`` times its length in characters), and
  ``top_logprobs`` lists up to three candidates: the token, the token upper-cased and ``"#"``,
  each 1.0 less likely than the one before.
- With ``chat_template_kwargs.enable_thinking`` true, the message carries a short
  ``reasoning_content``.
- With a ``json_object`` or ``json_schema`` ``response_format``, the answer is the first JSON
  object written in the user message (``{}`` when there is none).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "Answer",
    "answer_for",
    "chunks_for",
    "completion_for",
    "tokens",
]

DEFAULT_MODEL = "qwen3.6-35b-a3b-gguf-iq4xs"
MODELS = (DEFAULT_MODEL, "qwen3.5-35b-a3b-abliterated-gguf-q4km")

_TOKEN = re.compile(r"\s*\S+|\s+")
_CALL = re.compile(r"\bcall\s+([A-Za-z_][\w.-]*)\s*\(")
_THEN = re.compile(r"\bthen\b", re.IGNORECASE)
_DECODER = json.JSONDecoder()


def tokens(text: str) -> list[str]:
    """The emulator's tokens: each run of non-space characters with the spaces before it."""
    return _TOKEN.findall(text)


def _text_of(content: Any) -> str:
    """The text of a message's content: a string, or the text parts of a list joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [
            part.get("text", "")
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        ]
        return " ".join(p for p in parts if isinstance(p, str))
    return ""


def _call_rounds(text: str) -> list[list[tuple[str, dict[str, Any]]]]:
    """Every ``call NAME({...})`` phrase of ``text``, in order, grouped by ``then``."""
    rounds: list[list[tuple[str, dict[str, Any]]]] = [[]]
    end = 0
    for match in _CALL.finditer(text):
        position = match.end()
        rest = text[position:]
        stripped = rest.lstrip()
        skipped = len(rest) - len(stripped)
        arguments: Any = {}
        used = 0
        if not stripped.startswith(")"):
            try:
                arguments, used = _DECODER.raw_decode(stripped)
            except ValueError:
                continue
            if not isinstance(arguments, dict) or not stripped[used:].lstrip().startswith(")"):
                continue
        if rounds[-1] and _THEN.search(text, end, match.start()):
            rounds.append([])
        rounds[-1].append((match.group(1), arguments))
        end = position + skipped + used
    return rounds if rounds[-1] else []


def _first_json_object(text: str) -> Any:
    """The first ``{...}`` of ``text`` that parses as JSON, else an empty object."""
    start = text.find("{")
    while start >= 0:
        try:
            found, _ = _DECODER.raw_decode(text, start)
        except ValueError:
            start = text.find("{", start + 1)
            continue
        return found
    return {}


# -- natural prompts: picking a tool and making up its arguments, deterministically ----------

#: Words of a tool name too common to pick a tool by.
_GENERIC = frozenset(
    {
        "get", "set", "make", "create", "fetch", "find", "call", "tool", "with", "from",
        "data", "info", "current", "list", "run", "do", "the", "for", "and", "new", "add",
        "use",
    }
)  # fmt: skip
#: Words that pick one of Sogni's hosted tools when its name is not written out.
_HOSTED_WORDS = (
    (("image", "picture", "photo", "paint", "painting", "draw", "drawing"), "generate_image"),
    (("video", "film", "clip", "movie"), "generate_video"),
    (("music", "song", "melody", "tune"), "generate_music"),
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+)([A-Z][\w'-]*)")


def _words(text: str) -> set[str]:
    return {w.lower().rstrip("s") for w in _WORD.findall(text)}


def _name_words(name: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").replace("-", " ")
    return [w.lower().rstrip("s") for w in spaced.split()]


def _tool_schemas(body: Mapping[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for tool in body.get("tools") or ():
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            schemas[function["name"]] = function.get("parameters") or {}
    return schemas


def _picked_tool(text: str, body: Mapping[str, Any], available: Sequence[str]) -> str | None:
    """The tool a prompt in prose asks for: one whose name (or a telling word of it) it says."""
    words = _words(text)
    lowered = text.lower()
    for name in _tool_schemas(body):
        if name not in available:
            continue
        telling = [w for w in _name_words(name) if len(w) >= 4 and w not in _GENERIC]
        if name.lower() in lowered or any(w in words for w in telling):
            return name
    if body.get("sogni_tools") in (None, False, "none"):
        # Sogni injects its tools when sogni_tools is omitted, but a model does not reach for
        # them on every mention of a picture: only a request that turned them on does here.
        return None
    for triggers, name in _HOSTED_WORDS:
        if name in available and any(t.rstrip("s") in words for t in triggers):
            return name
    return None


def _proper_noun(text: str) -> str | None:
    """The first capitalised word that does not start a sentence (``Paris``, ``Heat``)."""
    starts = {m.start(1) for m in _SENTENCE_START.finditer(text)}
    for match in re.finditer(r"\b[A-Z][\w'-]*", text):
        if match.start() not in starts and match.group() != "I":
            return re.sub(r"'s?$", "", match.group())
    return None


def _resolve(schema: Any, root: Mapping[str, Any]) -> Any:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return target
    return schema


def _value_for(schema: Any, name: str, text: str, root: Mapping[str, Any], depth: int = 0) -> Any:
    """A value fitting ``schema`` for property ``name``, made up from the prompt ``text``."""
    schema = _resolve(schema, root)
    if not isinstance(schema, dict) or depth > 8:
        return None
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list):
            usable = [o for o in options if _resolve(o, root).get("type") != "null"]
            return _value_for(usable[0] if usable else {}, name, text, root, depth + 1)
    if schema.get("enum"):
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or "properties" in schema:
        return _object_for(schema, text, root, depth + 1)
    if kind == "array":
        return [_value_for(schema.get("items", {}), name, text, root, depth + 1)]
    if kind in ("integer", "number"):
        numbers = _NUMBER.findall(text)
        if "year" in name.lower():
            numbers = [n for n in numbers if len(n) == 4] or numbers
        value = float(numbers[0]) if numbers else 1.0
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    whole = name.lower() in ("prompt", "query", "text", "description", "question", "content")
    noun = None if whole else _proper_noun(text)
    return noun if noun is not None else text.strip()[:200]


def _object_for(schema: Mapping[str, Any], text: str, root: Mapping[str, Any], depth: int) -> Any:
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return {}
    required = schema.get("required")
    names = [n for n in properties if not isinstance(required, list) or n in required]
    return {n: _value_for(properties[n], n, text, root, depth) for n in names}


def made_up_arguments(schema: Any, text: str) -> Any:
    """An object fitting a JSON schema, its values taken from the prompt where they can be."""
    root = schema if isinstance(schema, dict) else {}
    return _object_for(_resolve(root, root), text, root, 0)


class Answer:
    """What the model says: text or tool calls, plus the bookkeeping of a completion."""

    def __init__(
        self,
        *,
        content: str | None = None,
        tool_calls: Sequence[tuple[str, dict[str, Any]]] = (),
        finish_reason: str = "stop",
        reasoning: str | None = None,
        prompt_tokens: int = 0,
    ) -> None:
        self.content = content
        self.tool_calls = list(tool_calls)
        self.finish_reason = finish_reason
        self.reasoning = reasoning
        self.prompt_tokens = prompt_tokens

    @property
    def completion_tokens(self) -> int:
        """Tokens of the answer (tool calls count their JSON arguments)."""
        if self.content is not None:
            return len(tokens(self.content))
        return sum(len(tokens(json.dumps(arguments))) + 1 for _, arguments in self.tool_calls)

    def usage(self) -> dict[str, int]:
        """OpenAI's usage object."""
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }

    def wire_tool_calls(self, prefix: str) -> list[dict[str, Any]]:
        """The tool calls as OpenAI's ``message.tool_calls``."""
        return [
            {
                "id": f"call_{prefix}_{i}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(arguments)},
            }
            for i, (name, arguments) in enumerate(self.tool_calls)
        ]


def _available_tools(body: Mapping[str, Any], hosted: frozenset[str]) -> list[str]:
    names = []
    for tool in body.get("tools") or ():
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            names.append(function["name"])
    sogni_tools = body.get("sogni_tools", "creative-tools")  # omitted: Sogni injects them
    if sogni_tools not in (False, "none", None):
        names.extend(sorted(hosted))
    return names


def _tool_summary(
    results: Sequence[Mapping[str, Any]], names: Mapping[str, str] | None = None
) -> str:
    parts = []
    for message in results:
        call_id = message.get("tool_call_id")
        known = (names or {}).get(call_id) if isinstance(call_id, str) else None
        name = message.get("name") or known or call_id or "tool"
        parts.append(f"{name}: {_text_of(message.get('content'))}")
    return "Tool results: " + "; ".join(parts)


def _limit(text: str, stop: object, max_tokens: object) -> tuple[str, str]:
    finish = "stop"
    stops = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else []
    cut = min((text.find(s) for s in stops if isinstance(s, str) and s and s in text), default=-1)
    if cut >= 0:
        text = text[:cut]
    if isinstance(max_tokens, int) and not isinstance(max_tokens, bool) and max_tokens >= 0:
        pieces = tokens(text)
        if len(pieces) > max_tokens:
            text = "".join(pieces[:max_tokens])
            finish = "length"
    return text, finish


def _arguments(name: str, schemas: Mapping[str, Any], text: str) -> dict[str, Any]:
    """Arguments for a call of ``name`` the prompt did not spell out."""
    if name in schemas:
        made = made_up_arguments(schemas[name], text)
        return made if isinstance(made, dict) else {}
    return {"prompt": text.strip()} if text.strip() else {}


def answer_for(body: Mapping[str, Any], hosted: frozenset[str] = frozenset()) -> Answer:
    """Decide the answer to a ``chat/completions`` body (assumed already validated)."""
    messages: list[Mapping[str, Any]] = [m for m in body["messages"] if isinstance(m, dict)]
    prompt_tokens = sum(len(tokens(_text_of(m.get("content")))) for m in messages)
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
    user_text = _text_of(messages[last_user].get("content")) if last_user >= 0 else ""
    template = body.get("chat_template_kwargs")
    thinking = isinstance(template, dict) and template.get("enable_thinking") is True
    reasoning = (
        f"The user wrote {len(tokens(user_text))} tokens; I echo them." if thinking else None
    )

    after_user = messages[last_user + 1 :]
    results = [m for m in after_user if m.get("role") in ("tool", "function")]
    done = sum(1 for m in after_user if m.get("role") == "assistant" and m.get("tool_calls"))
    if not done and results:
        done = 1  # legacy function results, or results without their assistant turn
    available = _available_tools(body, hosted)
    choice = body.get("tool_choice", "auto")
    calls: list[tuple[str, dict[str, Any]]] = []
    rounds = _call_rounds(user_text)
    if (done < len(rounds) or not done) and choice != "none" and available:
        group = rounds[done] if done < len(rounds) else []
        calls = [(name, args) for name, args in group if name in available]
        schemas = _tool_schemas(body)
        forced = choice.get("function", {}).get("name") if isinstance(choice, dict) else None
        if not rounds and forced is None:
            picked = _picked_tool(user_text, body, available)
            if picked is None and choice == "required":
                picked = available[0]
            if picked is not None:
                calls = [(picked, _arguments(picked, schemas, user_text))]
        if forced is not None:
            calls = [c for c in calls if c[0] == forced] or [
                (forced, _arguments(forced, schemas, user_text))
            ]
        if body.get("parallel_tool_calls") is False:
            calls = calls[:1]
    if calls:
        return Answer(
            tool_calls=calls,
            finish_reason="tool_calls",
            reasoning=reasoning,
            prompt_tokens=prompt_tokens,
        )
    names = {
        call["id"]: call["function"]["name"]
        for m in messages
        if m.get("role") == "assistant" and isinstance(m.get("tool_calls"), list)
        for call in m["tool_calls"]
        if isinstance(call, dict)
        and isinstance(call.get("id"), str)
        and isinstance(call.get("function"), dict)
        and isinstance(call["function"].get("name"), str)
    }
    said = _tool_summary(results, names) if results else user_text
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") in (
        "json_object",
        "json_schema",
    ):
        found = _first_json_object(said)
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        if not found and isinstance(schema, dict):
            found = made_up_arguments(schema, user_text)
        said = json.dumps(found)
    text, finish = _limit(said, body.get("stop"), body.get("max_tokens"))
    return Answer(
        content=text, finish_reason=finish, reasoning=reasoning, prompt_tokens=prompt_tokens
    )


def _logprobs(text: str, top: int) -> list[dict[str, Any]]:
    """OpenAI's ``logprobs.content`` entries for the tokens of ``text``."""
    entries = []
    for token in tokens(text):
        logprob = round(-0.1 * len(token), 4)
        candidates = [token, token.upper(), "#"][:top]
        entries.append(
            {
                "token": token,
                "logprob": logprob,
                "bytes": list(token.encode()),
                "top_logprobs": [
                    {"token": t, "logprob": logprob - i, "bytes": list(t.encode())}
                    for i, t in enumerate(candidates)
                ],
            }
        )
    return entries


def _choices(body: Mapping[str, Any]) -> int:
    n = body.get("n", 1)
    return n if isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 16 else 1


def _top(body: Mapping[str, Any]) -> int | None:
    """``top_logprobs`` when ``logprobs`` was asked for, else ``None``."""
    if body.get("logprobs") is not True:
        return None
    top = body.get("top_logprobs", 0)
    return top if isinstance(top, int) and not isinstance(top, bool) and top >= 0 else 0


def completion_for(
    answer: Answer,
    *,
    completion_id: str,
    model: str,
    extra: Mapping[str, Any] | None = None,
    body: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``chat.completion`` object of an answer (``body`` for ``n`` and ``logprobs``)."""
    body = body or {}
    message: dict[str, Any] = {"role": "assistant", "content": answer.content}
    if answer.tool_calls:
        message["tool_calls"] = answer.wire_tool_calls(completion_id)
    if answer.reasoning is not None:
        message["reasoning_content"] = answer.reasoning
    top = _top(body)
    n = _choices(body)
    choices = []
    for index in range(n):
        choice: dict[str, Any] = {
            "index": index,
            "message": dict(message),
            "finish_reason": answer.finish_reason,
        }
        if top is not None:
            choice["logprobs"] = {"content": _logprobs(answer.content or "", top)}
        choices.append(choice)
    usage = answer.usage()
    usage["completion_tokens"] *= n
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": choices,
        "usage": usage,
        **(extra or {}),
    }


def chunks_for(
    answer: Answer,
    *,
    completion_id: str,
    model: str,
    include_usage: bool,
    pieces: Sequence[str] | None = None,
    body: Mapping[str, Any] | None = None,
) -> Iterator[dict[str, Any]]:
    """The ``chat.completion.chunk`` objects of an answer: role, one token each, finish, usage.

    ``pieces`` splits the content differently (they must join to it). With ``n`` in ``body``
    each choice is streamed in turn; with ``logprobs`` each content piece carries its own.
    """
    body = body or {}
    created = int(time.time())
    top = _top(body)
    n = _choices(body)

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": index, "delta": delta, "finish_reason": finish}],
        }

    usage = answer.usage()
    usage["completion_tokens"] *= n
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    for index in range(n):
        yield chunk(index, {"role": "assistant", "content": ""})
        if answer.reasoning is not None:
            for piece in tokens(answer.reasoning):
                yield chunk(index, {"reasoning_content": piece})
        for number, call in enumerate(answer.wire_tool_calls(completion_id)):
            function = call["function"]
            head = {**call, "function": {"name": function["name"], "arguments": ""}}
            yield chunk(index, {"tool_calls": [{"index": number, **head}]})
            for piece in tokens(function["arguments"]):
                yield chunk(
                    index, {"tool_calls": [{"index": number, "function": {"arguments": piece}}]}
                )
        for piece in tokens(answer.content or "") if pieces is None else pieces:
            event = chunk(index, {"content": piece})
            if top is not None:
                event["choices"][0]["logprobs"] = {"content": _logprobs(piece, top)}
            yield event
        last = chunk(index, {}, answer.finish_reason)
        if not include_usage and index == n - 1:
            last["usage"] = usage  # Sogni puts usage on the last choice chunk
        yield last
    if include_usage:
        yield {**chunk(0, {}), "choices": [], "usage": usage}
