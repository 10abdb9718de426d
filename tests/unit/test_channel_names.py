"""What a Slack slash command's channel name means (the start-up look-up of names is tested
end to end in tests/e2e/test_channel_names.py)."""

from __future__ import annotations

import pytest

from adapters.slack.convert import command_channel_name


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("general", "general"),
        ("privategroup", ""),  # what Slack sends from a private channel: not its name
        ("directmessage", ""),
        ("mpdm-erin--frank-1", ""),
        ("", ""),
    ],
)
def test_a_slash_commands_channel_name(sent: str, kept: str) -> None:
    assert command_channel_name({"channel_id": "C1", "channel_name": sent}) == kept
