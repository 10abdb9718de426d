"""Hostile text: whatever a fan types on one platform, the other platform must not turn the relayed
copy into a mass ping, a ping of an unlinked person, or markup the fan did not write.

Each input is parsed as its platform delivers it and rendered for both platforms (a group may
also link two channels of the same platform); every rendering is checked for the sequences the
target would act on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest

from adapters.discord.markdown import (
    DISCORD_LIMIT,
    parse_discord,
    render_discord,
    render_discord_parts,
)
from adapters.slack.mrkdwn import parse_slack, render_slack, render_slack_parts
from bridge.text import Document

ZW = "\u200b"
INVISIBLE = "\u00ad\u034f\u180e\u200b-\u200f\u2060-\u2064\ufeff"
SNEAKY = ["\u200b", "\u2060", "\ufeff", "\u200d", "\u00ad", "\u200b\u2060"]
MASS_WORDS = ["everyone", "here", "Everyone", "HERE", "channel"]

# As Discord delivers message content (what the fan typed, verbatim).
TYPED_ON_DISCORD = [
    "@everyone",
    "@here",
    "@everyone @here look",
    "@Everyone and @HERE",
    "\\@everyone",
    "`@everyone`",
    "```\n@here <@&123> <@1>\n```",
    "**@everyone**",
    "||@here||",
    "> @everyone",
    ">>> @here\n@everyone",
    "＠everyone",
    "<@&123>",
    "\\<@&123>",
    "<@123> <@!123>",
    "<@U123> <@U123|bob>",
    "<!channel> <!here> <!everyone> <!subteam^S1> <!subteam^S1|@team>",
    "&lt;!channel&gt; &lt;@U1&gt;",
    "@channel",
    "[@everyone](https://ex.com/@here)",
    "<https://ex.com/@everyone>",
    "https://ex.com/@here",
    "<:everyone:123> :everyone:",
    "*bold _nest *deep* x_ y*",
    "***a** b*",
    "**unbalanced __x ~~ || ` ``` <@ <@& <! <",
    "@every\u200bone",
    *[f"@{z}{word}" for z in SNEAKY for word in MASS_WORDS],
]

# As Slack delivers message text: & < > typed by a person arrive as entities, tokens stay raw.
SENT_BY_SLACK = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!here|here> <!channel|@channel>",
    "<!subteam^S1> <!subteam^S1|@team>",
    "@channel @here @everyone",
    "&lt;@123&gt;",
    "&lt;@!123&gt; &lt;@&amp;123&gt; &lt;#123&gt;",
    "&lt;!channel&gt; &amp;lt;!here&amp;gt;",
    "\\&lt;@&amp;123&gt;",
    "[click](https://evil.example)",
    "[click](<https://evil.example>)",
    "[@everyone](<https://evil.example>)",
    "*bold* _it_ ~st~ `@everyone`",
    "```@here &lt;@&amp;1&gt;```",
    "&gt; @everyone",
    "&gt;&gt;&gt; @here\n@everyone",
    "<https://ex.com/@everyone|@here>",
    "<mailto:everyone@here.com|@everyone>",
    "<@U123> <@U123|@everyone>",
    "<#C1|everyone> <#C1|@here>",
    "<!date^0^{date}|@everyone>",
    "||@everyone|| :everyone:",
    "*_~nested *deep* x~_* *unbalanced _x ~ ` ``` &lt;",
    "＠everyone",
    "@every\u200bone",
    *[f"@{z}{word}" for z in SNEAKY for word in MASS_WORDS],
]

# Hostile display names: a person called "everyone", a role called "@here".
DISCORD_NAMES = {"user:1": "everyone", "role:2": "@here", "channel:3": "<!channel>"}
SLACK_NAMES = {"user:U1": "@here", "channel:C1": "<!everyone>"}
TYPED_ON_DISCORD += ["<@1> <@&2> <#3>"]
SENT_BY_SLACK += ["<@U1> <#C1>"]


def discord_problems(text: str, allowed: list[str], mapped: Mapping[str, str]) -> list[str]:
    """What Discord would act on in ``text``."""
    problems = []
    if re.search(rf"@(?!{ZW})[{INVISIBLE}]*(everyone|here)", text, re.IGNORECASE):
        problems.append("unbroken @everyone/@here")
    if "<@&" in text:
        problems.append("role ping")
    pinged = set(re.findall(r"<@!?(\d+)>", text))
    if not pinged <= set(mapped.values()):
        problems.append(f"unmapped user ping {pinged}")
    if not set(allowed) <= set(mapped.values()):
        problems.append(f"allowed_mentions lets {allowed} through")
    if re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\((?!https://ex\.com)", text):
        problems.append("masked link not written as one")
    return problems


def slack_problems(text: str, mapped: Mapping[str, str]) -> list[str]:
    """What Slack would act on in ``text``: only links and mapped users may be <...> tokens."""
    allowed = tuple(f"<@{uid}>" for uid in mapped.values())
    tokens = re.findall(r"<[^>]*>?", text)
    return [t for t in tokens if not t.startswith(("<http", "<mailto:", *allowed))]


def parsed(source: str, platform: str) -> Document:
    if platform == "discord":
        return parse_discord(source, DISCORD_NAMES)
    return parse_slack(source, SLACK_NAMES)


CASES = [(s, "discord") for s in TYPED_ON_DISCORD] + [(s, "slack") for s in SENT_BY_SLACK]


@pytest.mark.parametrize(("source", "platform"), CASES)
def test_no_ping_reaches_discord_unless_mapped(source: str, platform: str) -> None:
    document = parsed(source, platform)
    for mapped in ({}, {"U123": "4242", "123": "4242"}):
        parts, allowed = render_discord_parts(document, mapped, prefix="**fan**: ")
        for part in parts:
            assert discord_problems(part, allowed, mapped) == [], (source, part)


@pytest.mark.parametrize(("source", "platform"), CASES)
def test_no_ping_reaches_slack_unless_mapped(source: str, platform: str) -> None:
    document = parsed(source, platform)
    for mapped in ({}, {"U123": "U999", "123": "U999"}):
        for part in render_slack_parts(document, mapped):
            assert slack_problems(part, mapped) == [], (source, part)


def test_without_a_mapping_nobody_is_allowed_to_be_pinged() -> None:
    for source, platform in CASES:
        text, allowed = render_discord(parsed(source, platform), {})
        assert allowed == [], source
        assert "<@" not in text, source
        assert "<@" not in render_slack(parsed(source, platform), {}), source


def test_a_mapped_person_is_the_only_ping() -> None:
    document = parse_slack("<@U123> <!channel> &lt;@U123&gt; <@U7>")
    text, allowed = render_discord(document, {"U123": "4242"})
    assert text == f"<@4242> @{ZW}channel \\<{ZW}@U123> @U7"
    assert allowed == ["4242"]
    document = parse_discord("<@123> @everyone <@&5> \\<@123>")
    assert render_slack(document, {"123": "U999"}) == "<@U999> @everyone @5 &lt;@123&gt;"


def test_markup_typed_on_slack_stays_literal_on_discord() -> None:
    text, _ = render_discord(parse_slack("[click](<https://evil.example>) **x** ||s||"), {})
    assert text == "\\[click\\](https://evil.example) \\*\\*x\\*\\* \\|\\|s\\|\\|"


def test_tokens_typed_on_discord_stay_literal_on_slack() -> None:
    text = render_slack(parse_discord("<!channel> <@U123> <#C1> <!subteam^S1>"), {})
    assert text == "&lt;!channel&gt; &lt;@U123&gt; &lt;#C1&gt; &lt;!subteam^S1&gt;"


WORDS = [f"w{i}" for i in range(2500)]  # about 12,000 characters


@pytest.mark.parametrize(
    "source",
    [
        " ".join(WORDS),
        "\n".join(WORDS),
        " ".join(f"@everyone {w}" for w in WORDS[:1200]),
        "x" * 10_000,
        "```\n" + "\n".join(WORDS) + "\n```",
    ],
)
def test_long_messages_split_within_limits_and_lose_nothing(source: str) -> None:
    parts, allowed = render_discord_parts(parse_discord(source), {})
    assert all(len(p) <= DISCORD_LIMIT for p in parts)
    assert allowed == []
    for part in parts:
        assert discord_problems(part, allowed, {}) == []
        assert part.count("```") % 2 == 0  # a fence cut in two is closed and reopened
    assert squash("".join(parts).replace(ZW, "")) == squash(source)
    slack_parts = render_slack_parts(parse_slack(source), {})
    assert all(len(p) <= 4000 for p in slack_parts)
    assert squash("".join(slack_parts)) == squash(source)


def squash(text: str) -> str:
    """The words in order, whatever whitespace and fences a split added."""
    return re.sub(r"\s|```", "", text)


def test_an_empty_message_renders_as_one_empty_part() -> None:
    assert parse_discord("") == Document() == parse_slack("")
    assert render_discord_parts(Document(), {}) == ([""], [])
    assert render_slack_parts(Document(), {}) == [""]
