"""``SqlStore``: the sqlmodel implementation of ``bridge.ports.Store``."""

from __future__ import annotations

from bridge.ports import Clock
from storage.db import create_engine
from storage.migrate import upgrade
from storage.repo_announcements import AnnouncementRepo
from storage.repo_catchup import CatchUpRepo
from storage.repo_feed import FeedRepo
from storage.repo_gates import GateRepo
from storage.repo_groups import GroupRepo
from storage.repo_identity import IdentityRepo
from storage.repo_members import MemberRepo
from storage.repo_messages import MessageRepo
from storage.repo_moderation import ModerationRepo
from storage.repo_outbox import OutboxRepo
from storage.repo_reactions import ReactionRepo
from storage.repo_reports import ReportRepo
from storage.repo_spotify import SpotifyRepo
from storage.repo_tab import TabRepo
from storage.repo_timeouts import TimeoutRepo


class SqlStore(
    GroupRepo,
    MemberRepo,
    IdentityRepo,
    MessageRepo,
    OutboxRepo,
    ReactionRepo,
    TabRepo,
    FeedRepo,
    ModerationRepo,
    TimeoutRepo,
    ReportRepo,
    GateRepo,
    SpotifyRepo,
    AnnouncementRepo,
    CatchUpRepo,
):
    @classmethod
    async def open(
        cls,
        url: str,
        *,
        clock: Clock | None = None,
        migrate: bool = True,
        schema: str | None = None,
    ) -> SqlStore:
        """Connect to ``url`` and (by default) bring the schema to the latest revision."""
        engine = create_engine(url, schema=schema)
        if migrate:
            await upgrade(engine)
        return cls(engine, clock)

    async def close(self) -> None:
        await self.engine.dispose()
