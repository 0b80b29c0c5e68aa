"""A sending MTA, as the reliability tests play one: a 4xx or a lost connection means "try again
(at the next MX) a little later"; a 5xx is final."""

from __future__ import annotations

import random
import smtplib
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

SMTP_TIMEOUT = 10.0


@dataclass
class MtaOutcome:
    """What the sending MTAs saw: 250s per Message-ID, refusals, and why they retried."""

    accepted: Counter[str] = field(default_factory=Counter)
    refused: dict[str, str] = field(default_factory=dict)
    retries: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def total(self) -> int:
        return sum(self.accepted.values())


def deliver_like_an_mta(
    message_id: str,
    sender: str,
    raw: bytes,
    mx: list[int],
    outcome: MtaOutcome,
    deadline: float,
    pause: tuple[float, float] = (0.02, 0.1),
) -> None:
    """Deliver to the first MX; on a 4xx or a lost connection try the next one after a random
    `pause`, until a 250, a 5xx or the deadline."""
    attempt = 0
    while time.monotonic() < deadline:
        port = mx[attempt % len(mx)]
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=SMTP_TIMEOUT) as smtp:
                smtp.sendmail(sender, ["privacy@example.com"], raw)
            with outcome.lock:
                outcome.accepted[message_id] += 1
            return
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                with outcome.lock:
                    outcome.refused[message_id] = f"{exc.smtp_code} {exc.smtp_error!r}"
                return
            kind = str(exc.smtp_code)
        except (smtplib.SMTPException, OSError) as exc:
            # A server stopping, killed or restarting: refused, reset, or cut off mid-session.
            kind = type(exc).__name__
        with outcome.lock:
            outcome.retries[kind] += 1
        attempt += 1
        time.sleep(random.uniform(*pause))
