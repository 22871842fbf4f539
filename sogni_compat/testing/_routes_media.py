"""Uploads and media: the presigned-URL routes, the ``PUT`` they point to, the served files.

``GET /v1/{image,media}/uploadUrl`` and ``downloadUrl`` (``?jobId=&type=``) hand out URLs on
the emulator itself: ``PUT /_upload/{group}/{job}/{type}`` keeps the body, ``GET
/media/uploads/...`` serves it back, and any other ``GET /media/...`` (the URLs of the media
that workflows make) serves a stand-in file of that extension (a real 1x1 PNG, a minimal GLB
for a 3D model).
"""

from __future__ import annotations

from collections.abc import Mapping

from ._http import BaseHandler
from ._wire import RecordedRequest, Reply, sogni_error

#: A 1x1 transparent PNG, served for every image URL the emulator hands out.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
#: The smallest valid binary glTF 2.0 file (a GLB: header and a JSON chunk naming the
#: asset), served for every 3D model URL (``.glb``) the emulator hands out.
_GLB_JSON = b'{"asset":{"version":"2.0"}} '
_GLB = (
    b"glTF"
    + (2).to_bytes(4, "little")
    + (12 + 8 + len(_GLB_JSON)).to_bytes(4, "little")
    + len(_GLB_JSON).to_bytes(4, "little")
    + b"JSON"
    + _GLB_JSON
)
_MEDIA = {
    "image": ("png", "image/png"),
    "video": ("mp4", "video/mp4"),
    "audio": ("mp3", "audio/mpeg"),
    "model": ("glb", "model/gltf-binary"),
}
_BODIES = {"png": _PNG, "glb": _GLB}


class MediaRoutes(BaseHandler):
    """The upload and media routes, a mixin of the emulator's handler."""

    def _upload_url(self, group: str, action: str, query: Mapping[str, str]) -> None:
        """``GET {image,media}/uploadUrl`` or ``downloadUrl``: a URL to upload to or read from."""
        job, kind = query.get("jobId"), query.get("type")
        if not job or not kind or action not in ("uploadUrl", "downloadUrl"):
            raise Reply(400, sogni_error("jobId and type are required", 400))
        key = f"{group}/{job}/{kind}"
        if action == "uploadUrl":
            url = f"{self.emulator.root_url}/_upload/{key}"
            self._send_json(200, {"status": "success", "data": {"uploadUrl": url}})
            return
        with self.emulator._lock:
            known = key in self.emulator._uploads
        if not known:
            raise Reply(404, sogni_error(f"Nothing was uploaded for {key}", 404))
        url = f"{self.emulator.root_url}/media/uploads/{key}"
        self._send_json(200, {"status": "success", "data": {"downloadUrl": url}})

    def _receive_upload(self, path: str, request: RecordedRequest) -> None:
        """``PUT /_upload/...``: keep an upload's body and content type."""
        key = path[len("/_upload/") :]
        content_type = request.headers.get("Content-Type", "application/octet-stream")
        self.emulator._store_upload(key, content_type, request.body)
        self._send(200, b"", "text/plain")

    def _media(self, path: str) -> None:
        """``GET /media/...``: an uploaded file, or a stand-in for media a workflow made."""
        if path.startswith("/media/uploads/"):
            with self.emulator._lock:
                stored = self.emulator._uploads.get(path[len("/media/uploads/") :])
            if stored is None:
                raise Reply(404, sogni_error("No such upload", 404))
            self._send(200, stored[1], stored[0])
            return
        ext = path.rsplit(".", 1)[-1]
        content_type = next((t for e, t in _MEDIA.values() if e == ext), "application/octet-stream")
        self._send(200, _BODIES.get(ext, b"\0" * 16), content_type)
