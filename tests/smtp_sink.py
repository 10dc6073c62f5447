"""An SMTP sink in its own process, for fault tests: every accepted message becomes a file in a directory, and the
process can be told to die in the middle of a dispatch run.

    python -m tests.smtp_sink --port P --dir D [--die-after-data N | --die-at-mail N]

--die-after-data N: store the N-th message, then exit before answering 250 (the ambiguous case: the server has
the message, the client does not know). --die-at-mail N: after N messages were answered 250, exit when the next
MAIL FROM arrives (the clean case: nothing of that message reached the server). Prints "ready" once listening.
"""
from __future__ import annotations

import argparse
import os
import threading
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller


class Sink:
    """aiosmtpd handler: each message is written (and fsynced) before it is acknowledged."""

    def __init__(self, directory: Path, *, die_after_data: int | None, die_at_mail: int | None) -> None:
        self.directory = directory
        self.die_after_data = die_after_data
        self.die_at_mail = die_at_mail
        self.accepted = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.die_at_mail is not None and self.accepted >= self.die_at_mail:
            os._exit(0)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.accepted += 1
        self._store(envelope.original_content or envelope.content)
        if self.accepted == self.die_after_data:
            os._exit(0)  # stored, not acknowledged
        return "250 Message accepted for delivery"

    def _store(self, content: bytes) -> None:
        name = f"{os.getpid()}-{self.accepted:04d}-{uuid.uuid4().hex[:8]}.eml"
        partial = self.directory / (name + ".part")
        with open(partial, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        partial.rename(self.directory / name)
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    die = parser.add_mutually_exclusive_group()
    die.add_argument("--die-after-data", type=int, metavar="N")
    die.add_argument("--die-at-mail", type=int, metavar="N")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    sink = Sink(args.dir, die_after_data=args.die_after_data, die_at_mail=args.die_at_mail)
    controller = Controller(sink, hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()  # until killed (or told to die above)


if __name__ == "__main__":
    main()
