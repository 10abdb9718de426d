"""A message poll as the emulated Discord keeps it: the question, the answers (ids 1..n), the
expiry, and who voted for what (a user may vote several answers when ``allow_multiselect``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from emulators.discord.ids import iso


@dataclass
class MessagePoll:
    question: str
    answers: list[tuple[int, str]]  # (answer_id, text)
    expiry: dt.datetime
    allow_multiselect: bool = False
    layout_type: int = 1
    votes: dict[int, list[int]] = field(default_factory=dict)  # answer_id -> user ids, in order
    finalized: bool = False

    def expired(self, now: dt.datetime) -> bool:
        return self.finalized or now >= self.expiry

    def answer_ids(self) -> set[int]:
        return {a for a, _ in self.answers}

    def voted_by(self, user_id: int) -> list[int]:
        return [a for a, users in self.votes.items() if user_id in users]


def poll_json(poll: MessagePoll, viewer: int) -> dict[str, Any]:
    counts = [
        {
            "id": answer,
            "count": len(poll.votes.get(answer, [])),
            "me_voted": viewer in poll.votes.get(answer, []),
        }
        for answer, _ in poll.answers
        if poll.votes.get(answer)
    ]
    return {
        "question": {"text": poll.question},
        "answers": [{"answer_id": a, "poll_media": {"text": t}} for a, t in poll.answers],
        "expiry": iso(poll.expiry),
        "allow_multiselect": poll.allow_multiselect,
        "layout_type": poll.layout_type,
        "results": {"is_finalized": poll.finalized, "answer_counts": counts},
    }
