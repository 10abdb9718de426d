"""Row ↔ record conversion (pure)."""

from __future__ import annotations

from bridge.actions import read_action
from bridge.ids import (
    ChannelRef,
    Direction,
    GroupKind,
    MessageCopy,
    Platform,
    Role,
    UserRef,
    Visibility,
)
from bridge.records import (
    Account,
    ChannelLink,
    FanGroup,
    GroupRole,
    OutboxItem,
    OutboxStatus,
    StoredMessage,
)
from storage.tables import (
    ChannelLinkRow,
    FanGroupRow,
    GroupRoleRow,
    MessageCopyRow,
    MessageRow,
    OutboxRow,
    PlatformAccountRow,
)


def group(row: FanGroupRow) -> FanGroup:
    assert row.id is not None
    return FanGroup(
        id=row.id,
        slug=row.slug,
        name=row.name,
        kind=GroupKind(row.kind),
        visibility=Visibility(row.visibility),
        created_by=row.created_by,
        created_at=row.created_at,
        settings=dict(row.settings or {}),
    )


def link(row: ChannelLinkRow) -> ChannelLink:
    return ChannelLink(
        group_id=row.group_id,
        channel=ChannelRef(Platform(row.platform), row.workspace_id, row.channel_id),
        direction=Direction(row.direction),
        webhook_ref=row.webhook_ref,
        linked_by=row.linked_by,
        linked_at=row.linked_at,
        channel_name=row.channel_name,
    )


def account(row: PlatformAccountRow) -> Account:
    assert row.id is not None
    return Account(
        id=row.id,
        member_id=row.member_id,
        user=UserRef(Platform(row.platform), row.workspace_id, row.user_id),
        display_name=row.display_name,
        avatar_url=row.avatar_url,
    )


def role(row: GroupRoleRow) -> GroupRole:
    return GroupRole(
        group_id=row.group_id,
        member_id=row.member_id,
        role=Role(row.role),
        granted_by=row.granted_by,
    )


def message(row: MessageRow) -> StoredMessage:
    assert row.id is not None
    author = None
    if row.author_platform and row.author_workspace is not None and row.author_user:
        author = UserRef(Platform(row.author_platform), row.author_workspace, row.author_user)
    return StoredMessage(
        id=row.id,
        group_id=row.group_id,
        author=author,
        origin=ChannelRef(Platform(row.origin_platform), row.origin_workspace, row.origin_channel),
        origin_message_id=row.origin_message_id,
        parent_id=row.parent_id,
        text=row.text,
        created_at=row.created_at,
        edited_at=row.edited_at,
        deleted_at=row.deleted_at,
        posted_at=row.posted_at,
    )


def copy(row: MessageCopyRow) -> MessageCopy:
    return MessageCopy(
        message_id=row.message_id,
        channel=ChannelRef(Platform(row.platform), row.workspace_id, row.channel_id),
        platform_message_id=row.platform_message_id,
        part=row.part,
        is_origin=row.is_origin,
        thread_id=row.thread_id,
    )


def outbox(row: OutboxRow) -> OutboxItem:
    assert row.id is not None
    return OutboxItem(
        id=row.id,
        target=ChannelRef(Platform(row.target_platform), row.target_workspace, row.target_channel),
        action=read_action(row.action),
        depends_on=row.depends_on,
        status=OutboxStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        created_at=row.created_at,
    )
