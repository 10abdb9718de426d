"""Build the OutgoingMessage for one target channel from stored state (at send time)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

from bridge.actions import EditAction, OutgoingMessage, Placement, PostAction, ReplyContext
from bridge.groups.artists import BADGE, artist_accounts
from bridge.groups.names import name_key, shows_badge
from bridge.ids import ChannelRef, MessageCopy, UserRef
from bridge.music.links import find_music_links
from bridge.music.model import MusicLink
from bridge.music.service import also_on, searchable_text
from bridge.ports import GroupStore, MemberStore, MessageStore, MusicStore
from bridge.records import Account, StoredMessage
from bridge.text import Document, LineBreak, Styled, Text

SNIPPET = 80
BODIES_KEPT = 512  # messages whose composed text is kept (the newest, for their other targets)
LATE_AFTER = 60.0  # a copy recorded later than this after its original says when that was posted


@dataclass
class NamePolicy:
    """Names no relayed fan may appear under: such a fan gets a visible suffix. Names are compared
    by `name_key` (case, invisible characters and look-alike letters aside). A fan's name may not
    contain a bot's name (`reserve`), be a verified artist's name (`extended`, per group), or show
    the artist badge."""

    reserved: set[str] = field(default_factory=set)
    suffix: str = " (fan)"
    artists: frozenset[str] = frozenset()
    badge: str = BADGE

    def reserve(self, names: Iterable[str]) -> None:
        """Reserve the bots' names: no fan's name may contain one."""
        self.reserved.update(key for key in map(name_key, names) if key)

    def display(self, name: str) -> str:
        return f"{name}{self.suffix}" if self.impersonates(name) else name

    def impersonates(self, name: str) -> bool:
        key = name_key(name)
        if key in self.artists or any(bot in key for bot in self.reserved):
            return True
        return shows_badge(name, self.badge)

    def extended(self, names: Iterable[str]) -> NamePolicy:
        """This policy with ``names`` (a group's artists') reserved as well: no fan's name may
        be one of them."""
        keys = {key for key in map(name_key, names) if key}
        return replace(self, reserved=set(self.reserved), artists=self.artists | keys)


class ComposerStore(GroupStore, MemberStore, MessageStore, MusicStore, Protocol):
    """What composing a copy reads: the group, the author's accounts, the message and its
    copies, the music it shares."""


class Composer:
    def __init__(self, store: ComposerStore, names: NamePolicy, max_attachment_bytes: int) -> None:
        self.store = store
        self.names = names
        self.max_attachment_bytes = max_attachment_bytes
        # (message id, its text) -> the text every copy shows: read once per message, not once
        # per target (only for a message without music links, whose items may still come)
        self._bodies: OrderedDict[tuple[int, str], Document] = OrderedDict()

    async def compose(
        self,
        message: StoredMessage,
        target: ChannelRef,
        action: PostAction | EditAction,
        marker: str,
    ) -> OutgoingMessage:
        """A post carries its attachments and its place (thread, reply); an edit changes the
        text only."""
        post = action if isinstance(action, PostAction) else None
        account = await self.store.get_account(message.author) if message.author else None
        name, avatar = _name_and_avatar(message.author, account)
        names, badge = await self._group_names(message.group_id, account)
        text = await self._body(message)
        placement = post.placement if post else None
        thread_root, reply, thread_name = await self._placement(target, placement, names)
        return OutgoingMessage(
            author_name=names.display(name),
            author_avatar=avatar,
            badge=badge,
            text=text,
            marker=marker,
            attachments=post.attachments if post else (),
            thread_root=thread_root,
            thread_name=thread_name,
            reply=reply,
            mention_map=await self._mentions(text, message.author, target),
            max_attachment_bytes=self.max_attachment_bytes,
        )

    async def _body(self, message: StoredMessage) -> Document:
        key = (message.id, message.text)
        if key in self._bodies:
            return self._bodies[key]
        text = Document.from_json(message.text)
        links = find_music_links(searchable_text(text))
        text = with_posted_at(await self._with_music_links(message, text, links), message)
        if not links:  # shares come from the message's music links: none, no items to show
            self._bodies[key] = text
            if len(self._bodies) > BODIES_KEPT:
                self._bodies.popitem(last=False)
        return text

    async def _with_music_links(
        self, message: StoredMessage, text: Document, links: Sequence[MusicLink]
    ) -> Document:
        if not links:
            return text
        items = await self.store.items_of_message(message.id)
        if not items:
            return text
        group = await self.store.get_group_by_id(message.group_id)
        if group is not None and not group.settings.get("music_links", True):
            return text
        shared = {lk.platform for lk in links}
        return Document(text.nodes + tuple(also_on(items, shared)))

    async def _group_names(
        self, group_id: int, author: Account | None
    ) -> tuple[NamePolicy, str | None]:
        """The names reserved in the group (the bots' and every verified artist's but the
        author's own), and the author's badge when they are one of its artists."""
        artists = await artist_accounts(self.store, group_id)
        own = author.member_id if author else None
        others = [a.display_name for m, accs in artists.items() if m != own for a in accs]
        return self.names.extended(others), BADGE if own in artists else None

    async def _author(self, author: UserRef | None) -> tuple[str, str | None]:
        account = await self.store.get_account(author) if author else None
        return _name_and_avatar(author, account)

    async def _placement(
        self, target: ChannelRef, placement: Placement | None, names: NamePolicy
    ) -> tuple[MessageCopy | None, ReplyContext | None, str | None]:
        """The copy this message goes under, the reply it quotes, and the name of the thread a
        reply may start (the root message's plain text, never the reply's)."""
        if placement is None:
            return None, None, None
        parent_id = placement.parent_id
        copies = [c for c in await self.store.copies_of(parent_id) if c.channel == target]
        root = min(copies, key=lambda c: c.part) if copies else None
        parent = await self.store.get_message(parent_id)
        if parent is None:
            return root, None, None
        plain = Document.from_json(parent.text).plain().replace("\n", " ")
        if placement.style == "thread":
            return root, None, plain.strip() or None
        name, _ = await self._author(parent.author)
        snippet = plain
        if len(snippet) > SNIPPET:
            snippet = snippet[: SNIPPET - 1] + "…"
        pid = root.platform_message_id if root else None
        shown = names.display(name)  # a look-alike of the bot or an artist is quoted as such
        return root, ReplyContext(author_name=shown, snippet=snippet, platform_message_id=pid), None

    async def _mentions(
        self, text: Document, author: UserRef | None, target: ChannelRef
    ) -> dict[str, str]:
        """Source user id -> target user id, for people whose accounts are linked."""
        if author is None:
            return {}
        mapped: dict[str, str] = {}
        for mention in text.mentions():
            if mention.kind != "user" or mention.id in mapped:
                continue
            source = UserRef(author.platform, author.workspace, mention.id)
            account = await self.store.get_account(source)
            if account is None:
                continue
            for other in await self.store.accounts_of_member(account.member_id):
                same_place = (other.user.platform, other.user.workspace)
                if same_place == (target.platform, target.workspace):
                    mapped[mention.id] = other.user.user
        return mapped


def with_posted_at(text: Document, message: StoredMessage) -> Document:
    """A copy relayed late (caught up after a restart or an outage) says when the original was
    posted, in UTC, on a line of its own; its edits keep the line."""
    posted_at = message.posted_at
    if posted_at is None or message.created_at - posted_at <= LATE_AFTER:
        return text
    when = datetime.fromtimestamp(posted_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    note = Styled("italic", (Text(f"originally posted {when}"),))
    return Document((*text.nodes, LineBreak(), note))


def _name_and_avatar(author: UserRef | None, account: Account | None) -> tuple[str, str | None]:
    if author is None:
        return "unknown", None
    if account is None:
        return author.user, None
    return account.display_name, account.avatar_url
