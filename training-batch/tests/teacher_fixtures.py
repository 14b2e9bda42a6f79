"""A real OpenAI-compatible chat completions server on 127.0.0.1 for the test_teacher_* modules.

``FakeChatServer`` runs ``http.server`` in a thread on port 0, records every request (path,
headers, JSON body, arrival time), counts concurrent requests, and answers with a ``responder``:
a function of (request, hit number) -> :class:`Reply`. The default answer echoes the first
history title of the prompt, so tests can check each user got its own answer.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

COMPLETIONS_PATH = "/v1/chat/completions"
FIRST_TITLE = re.compile(r"^- 1\. <(?:News|Book) Title>: (.*?)(?:;|$)", re.MULTILINE)


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict
    at: float

    @property
    def prompt(self) -> str:
        return self.body["messages"][0]["content"]


@dataclass
class Reply:
    status: int = 200
    content: str | None = None  # chat answer text (status 200); None: echo the first title
    body: str | None = None  # raw body, overrides content
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


def echo_answer(request: Recorded) -> str:
    match = FIRST_TITLE.search(request.prompt)
    return f"  The user likes {match.group(1) if match else 'nothing'}.\n"


def completion_json(content: str) -> str:
    return json.dumps(
        {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
        }
    )


def scripted(*replies: Reply) -> Callable[[Recorded, int], Reply]:
    """Answer hit ``n`` with ``replies[n]``; later hits get the default 200 echo."""
    return lambda request, n: replies[n] if n < len(replies) else Reply()


class FakeChatServer:
    def __init__(self, responder: Callable[[Recorded, int], Reply] | None = None) -> None:
        self.responder = responder or (lambda request, n: Reply())
        self.requests: list[Recorded] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {}
                request = Recorded(
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                    time.monotonic(),
                )
                with server._lock:
                    n = len(server.requests)
                    server.requests.append(request)
                    server.active += 1
                    server.max_active = max(server.max_active, server.active)
                try:
                    if self.path != COMPLETIONS_PATH:
                        reply = Reply(404, body=json.dumps({"error": f"no route {self.path}"}))
                    else:
                        reply = server.responder(request, n)
                    if reply.delay_s:
                        time.sleep(reply.delay_s)
                    if reply.body is not None:
                        payload = reply.body
                    else:
                        payload = completion_json(
                            reply.content if reply.content is not None else echo_answer(request)
                        )
                    data = payload.encode("utf-8")
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    with server._lock:
                        server.active -= 1

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address) -> None:  # noqa: ANN001
                pass  # a client that timed out and hung up is expected in some tests

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fake-chat",
            daemon=True,
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    @property
    def hits(self) -> int:
        with self._lock:
            return len(self.requests)

    def __enter__(self) -> "FakeChatServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
