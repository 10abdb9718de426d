"""Who a command names, read one way by every command and by the Slack adapter: mentions as
each platform writes them, bare ids, and a plain @name that names no one."""

from __future__ import annotations

import pytest

from bridge.groups.mentions import (
    UserMention,
    first_mention,
    is_user_id,
    mentions_in,
    read_user,
    target_id,
)
from bridge.ids import Platform


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<@123456789012345678>", UserMention("123456789012345678")),
        ("<@!123456789012345678>", UserMention("123456789012345678")),  # Discord nickname form
        ("<@U0ERIN>", UserMention("U0ERIN")),
        ("<@U0ERIN|erin>", UserMention("U0ERIN", "erin")),
        (" U0ERIN ", UserMention("U0ERIN")),
        ("123", UserMention("123")),
        ("@erin", UserMention("", "erin")),
        ("", None),
    ],
)
def test_the_forms_a_person_is_named_by(text: str, expected: UserMention | None) -> None:
    assert read_user(text) == expected


def test_the_id_of_a_name_that_is_no_mention_is_the_text_itself() -> None:
    """So the refusal shows what was typed: "`@erin` is not a Slack user id"."""
    assert target_id("<@U0ERIN|erin>") == "U0ERIN"
    assert target_id("@erin") == "@erin"
    assert target_id("  ") == ""


def test_mentions_in_a_text_are_the_platforms_own_once_each() -> None:
    text = "hi <@U0ERIN|erin> and <@U0ERIN> and <@W0GRACE>, not <@123> or <@&55>"
    assert [m.user_id for m in mentions_in(text, Platform.SLACK)] == ["U0ERIN", "W0GRACE"]
    assert [m.user_id for m in mentions_in(text, Platform.DISCORD)] == ["123"]


def test_a_command_names_the_first_mention_even_one_no_platform_could_have() -> None:
    """``mod add <@U999…>``: the command then says the id is not a Slack user id."""
    assert first_mention("add <@U0ERIN|erin> and <@U0GRACE>") == UserMention("U0ERIN", "erin")
    assert first_mention("<@U" + "9" * 40 + ">") == UserMention("U" + "9" * 40)
    assert first_mention("ABC123") is None


@pytest.mark.parametrize(
    ("platform", "user_id", "valid"),
    [
        (Platform.DISCORD, "123456789012345678", True),
        (Platform.DISCORD, str(2**63), False),  # larger than any snowflake
        (Platform.DISCORD, "0", False),
        (Platform.DISCORD, "U0ERIN", False),
        (Platform.SLACK, "U0ERIN", True),
        (Platform.SLACK, "W0GRACE", True),
        (Platform.SLACK, "123", False),
        (Platform.SLACK, "u0erin", False),
    ],
)
def test_a_user_id_is_valid_on_its_platform_only(
    platform: Platform, user_id: str, valid: bool
) -> None:
    assert is_user_id(platform, user_id) is valid
