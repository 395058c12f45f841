"""A cap on request bodies: an upload larger than the server accepts is a 413, refused before it is stored.

Starlette reads a multipart upload completely (spooling it to disk) before the route runs, so the cap is checked
here, on the way in: at once from ``Content-Length``, or by counting while a body without one streams in.
"""

from __future__ import annotations

import orjson
from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _TooLargeError(HTTPException):
    """Raised while the body streams in: FastAPI passes an HTTPException from the body on as the answer."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))


def too_large_message(limit: int) -> str:
    """What a 413 says."""
    return f"the request body is larger than this server accepts ({limit / 2**20:,.0f} MiB; serve --max-upload-mb)"


class BodyLimit:
    """ASGI middleware refusing (413) a POST body over ``max_bytes``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, counting its body; answer 413 when it is too large."""
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await _refuse(send, self.max_bytes)
                return
        received = 0
        started = False

        async def counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLargeError(self.max_bytes)
            return message

        async def watching(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting, watching)
        except _TooLargeError:
            if not started:
                await _refuse(send, self.max_bytes)


async def _refuse(send: Send, limit: int) -> None:
    message = too_large_message(limit)
    body = orjson.dumps({"message": message, "detail": [{"loc": ["body"], "msg": message, "type": "too_large"}]})
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})
