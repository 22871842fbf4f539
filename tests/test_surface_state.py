"""State the new namespaces keep: made once across threads, bounded in bytes, never cut short.

The lazily made namespaces (``responses``, ``images``, ``media``, ``workflows``,
``chat.runs``) are made once even when many threads touch them first together; the Responses
store is bounded by a byte budget as well as a count; the module-level client is never closed
under a call that is still using it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sogni_compat import NotFoundError, OpenAI
from sogni_compat.testing import LocalSogniServer

from ._hostile import Exchange, HostileServer, event_stream_head, json_response


@pytest.fixture(scope="module")
def server() -> Iterator[LocalSogniServer]:
    """One emulator for the module."""
    with LocalSogniServer() as running:
        yield running


# -- namespaces made once --------------------------------------------------------------------


def together(count: int, action: Callable[[int], object]) -> list[object]:
    """``action(0..count-1)`` in ``count`` threads released at once; their results, in order."""
    start = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(number: int) -> None:
        start.wait()
        try:
            results[number] = action(number)
        except BaseException as exc:  # reported by the caller's assertions
            results[number] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def first_responses_in_threads(server: LocalSogniServer) -> None:
    """One client's first responses.create() in 16 threads at once; each must be stored."""
    with server.client() as client:
        made = together(16, lambda n: client.responses.create(input=f"thread {n}").id)
        assert all(isinstance(found, str) for found in made), made
        for response_id in made:
            assert client.responses.retrieve(str(response_id)).id == response_id
        follow_up = client.responses.create(input="and then?", previous_response_id=str(made[0]))
        assert follow_up.previous_response_id == made[0]


def test_first_responses_from_many_threads_share_one_store(server: LocalSogniServer) -> None:
    """16 threads making their first responses.create() at once all store into one store."""
    for _ in range(3):
        first_responses_in_threads(server)


def namespaces_seen(path: str) -> list[object]:
    """What 16 threads find at ``path`` (``chat.runs``...) of a new client, all at once."""

    def find(client: OpenAI) -> object:
        target: Any = client
        for name in path.split("."):
            target = getattr(target, name)
        return target

    with OpenAI(api_key="sk-test-1234567890abcdef", base_url="http://127.0.0.1:9/v1") as client:
        return together(16, lambda _: find(client))


@pytest.mark.parametrize(
    "path", ["responses", "images", "media", "workflows", "chat.runs", "workflows.templates"]
)
def test_every_lazy_namespace_is_made_once(path: str) -> None:
    """Threads touching a lazily made namespace together all get the same object."""
    for _ in range(5):
        seen = namespaces_seen(path)
        assert all(found is seen[0] for found in seen)


# -- the Responses store ---------------------------------------------------------------------

#: The store's byte budget, as the docs give it.
STORE_BYTES = 64 * 1024 * 1024


def test_the_responses_store_is_bounded_by_bytes(server: LocalSogniServer) -> None:
    """Big inputs push the oldest responses out of the store, within its byte budget."""
    big = "x" * (2 * 1024 * 1024)  # the emulator echoes it: 4 MiB a response, at least
    with server.client() as client:
        made = [client.responses.create(input=big).id for _ in range(24)]
        kept = []
        for response_id in made:
            try:
                kept.append(client.responses.retrieve(response_id).id)
            except NotFoundError:
                continue
    assert kept == made[len(made) - len(kept) :]  # the most recent, in order
    assert 0 < len(kept) <= STORE_BYTES // (4 * 1024 * 1024)
    with server.client() as client:  # one that holds little
        first = client.responses.create(input="short", store=True)
        client.responses.create(input=big, store=False)
        assert client.responses.retrieve(first.id).id == first.id


def test_a_response_larger_than_the_store_is_not_kept(server: LocalSogniServer) -> None:
    """A response bigger than the whole budget is answered but not kept; the others stay."""
    with server.client(max_response_bytes=STORE_BYTES) as client:
        small = client.responses.create(input="short")
        huge = client.responses.create(input="y" * (STORE_BYTES * 5 // 8))
        assert huge.output_text.startswith("yyy")
        with pytest.raises(NotFoundError, match="MiB"):
            client.responses.retrieve(huge.id)
        assert client.responses.retrieve(small.id).id == small.id


# -- the module-level client -----------------------------------------------------------------


def test_changing_a_module_setting_never_closes_a_running_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A setting changed while a module-level call runs leaves that call to finish normally."""
    import sogni_compat

    released = threading.Event()
    streaming = threading.Event()

    def script(exchange: Exchange) -> None:
        path = exchange.path
        if path.endswith("/models"):
            exchange.send(json_response(200, {"object": "list", "data": []}))
        elif path.endswith("/creative-agent/workflows"):
            started = {"workflowId": "wf1", "status": "running"}
            exchange.send(json_response(201, {"status": "success", "data": {"workflow": started}}))
        elif path.endswith("/events/stream"):
            streaming.set()
            released.wait(10)
            event = b'data: {"status": "completed"}\n\n'
            exchange.send(event_stream_head() + event)
            exchange.close()
        elif path.endswith("/cancel"):
            exchange.send(json_response(200, {"status": "success", "data": {"workflow": {}}}))
        else:
            workflow = {
                "workflowId": "wf1",
                "status": "completed",
                "artifacts": [{"url": "https://cdn.test/fox.png", "kind": "image"}],
            }
            exchange.send(json_response(200, {"status": "success", "data": {"workflow": workflow}}))

    with HostileServer(script) as server:
        monkeypatch.setattr(sogni_compat, "api_key", "sk-module-test-0123456789")
        monkeypatch.setattr(sogni_compat, "base_url", server.base_url)
        monkeypatch.setattr(sogni_compat, "app_source", None)
        outcome: list[Any] = []

        def generate() -> None:
            try:
                outcome.append(sogni_compat.images.generate(prompt="a fox", timeout=20))
            except BaseException as exc:
                outcome.append(exc)

        worker = threading.Thread(target=generate)
        worker.start()
        assert streaming.wait(10)
        sogni_compat.app_source = "another-label"  # a new module-level client from now on
        assert sogni_compat.models.list().data == []
        released.set()
        worker.join(20)
        (made,) = outcome
        assert not isinstance(made, BaseException), made
        assert made.data[0].url == "https://cdn.test/fox.png"
        assert not any(r.path.endswith("/cancel") for r in server.requests)
        (listing,) = [r for r in server.requests if r.path.endswith("/models")]
        assert listing.headers.get("x-app-source") == "another-label"
