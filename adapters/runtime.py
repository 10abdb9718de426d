"""The composition root: builds storage and the platform adapters from the config, starts them,
and stops them in order."""

from __future__ import annotations

import asyncio
import logging

from adapters.config import Config
from adapters.seed import seed_groups
from storage.repos import SqlStore

log = logging.getLogger(__name__)


class Runtime:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.store: SqlStore | None = None

    async def start(self) -> None:
        self.store = await SqlStore.open(self.config.database.url)
        await seed_groups(self.store, self.config.groups)
        groups = await self.store.list_groups()
        log.info("storage ready: %d group(s)", len(groups))
        if self.config.discord is None and self.config.slack is None:
            log.warning("neither [discord] nor [slack] is configured: nothing to bridge")

    async def stop(self) -> None:
        if self.store is not None:
            await self.store.close()
            self.store = None


async def run_forever(config: Config) -> None:
    runtime = Runtime(config)
    await runtime.start()
    log.warning(
        "the platform adapters (Discord gateway, Slack app) arrive with the relay issue (#4): "
        "this build prepares the database and seeds groups, then idles"
    )
    try:
        await asyncio.Event().wait()
    finally:
        await runtime.stop()


async def upgrade_database(url: str) -> str | None:
    from storage.migrate import current_revision

    store = await SqlStore.open(url)
    try:
        return await current_revision(store.engine)
    finally:
        await store.close()
