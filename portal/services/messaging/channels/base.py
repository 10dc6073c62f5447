"""The one interface of an outbound channel, and the retry policy every channel shares.

An adapter (a subclass of `Channel`) knows how to deliver one message and what its failure means: `deliver` returns
when the other side accepted the message, raises `DeliveryFailed` (permanent or worth retrying) when this message
did not go, and `ChannelUnavailable` when the channel as a whole cannot deliver now. Everything else — which rows are
due, claiming them, backoff, giving up, counting — is the loop in portal/services/messaging/dispatch.py, the same for every
channel (docs/architecture.md "Outbound channels").
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from portal.models import OutboxMessage
from portal.models.statuses import OutboxStatus

BACKOFF_BASE_SECONDS = 60
BACKOFF_CAP_SECONDS = 6 * 3600


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the 1st, 2nd, 3rd … failed attempt, at most 6 hours."""
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS))


@dataclass(frozen=True)
class RetryPolicy:
    """How much one run sends and how long a channel keeps trying (the backoff between tries is `backoff`)."""

    batch_size: int = 200
    max_attempts: int = 8  # then the row is given up ('dead') for an admin to see
    lease: timedelta = timedelta(minutes=10)  # a claimed row is due again after this if its run died


class DeliveryFailed(Exception):
    """This one message did not go.

    permanent: retrying sends the same thing and gets the same answer (SMTP 5xx, an HTTP 4xx): given up at once;
    otherwise retried after `backoff`. connection_lost: the adapter's connection broke; the loop calls `reconnect`
    before the next message and stops the run if that fails.
    """

    def __init__(self, error: str, *, permanent: bool = False, connection_lost: bool = False):
        super().__init__(error)
        self.error = error
        self.permanent = permanent
        self.connection_lost = connection_lost


class ChannelUnavailable(Exception):
    """The channel as a whole cannot deliver now (server down, login or sender refused): not the message's fault.

    From `open`: nothing was claimed. From `deliver`: that message is put back untouched (its attempt not counted)
    and the run stops, so a misconfiguration cannot burn every message's attempts. `error` is what the row shows.
    """

    def __init__(self, message: str, *, error: str | None = None):
        super().__init__(message)
        self.error = error or message


@dataclass(frozen=True)
class Queue:
    """A table of outbound rows the loop works through. Its rows have `status`, `attempts`, `next_attempt_at`,
    `sent_at` and `last_error` columns."""

    name: str
    model: type
    claimable: tuple[str, ...]  # the statuses of a row that may be claimed once `next_attempt_at` has come
    claimed: str | None  # a claimed row's status; None: it keeps its status and the lease alone holds it
    by_channel: bool  # rows carry a `channel` column naming the adapter that delivers them
    summary: tuple[str, ...]  # the counts a run reports (the scheduler's run log)
    # Called with (session, row, outcome values, now) in the transaction that writes each outcome.
    on_finish: Callable[[Session, object, dict, datetime], None] | None = None


# The outbox (portal/services/messaging/outbox.py): e-mail, SMS and e-mail to job centres. 'sending' rows are claimable again
# once their lease has run out (the run that claimed them died).
OUTBOX = Queue("outbox", OutboxMessage, claimable=(OutboxStatus.PENDING, OutboxStatus.FAILED, OutboxStatus.SENDING),
               claimed=OutboxStatus.SENDING,
               by_channel=True, summary=("sent", "failed", "dead", "skipped"))


class Channel:
    """An outbound channel adapter. Subclasses set the class attributes and implement `from_config` and `deliver`;
    the rest has defaults. Registered in `portal.services.messaging.channels.CHANNELS`."""

    name: str = ""  # short, for logs
    job_id: str = ""  # the scheduler job that runs the loop for this channel (scheduling/jobs.py)
    job_title: str = ""  # Danish (N_), shown to admins
    queue: Queue = OUTBOX
    row_channels: tuple[str, ...] = ()  # the outbox `channel` values this adapter delivers (OUTBOX only)

    @classmethod
    def from_config(cls, config) -> Channel:
        """The adapter with its settings from the app's config."""
        raise NotImplementedError

    @classmethod
    def policy(cls, config) -> RetryPolicy:
        return RetryPolicy(batch_size=int(config["OUTBOX_BATCH"]), max_attempts=int(config["OUTBOX_MAX_ATTEMPTS"]))

    def channels(self) -> tuple[str, ...]:
        """The row channels sent now (one may wait for its own setting, like e-mail to job centres)."""
        return self.row_channels

    def ready(self) -> bool:
        """Whether the channel is configured; otherwise due rows wait untouched (counted as `waiting`)."""
        return True

    def open(self) -> None:
        """Before the first message of a run (e.g. connect); raises ChannelUnavailable."""

    def deliver(self, message, now: datetime) -> None:
        """Hand one message to the other side; return when it accepted it. Raises DeliveryFailed or
        ChannelUnavailable. The same message may be delivered again after a crash: send its idempotency key."""
        raise NotImplementedError

    def reconnect(self) -> bool:
        """After a DeliveryFailed with connection_lost; False stops the run (the rest stay due, untouched)."""
        return True

    def close(self) -> None:
        """After the run, also when it failed."""


def post_json(url: str, body: dict, headers: dict[str, str], timeout: float) -> int:
    """POST one JSON body to an HTTP adapter's configured URL; the HTTP status (OSError for no answer at all)."""
    request = urllib.request.Request(url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8", **headers})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # nosec B310 - the configured http(s) URL
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
