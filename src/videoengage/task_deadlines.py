"""One timer for the deadlines of many tasks: a request waiting for its body costs a dict entry.

``asyncio.timeout`` arms and cancels a timer each time, about 10 µs a request here; every request
passes through the body wait, almost always for no time at all. Every deadline here is the same
span after it starts, so start order is deadline order, and one timer, set for the oldest, serves
them all: it fires about once per span under steady load.

Deadlines are kept on ``time.monotonic()``, not the loop's clock: uvloop's clock is libuv's, in whole
milliseconds and cached at the start of each loop iteration, so its timers fire up to a millisecond
or more early. A timer that fires early is set again for what is left: no task is cancelled early.
"""

from __future__ import annotations

import asyncio
import time

Task = asyncio.Task[object]


class TaskDeadlines:
    """Cancels each task that is still started (not stopped) ``seconds`` after it started."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._deadlines: dict[Task, float] = {}  # in start order, so in deadline order
        self._expired: set[Task] = set()  # cancelled here, and not yet told so
        self._timer: asyncio.TimerHandle | None = None

    def __len__(self) -> int:
        return len(self._deadlines)

    def start(self, task: Task) -> None:
        self._deadlines[task] = time.monotonic() + self.seconds
        if self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self.seconds, self._expire, loop)

    def stop(self, task: Task) -> None:
        self._deadlines.pop(task, None)
        self._expired.discard(task)

    def expired(self, task: Task) -> bool:
        """Whether a CancelledError the task caught came from its deadline (it is then uncancelled)."""
        if task not in self._expired:
            return False
        self._expired.discard(task)
        task.uncancel()
        return True

    def _expire(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        now = time.monotonic()
        due = []
        for task, deadline in self._deadlines.items():
            if deadline > now:
                self._timer = loop.call_later(deadline - now, self._expire, loop)
                break
            due.append(task)
        for task in due:
            del self._deadlines[task]
            self._expired.add(task)
            task.cancel()  # a task is cancelled only while it waits, so at an await before stop()
