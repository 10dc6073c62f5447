"""A TCP proxy that delays every chunk by a fixed time each way: PostgreSQL as if it ran on another machine
(issue 19). On loopback a round trip to the server costs ~0.08 ms; across a data centre's network 0.3–1 ms. This
machine's kernel has no netem, so the delay is added here.

    python -m bench.latency_proxy 6543 127.0.0.1:5432 0.25     # listen on 6543, forward to 5432, +0.25 ms each way
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:6543/bench_pg SCREENS=member python -m bench.screens /tmp/base

Each chunk is sent on `delay` after it arrived (a reader and a sender thread a direction, so a burst is not
delayed once per chunk and the order is kept). The proxy's own work (Python threads) adds to every round trip as
well, for both trees alike.
"""
from __future__ import annotations

import queue
import socket
import sys
import threading
import time


def _pump(source: socket.socket, target: socket.socket, delay: float) -> None:
    """Two threads a direction: one reads and stamps each chunk, the other sends it once its time has come."""
    chunks: queue.SimpleQueue = queue.SimpleQueue()

    def read() -> None:
        try:
            while data := source.recv(65536):
                chunks.put((time.perf_counter() + delay, data))
        except OSError:
            pass
        chunks.put((0.0, b""))

    def send() -> None:
        try:
            while True:
                due, data = chunks.get()
                if not data:
                    break
                if (wait := due - time.perf_counter()) > 0:
                    time.sleep(wait)
                target.sendall(data)
        except OSError:
            pass
        finally:
            target.close()
            source.close()

    threading.Thread(target=read, daemon=True).start()
    threading.Thread(target=send, daemon=True).start()


def serve(listen_port: int, host: str, port: int, delay: float) -> None:
    listener = socket.create_server(("127.0.0.1", listen_port))
    print(f"forwarding 127.0.0.1:{listen_port} to {host}:{port}, +{delay * 1000:.2f} ms each way", flush=True)
    while True:
        client, _ = listener.accept()
        server = socket.create_connection((host, port))
        for sock in (client, server):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        _pump(client, server, delay)
        _pump(server, client, delay)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__)
        return 2
    host, port = argv[1].rsplit(":", 1)
    serve(int(argv[0]), host, int(port), float(argv[2]) / 1000)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
