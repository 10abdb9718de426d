"""A bridge in its own OS process, for tests that need two bridge *processes* on one database:

    python -m tests.e2e.bridge_process   (config JSON on the first stdin line)

It runs the real ``Runtime`` with a clock that is real time plus an offset, and takes commands on
stdin, one per line, answering each with one line on stdout:

- ``jump <seconds>``: move its clock forward -> ``jumped``
- ``replan``: re-plan the scheduled announcements (apscheduler fires the due ones) ->
  ``replanned``
- ``fire <id>``: what its timer does when announcement ``id`` is due -> ``outcome <what>``
- ``recover``: one recovery pass -> ``recovered <counts>``
- ``fired``: the announcements this process sent -> ``fired <json list>``
- ``stop``: stop the bridge and exit -> ``stopped``

``ready <process name>`` is printed once the bridge is up. ``FANBRIDGE_TEST_OUTBOX_LEASE``
(seconds), when set, shortens the outbox lease, so a send claimed by a killed process is taken
over sooner. Test code only: the product has no
such hooks."""

from __future__ import annotations

import asyncio
import json
import os
import sys

from adapters.config import config_from_dict
from adapters.runtime import Runtime
from bridge.pipeline.outbox import OutboxSettings
from tests.e2e.harness import JumpClock


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def main() -> None:
    loop = asyncio.get_running_loop()
    first = await loop.run_in_executor(None, sys.stdin.readline)
    config = config_from_dict(json.loads(first))
    clock = JumpClock()
    lease = os.environ.get("FANBRIDGE_TEST_OUTBOX_LEASE")
    outbox = OutboxSettings(lease=float(lease)) if lease else None
    runtime = Runtime(config, web_port=0, clock=clock, outbox=outbox)
    await runtime.start()
    assert runtime.scheduler is not None and runtime.scheduled is not None
    say(f"ready {runtime.scheduler.owner}")
    while True:
        line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
        command, _, argument = line.partition(" ")
        if command == "jump":
            clock.advance(float(argument))
            say("jumped")
        elif command == "replan":
            await runtime.scheduler.clock_moved()
            say("replanned")
        elif command == "fire":
            say(f"outcome {await runtime.scheduled.fire(int(argument))}")
        elif command == "recover":
            say(f"recovered {json.dumps(await runtime.scheduled.recover())}")
        elif command == "fired":
            say(f"fired {json.dumps(runtime.scheduled.fired)}")

        else:  # "stop", or stdin closed
            await runtime.stop()
            say("stopped")
            return


if __name__ == "__main__":
    asyncio.run(main())
