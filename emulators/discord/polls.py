"""Message polls as Discord has them: created with a message (``poll``: question, 1-10
answers, duration in hours 1-768 (default 24), allow_multiselect, layout_type 1), shown in the
message's ``poll`` with its results, voted on by people (MESSAGE_POLL_VOTE_ADD/REMOVE to the
sessions with the GUILD_MESSAGE_POLLS intent), their voters listed per answer, and ended early
by their author (``expire``: the results finalized, a MESSAGE_UPDATE)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from emulators.discord import events, gateway
from emulators.discord.errors import ApiError
from emulators.discord.poll_state import MessagePoll
from emulators.discord.state import Message

if TYPE_CHECKING:
    from emulators.discord.service import DiscordService

MAX_QUESTION, MAX_ANSWER, MAX_ANSWERS = 300, 55, 10
MAX_HOURS, DEFAULT_HOURS = 768, 24
POLL_EXPIRED = 520001
NOT_A_POLL = 520006


def _form(field: str, code: str, message: str) -> ApiError:
    return ApiError.invalid_form(f"poll.{field}", code, message)


def _text(raw: Any, field: str, most: int) -> str:
    text = raw.get("text") if isinstance(raw, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise _form(f"{field}.text", "BASE_TYPE_REQUIRED", "This field is required")
    if len(text) > most:
        raise _form(
            f"{field}.text", "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {most} in length."
        )
    return text


def _answers(raw: Any) -> list[tuple[int, str]]:
    if not isinstance(raw, list) or not raw:
        raise _form("answers", "BASE_TYPE_REQUIRED", "This field is required")
    if len(raw) > MAX_ANSWERS:
        raise _form("answers", "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_ANSWERS} or fewer in length.")
    out = []
    for i, answer in enumerate(raw):
        media = answer.get("poll_media") if isinstance(answer, dict) else None
        out.append((i + 1, _text(media, f"answers.{i}.poll_media", MAX_ANSWER)))
    return out


def _hours(raw: Any) -> int:
    """Whole hours (``2.0`` is 2, as discord.py sends it)."""
    if raw is None:
        return DEFAULT_HOURS
    whole = isinstance(raw, int) or (isinstance(raw, float) and raw.is_integer())
    if isinstance(raw, bool) or not whole or not 1 <= raw <= MAX_HOURS:
        raise _form(
            "duration", "NUMBER_TYPE_MAX", f"int value should be between 1 and {MAX_HOURS}."
        )
    return int(raw)


def poll_from_body(raw: Any, now: dt.datetime) -> MessagePoll:
    """A create request's ``poll``, checked like Discord checks it (50035 otherwise)."""
    if not isinstance(raw, dict):
        raise ApiError.invalid_form("poll", "MODEL_TYPE_CONVERT", "Must be an object.")
    layout = raw.get("layout_type")
    if layout not in (None, 1):
        raise _form(
            "layout_type", "ENUM_TYPE_COERCE", f'Value "{layout}" is not a valid enum value.'
        )
    multiselect = raw.get("allow_multiselect")
    if multiselect is not None and not isinstance(multiselect, bool):
        raise _form("allow_multiselect", "BASE_TYPE_BOOLEAN", "Must be either true or false.")
    return MessagePoll(
        question=_text(raw.get("question"), "question", MAX_QUESTION),
        answers=_answers(raw.get("answers")),
        expiry=now + dt.timedelta(hours=_hours(raw.get("duration"))),
        allow_multiselect=bool(multiselect),
    )


def poll_of(message: Message) -> MessagePoll:
    if message.poll is None:
        raise ApiError(400, NOT_A_POLL, "Cannot expire a non-poll message")
    return message.poll


# -- votes -----------------------------------------------------------------------------------
def vote(
    svc: DiscordService, message: Message, user_id: int, answer_id: int, *, remove: bool
) -> bool:
    """A person's vote (or its removal); False when it changes nothing. A single-choice poll
    moves the person's vote (the old answer's removal is sent first, like Discord)."""
    poll = poll_of(message)
    if poll.expired(dt.datetime.now(dt.UTC)):
        raise ApiError(400, POLL_EXPIRED, "Poll expired")
    if answer_id not in poll.answer_ids():
        raise ApiError.invalid_form(
            "answer_id", "BASE_TYPE_CHOICES", "Value must be one of the answers."
        )
    if remove:
        return _unvote(svc, message, poll, user_id, answer_id)
    if user_id in poll.votes.get(answer_id, []):
        return False
    if not poll.allow_multiselect:
        for old in poll.voted_by(user_id):
            _unvote(svc, message, poll, user_id, old)
    poll.votes.setdefault(answer_id, []).append(user_id)
    _emit(svc, message, "MESSAGE_POLL_VOTE_ADD", user_id, answer_id)
    return True


def _unvote(
    svc: DiscordService, message: Message, poll: MessagePoll, user_id: int, answer_id: int
) -> bool:
    users = poll.votes.get(answer_id, [])
    if user_id not in users:
        return False
    users.remove(user_id)
    _emit(svc, message, "MESSAGE_POLL_VOTE_REMOVE", user_id, answer_id)
    return True


def _emit(svc: DiscordService, message: Message, name: str, user_id: int, answer_id: int) -> None:
    data = {
        "user_id": str(user_id),
        "channel_id": str(message.channel_id),
        "message_id": str(message.id),
        "guild_id": str(message.guild_id),
        "answer_id": answer_id,
    }
    svc.hub.dispatch(name, data, intent=gateway.GUILD_MESSAGE_POLLS)


def voters(
    svc: DiscordService, message: Message, answer_id: int, *, after: int, limit: int
) -> list[int]:
    poll = message.poll
    if poll is None or answer_id not in poll.answer_ids():
        raise ApiError.unknown("message")
    users = sorted(poll.votes.get(answer_id, []))
    return [u for u in users if u > after][:limit]


def expire(svc: DiscordService, message: Message, by: int) -> None:
    """The author ends the poll now: results finalized, the message updated."""
    poll = poll_of(message)
    if message.author_id != by:
        raise ApiError(403, 50005, "Cannot edit a message authored by another user")
    if poll.expired(dt.datetime.now(dt.UTC)):
        raise ApiError(400, POLL_EXPIRED, "Poll expired")
    poll.expiry = dt.datetime.now(dt.UTC)
    poll.finalized = True
    events.emit_message(svc, message, created=False)
