"""Sending scheduled announcements: the job the scheduler runs at the due time, and the recovery
pass at start-up (and periodically) that sends what fell due while the bridge was down, within
the grace, and reports the rest as missed. Exactly once: the send starts with a compare-and-set
of the announcement's status, which only one bridge process can win."""

from __future__ import annotations

import logging

from bridge.actions import OutgoingMessage
from bridge.announce.model import Announcement, AnnouncementStatus
from bridge.announce.service import ORIGIN, AnnounceService
from bridge.announce.text import missed_notice
from bridge.ports import DeliveryError
from bridge.text import Document, Text

log = logging.getLogger(__name__)
SCHEDULED = AnnouncementStatus.SCHEDULED
SENDING = AnnouncementStatus.SENDING
CUT_OFF = "send cut off"
STALE = 600.0  # a claimed send this old with nothing posted was cut off by a crash


class ScheduledAnnouncements:
    def __init__(self, service: AnnounceService, *, process: str) -> None:
        self.service = service
        self.store = service.store
        self.clock = service.clock
        self.process = process  # who claimed a send (host:pid), for the record
        self.fired: list[int] = []  # announcements this process sent (tests, logs)

    async def fire(self, announcement_id: int) -> str:
        """Send a due announcement unless another process did, it was cancelled, or it is
        beyond the grace (then it is reported as missed). Returns what happened."""
        announcement = await self.store.get_announcement(announcement_id)
        if announcement is None or announcement.status is not SCHEDULED:
            return "not scheduled"
        due = announcement.due_at or 0.0
        now = self.clock.now()
        if due > now:
            self.service.scheduler.schedule(announcement.id, due)  # fired early: wait again
            return "not due"
        claimed = await self.store.move_announcement(
            announcement.id, old=SCHEDULED, new=SENDING, at=now, by=self.process
        )
        if not claimed:
            return "claimed elsewhere"
        if now - due > self.service.settings.grace:
            await self._missed(announcement, now - due)
            return "missed"
        return await self._send(announcement)

    async def _send(self, announcement: Announcement, origin_id: str | None = None) -> str:
        posted = self.service.origin_recorder(announcement.id)
        try:
            sent = await self.service.send(announcement, posted=posted, origin_id=origin_id)
        except DeliveryError as exc:
            log.warning("scheduled announcement #%s not posted yet: %s", announcement.id, exc)
            await self.store.move_announcement(
                announcement.id, old=SENDING, new=SCHEDULED, at=self.clock.now(), note=str(exc)
            )
            retry_at = self.clock.now() + self.service.settings.retry
            self.service.scheduler.schedule(announcement.id, retry_at)
            return "retrying"
        await self.store.move_announcement(
            announcement.id,
            old=SENDING,
            new=AnnouncementStatus.SENT,
            at=self.clock.now(),
            message_id=sent.message.id,
        )
        self.fired.append(announcement.id)
        log.info(
            "scheduled announcement #%s sent to %d channel(s)",
            announcement.id,
            1 + len(sent.item_ids),
        )
        return "sent"

    async def _resume(self, stuck: Announcement) -> str:
        """A send cut off by a crash. Its origin copy posted (the note says which): finish the
        fan-out, never posting twice. Nothing posted: a scheduled post goes out again (it is
        still subject to the grace), an immediate one was answered with an error (missed)."""
        now = self.clock.now()
        claimed = await self.store.move_announcement(
            stuck.id,
            old=SENDING,
            new=SENDING,
            at=now,
            by=self.process,
            if_updated_at=stuck.updated_at,
        )
        if not claimed:  # another bridge starting at the same time took it over
            return "resumed elsewhere"
        if stuck.note.startswith(ORIGIN):
            log.warning("announcement #%s: a send was cut off; finishing it", stuck.id)
            return await self._send(stuck, origin_id=stuck.note[len(ORIGIN) :])
        again = SCHEDULED if stuck.due_at is not None else AnnouncementStatus.MISSED
        log.warning("announcement #%s: a send was cut off (now %s)", stuck.id, again.value)
        await self.store.move_announcement(stuck.id, old=SENDING, new=again, at=now, note=CUT_OFF)
        return f"cut off, {again.value}"

    async def _missed(self, announcement: Announcement, late: float) -> None:
        grace = self.service.settings.grace
        failure = announcement.note if announcement.note not in ("", CUT_OFF) else ""
        note = (
            f"posting failed: {failure}"
            if failure
            else f"due while the bridge was down; back {late / 60:.0f} min late"
        )
        await self.store.move_announcement(
            announcement.id,
            old=SENDING,
            new=AnnouncementStatus.MISSED,
            at=self.clock.now(),
            note=note,
        )
        log.warning("scheduled announcement #%s missed: %s", announcement.id, note)
        adapter = self.service.adapters.get(announcement.draft.channel.platform)
        if adapter is None:
            return
        notice = OutgoingMessage(
            author_name="fanbridge",
            author_avatar=None,
            text=Document((Text(missed_notice(announcement, late, grace, failure)),)),
            marker=f"missed-{announcement.id}",
        )
        try:
            await adapter.post(announcement.draft.channel, notice)
        except DeliveryError as exc:  # the status and the log still say it was missed
            log.warning("could not post the missed notice for #%s: %s", announcement.id, exc)

    async def recover(self, *, resume_cut_off: bool = False) -> dict[str, int]:
        """Every scheduled announcement: fire the due ones, (re)schedule the others. At
        start-up (``resume_cut_off``), first finish the sends a crashed process claimed but never
        completed (still ``sending`` after ``STALE`` seconds)."""
        counts: dict[str, int] = {}
        now = self.clock.now()
        if resume_cut_off:
            for stuck in await self.store.announcements_in(SENDING):
                if now - stuck.updated_at > STALE:
                    outcome = await self._resume(stuck)
                    counts[outcome] = counts.get(outcome, 0) + 1
        for announcement in await self.store.scheduled_announcements():
            due = announcement.due_at or 0.0
            if due <= now:
                outcome = await self.fire(announcement.id)
            else:
                self.service.scheduler.schedule(announcement.id, due)
                outcome = "scheduled"
            counts[outcome] = counts.get(outcome, 0) + 1
        return counts
