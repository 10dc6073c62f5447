"""A local SMS gateway for tests and development: records what the portal sends, and can be told to fail.

    python -m tests.sms_sink --port 8025      # then PORTAL_SMS_GATEWAY_URL=http://127.0.0.1:8025/rest/mtsms

It answers POSTs like GatewayAPI's /rest/mtsms (JSON in, {"ids": [n]} out), prints each message, and keeps them in
`messages`. `fail_next(n, status)` makes the next n requests fail with that status (503: retried; 400: given up).
"""
from __future__ import annotations

import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SmsSink:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, verbose: bool = False) -> None:
        self.messages: list[dict] = []  # each: {"body": dict, "headers": dict}
        self._failures: list[int] = []
        self._lock = threading.Lock()
        self.verbose = verbose
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                with sink._lock:
                    status = sink._failures.pop(0) if sink._failures else 200
                    if status == 200:
                        sink.messages.append({"body": json.loads(raw or b"{}"), "headers": dict(self.headers)})
                        number = len(sink.messages)
                if sink.verbose and status == 200:
                    print(json.dumps(sink.messages[-1]["body"], ensure_ascii=False), flush=True)
                payload = json.dumps({"ids": [number]} if status == 200 else {"message": "fejl"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/rest/mtsms"

    def fail_next(self, count: int, status: int = 503) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def start(self) -> SmsSink:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    args = parser.parse_args()
    sink = SmsSink(args.host, args.port, verbose=True)
    print(f"SMS sink on {sink.url}", flush=True)
    sink.server.serve_forever()


if __name__ == "__main__":
    main()
