"""Text and ids a platform should never send: the parsers repair text (U+FFFD) so it can be
stored and sent on, and a command's user id is checked against the platform's id shape."""

from __future__ import annotations

import pytest

from adapters.discord.markdown import emoji_from_discord, parse_discord
from adapters.slack.mrkdwn import parse_slack
from bridge.events import CommandInvoked
from bridge.groups.commands import row_id, user_id_refusal
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.text import Mention, Styled, Text, repair_text


@pytest.mark.parametrize(
    ("raw", "repaired"),
    [
        ("plain text, é and 🎵", "plain text, é and 🎵"),
        ("a \ud800 b", "a \ufffd b"),
        ("ends high \ud83c", "ends high \ufffd"),
        ("reversed \udfb5\ud83c", "reversed \ufffd\ufffd"),
        ("split pair \ud83c\udfb5", "split pair 🎵"),
        ("nul \x00 byte", "nul \ufffd byte"),
        ("", ""),
    ],
)
def test_repair_text(raw: str, repaired: str) -> None:
    assert repair_text(raw) == repaired
    repair_text(raw).encode("utf-8")  # storable and sendable


def test_discord_text_and_names_are_repaired() -> None:
    document = parse_discord("**bold \ud800** hi <@42>", {"user:42": "Na\udc00me"})
    assert document.nodes == (
        Styled("bold", (Text("bold \ufffd"),)),
        Text(" hi "),
        Mention("user", "42", "Na\ufffdme"),
    )
    document.to_json().encode("utf-8")


def test_slack_text_and_names_are_repaired() -> None:
    document = parse_slack("_it \udfff_ &lt;3 <@U42>", {"user:U42": "Gr\ud800ce"})
    assert document.nodes == (
        Styled("italic", (Text("it \ufffd"),)),
        Text(" <3 "),
        Mention("user", "U42", "Gr\ufffdce"),
    )


def test_a_reaction_name_is_repaired() -> None:
    assert emoji_from_discord("party\ud800", "99").name == "party\ufffd"


def _command(platform: Platform, user: str) -> CommandInvoked:
    where = "G1" if platform is Platform.DISCORD else "T1"
    return CommandInvoked(
        key="k",
        channel=ChannelRef(platform, where, "C1"),
        user=UserRef(platform, where, "1"),
        path=("ban",),
        args={"user": user},
    )


@pytest.mark.parametrize(
    ("platform", "user"),
    [
        (Platform.DISCORD, "80351110224678912"),
        (Platform.DISCORD, "<@!80351110224678912>"),
        (Platform.DISCORD, str(2**63 - 1)),
        (Platform.SLACK, "U012AB3CD"),
        (Platform.SLACK, "<@W012AB3CD|erin>"),
    ],
)
def test_a_platform_id_is_accepted(platform: Platform, user: str) -> None:
    assert user_id_refusal(_command(platform, user)) is None


@pytest.mark.parametrize(
    ("platform", "user", "refusal"),
    [
        (Platform.DISCORD, str(2**63), "is not a Discord user id: it is too large."),
        (Platform.DISCORD, "9" * 50, "is not a Discord user id: it is too large."),
        (Platform.DISCORD, "0", "is not a Discord user id. Nothing"),
        (Platform.DISCORD, "U012AB3CD", "is not a Discord user id."),
        (Platform.DISCORD, "１２３", "is not a Discord user id."),  # fullwidth digits
        (Platform.SLACK, "80351110224678912", "is not a Slack user id."),
        (Platform.SLACK, "<@U12>`<!here>", "is not a Slack user id."),
    ],
)
def test_an_id_the_platform_cannot_have_is_refused(
    platform: Platform, user: str, refusal: str
) -> None:
    found = user_id_refusal(_command(platform, user))
    assert found is not None and refusal in found and found.endswith("Nothing was done.")
    assert "<" not in found and found.count("`") == 2  # the id is shown, never as markup


@pytest.mark.parametrize(
    ("raw", "found"),
    [("1", 1), (str(2**31 - 1), 2**31 - 1), (str(2**31), None), ("0", None), ("x1", None)],
)
def test_a_button_id_too_large_for_the_database_is_never_looked_up(
    raw: str, found: int | None
) -> None:
    assert row_id(raw) == found
