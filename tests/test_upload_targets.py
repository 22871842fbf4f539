"""The presigned upload URL Sogni names keeps to the rules of image downloads."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import responses

from sogni_compat import APIResponseValidationError, OpenAI
from sogni_compat._transport import PeerRefusedError
from sogni_compat._vision import outside_request
from sogni_compat.testing import LocalSogniServer

from ._helpers import API_KEY, BASE_URL, PNG

ROOT = BASE_URL.removesuffix("/v1")


class Listener:
    """A loopback port that records every connection made to it and the bytes it received."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.received = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.settimeout(2)
            with contextlib.suppress(OSError), conn:
                while data := conn.recv(65536):
                    self.received += data

    def close(self) -> None:
        """Stop listening."""
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    """A loopback port nothing should reach."""
    running = Listener()
    yield running
    running.close()


def upload_answer(rsps: responses.RequestsMock, target: str, group: str = "image") -> None:
    """Sogni's upload-URL route answering ``target``."""
    rsps.get(
        f"{ROOT}/v1/{group}/uploadUrl", json={"status": "success", "data": {"uploadUrl": target}}
    )


UPLOADS: dict[str, Callable[[OpenAI], Any]] = {
    "media.upload": lambda client: client.media.upload(PNG),
    "images.edit": lambda client: client.images.edit(image=PNG, prompt="a hat"),
    "workflows media": lambda client: client.workflows.create(
        steps=[{"tool": "generate_image", "arguments": {"prompt": "x"}}], media=[PNG]
    ),
}


@pytest.mark.parametrize(
    ("target", "refusal"),
    [
        ("http://169.254.169.254/latest/meta-data/", "upload URLs must be https://"),
        ("https://169.254.169.254/latest/meta-data/", "loopback, private or link-local"),
        ("https://10.20.30.40:9200/bucket/x", "loopback, private or link-local"),
        ("https://[::ffff:10.20.30.40]/bucket/x", "loopback, private or link-local"),
        ("https://[64:ff9b::7f00:1]/bucket/x", "loopback, private or link-local"),  # NAT64
        ("https://[64:ff9b:1::808:808]/bucket/x", "loopback, private or link-local"),
        ("https://[2002:7f00:1::]/bucket/x", "loopback, private or link-local"),  # 6to4
        ("https://[2002:a9fe:a9fe::1]/bucket/x", "loopback, private or link-local"),
        ("https://[::127.0.0.1]/bucket/x", "loopback, private or link-local"),  # compatible
        ("https://[::10.0.0.1]/bucket/x", "loopback, private or link-local"),
        ("https://[::ffff:0:7f00:1]/bucket/x", "loopback, private or link-local"),  # translated
        ("https://[::5efe:7f00:1]/bucket/x", "loopback, private or link-local"),  # ISATAP
        ("https://[2606:4700::200:5efe:a00:1]/bucket/x", "loopback, private or link-local"),
        ("https://[fec0::1]/bucket/x", "loopback, private or link-local"),  # site-local
        ("http://uploads.example.com/put", "upload URLs must be https://"),
        ("https://user:pw@uploads.example.com/put", "is not a URL an upload can go to"),
    ],
)
@pytest.mark.parametrize("call", sorted(UPLOADS))
def test_a_refused_target_gets_nothing(target: str, refusal: str, call: str) -> None:
    """With a public base_url, every upload path refuses the target before a PUT is made."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        upload_answer(rsps, target)
        refused = pytest.raises(APIResponseValidationError, match=refusal)
        with OpenAI(api_key=API_KEY, base_url=BASE_URL, max_retries=0) as client, refused as caught:
            UPLOADS[call](client)
        assert [c.request.method for c in rsps.calls] == ["GET"]
    assert "Sogni's upload answer" in str(caught.value)


@pytest.mark.parametrize("host", ["localhost", "2130706433", "0x7f.0.0.1", "127.0.0.1"])
def test_a_name_resolving_to_this_machine_is_refused(host: str, listener: Listener) -> None:
    """A target that resolves to a loopback address is refused: no connection is made at all."""
    target = f"https://{host}:{listener.port}/put?sig=1"
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.add_passthru(f"https://{host}:{listener.port}")  # would really connect
        upload_answer(rsps, target)
        refused = pytest.raises(APIResponseValidationError, match="private or link-local")
        with OpenAI(api_key=API_KEY, base_url=BASE_URL, max_retries=0) as client, refused:
            client.media.upload(PNG)
    assert (listener.connections, listener.received) == (0, b"")


def test_the_connection_check_closes_before_the_first_byte(listener: Listener) -> None:
    """When a name resolves elsewhere by the time it connects, nothing is sent on the socket."""
    url = f"https://localhost:{listener.port}/put"
    with OpenAI(api_key=API_KEY, base_url=BASE_URL, max_retries=0) as client:
        refused = pytest.raises(PeerRefusedError, match="here: the upload URL")
        put = outside_request(
            client,
            "PUT",
            url,
            headers={},
            data=PNG,
            timeout=5,
            deadline=time.monotonic() + 5,
            where="here",
            what="upload",
        )
        with refused, put:  # the address the connection reached is checked: nothing is sent
            pass
        with pytest.raises(requests.exceptions.SSLError):  # unchecked: it connects
            client._session.put(url, data=PNG, timeout=5)
    pause = threading.Event()
    for _ in range(50):
        if listener.connections == 2:
            break
        pause.wait(0.1)
    assert listener.connections == 2
    assert listener.received.startswith(b"\x16\x03")  # only the second sent a TLS greeting
    assert listener.received.count(b"\x16\x03\x01") == 1


def test_a_loopback_base_url_may_upload_to_its_own_machine() -> None:
    """The emulator hands out plain-http loopback upload URLs: allowed, as for downloads."""
    with LocalSogniServer() as server, server.client() as client:
        url = client.media.upload(PNG)
        assert url.startswith(server.root_url)
    assert [r.method for r in server.requests] == ["GET", "PUT", "GET"]


def test_a_public_https_target_is_used() -> None:
    """An https target on a public name is PUT to, without the key."""
    target = "https://uploads.example.com/put?sig=abc"
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        upload_answer(rsps, target)
        rsps.put(target)
        rsps.get(
            f"{ROOT}/v1/image/downloadUrl",
            json={"status": "success", "data": {"downloadUrl": "https://cdn.example.com/a.png"}},
        )
        with OpenAI(api_key=API_KEY, base_url=BASE_URL) as client:
            assert client.media.upload(PNG) == "https://cdn.example.com/a.png"
        put = rsps.calls[1].request
    assert put.method == "PUT"
    assert "Authorization" not in put.headers


@pytest.mark.parametrize(
    "host",
    [
        "[64:ff9b::808:808]",
        "[2002:808:808::1]",
        "[::ffff:8.8.8.8]",
        "[2606:4700::1111]",
        "[::ffff:0:808:808]",
        "[2606:4700::5efe:808:808]",
    ],
)
def test_an_embedded_public_address_is_public(host: str) -> None:
    """An IPv6 address leading to a public IPv4 address (or a plain public one) is uploaded to."""
    target = f"https://{host}/put?sig=abc"
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        upload_answer(rsps, target)
        rsps.put(target)
        rsps.get(
            f"{ROOT}/v1/image/downloadUrl",
            json={"status": "success", "data": {"downloadUrl": "https://cdn.example.com/a.png"}},
        )
        with OpenAI(api_key=API_KEY, base_url=BASE_URL) as client:
            assert client.media.upload(PNG) == "https://cdn.example.com/a.png"
