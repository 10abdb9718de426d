"""What `/announce` says back: the scheduling confirmation, the list, the missed notice."""

from __future__ import annotations

from collections.abc import Mapping

from bridge.announce.model import Announcement, AnnouncementStatus
from bridge.announce.when import Due
from bridge.text import Document

ICONS = {
    AnnouncementStatus.SCHEDULED: "⏰",
    AnnouncementStatus.SENDING: "📤",
    AnnouncementStatus.SENT: "✅",
    AnnouncementStatus.MISSED: "⚠️",
    AnnouncementStatus.CANCELLED: "✖️",
    AnnouncementStatus.DELETED: "🗑️",
}


def preview(announcement: Announcement, width: int = 60) -> str:
    text = " ".join(Document.from_json(announcement.draft.text).plain().split())
    return text if len(text) <= width else text[: width - 1] + "…"


def until(seconds: float) -> str:
    minutes = max(0, round(seconds / 60))
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours) + [f"{mins} min"]
    return " ".join(parts[:2]) if days or hours else parts[-1]


def scheduled_reply(announcement_id: int, due: Due, now: float, channels: int) -> str:
    return (
        f"⏰ Announcement #{announcement_id} is scheduled for {due.describe()}, in "
        f"{until(due.at - now)}, to {channels} channel(s). `/announce list` shows what is "
        f"scheduled; `/announce cancel {announcement_id}` cancels it."
    )


def describe_list(found: list[Announcement], names: Mapping[int, str], zone: str) -> str:
    if not found:
        return "No announcements yet. Schedule one with `/announce <message> when:<time>`."
    lines = [f"Announcements (times in UTC; your zone: {zone}):"]
    for a in found:
        groups = ", ".join(names.get(g, f"#{g}") for g in a.draft.group_ids)
        when = ""
        if a.due_at is not None:
            when = " " + Due(a.due_at, a.draft.zone).describe()
        note = f" ({a.note})" if a.note and a.status is AnnouncementStatus.MISSED else ""
        lines.append(
            f"{ICONS[a.status]} #{a.id} {a.status.value}{when}{note} · {groups} · “{preview(a)}”"
        )
    return "\n".join(lines)


def missed_notice(announcement: Announcement, late: float, grace: float, failure: str = "") -> str:
    """Why a scheduled post was not sent: the bridge was down at its time, or (``failure``)
    posting it kept failing until the grace ran out."""
    due = Due(announcement.due_at or 0.0, announcement.draft.zone).describe()
    why = (
        f"posting it kept failing ({failure}) for {until(late)}, beyond the {until(grace)} grace"
        if failure
        else f"the bridge was not running then and came back {until(late)} late, beyond the "
        f"{until(grace)} grace"
    )
    return (
        f"⚠️ Scheduled announcement #{announcement.id} (due {due}) was not sent: {why}. Nothing "
        f"was posted. Its text: “{preview(announcement, 200)}”. Post it again with `/announce`."
    )
