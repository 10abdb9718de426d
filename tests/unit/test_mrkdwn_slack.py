"""Slack mrkdwn <-> neutral AST, and Slack emoji names: what Slack sends, what Slack readers see."""

from __future__ import annotations

import pytest

from adapters.discord.markdown import render_discord
from adapters.slack.emoji import emoji_from_slack, slack_name_for
from adapters.slack.mrkdwn import SLACK_LIMIT, parse_slack, render_slack, render_slack_parts
from bridge.text import (
    Code,
    Document,
    Emoji,
    LineBreak,
    Link,
    Mention,
    Node,
    Pre,
    Quote,
    Styled,
    Text,
    doc,
)

ZW = "\u200b"


@pytest.mark.parametrize(
    ("source", "nodes"),
    [
        ("*b*", (Styled("bold", (Text("b"),)),)),
        ("_i_", (Styled("italic", (Text("i"),)),)),
        ("~s~", (Styled("strike", (Text("s"),)),)),
        ("*_both_*", (Styled("bold", (Styled("italic", (Text("both"),)),)),)),
        ("2*3*4 snake_case_name", (Text("2*3*4 snake_case_name"),)),
        ("`a &amp; b`", (Code("a & b"),)),
        ("```x &lt; y```", (Pre("x < y"),)),
        ("&gt; quoted", (Quote((Text("quoted"),)),)),
        ("&gt;&gt;&gt; all\nthe rest", (Quote((Text("all\nthe rest"),)),)),
        (
            "<https://ex.com/?a=1&amp;b=2|the site>",
            (Link("https://ex.com/?a=1&b=2", (Text("the site"),)),),
        ),
        ("<https://ex.com>", (Link("https://ex.com"),)),
        ("<mailto:a@b.c|mail me>", (Link("mailto:a@b.c", (Text("mail me"),)),)),
        ("<@U1>", (Mention("user", "U1", "Ann"),)),
        ("<@U2|bob>", (Mention("user", "U2", "bob"),)),
        ("<#C1|general>", (Mention("channel", "C1", "general"),)),
        ("<#C2>", (Mention("channel", "C2", "music"),)),
        ("<!channel>", (Mention("channel_all"),)),
        ("<!here|here>", (Mention("here"),)),
        ("<!everyone>", (Mention("everyone"),)),
        ("<!subteam^S1|@team>", (Mention("group", "S1", "team"),)),
        ("<!date^1700000000^{date_short}|Nov 14>", (Text("Nov 14"),)),
        ("<!date^1700000000^{date_short}>", (Text("2023-11-14 22:13 UTC"),)),
        (":tada:", (Emoji("tada", unicode="🎉"),)),
        (":+1::skin-tone-3:", (Emoji("thumbsup::skin-tone-3", unicode="👍🏼"),)),
        (":partyparrot:", (Emoji("partyparrot", custom_id="slack"),)),
        ("at 10:30:45", (Text("at 10:30:45"),)),
        ("&lt;@U1&gt; &amp;lt;", (Text("<@U1> &lt;"),)),
        ("a\nb", (Text("a"), LineBreak(), Text("b"))),
        ("", ()),
    ],
)
def test_parse_each_construct(source: str, nodes: tuple[Node, ...]) -> None:
    assert parse_slack(source, {"user:U1": "Ann", "channel:C2": "music"}).nodes == nodes


@pytest.mark.parametrize(
    ("node", "text"),
    [
        (Styled("bold", (Text("b"),)), "*b*"),
        (Styled("italic", (Text("i"),)), "_i_"),
        (Styled("strike", (Text("s"),)), "~s~"),
        (Styled("spoiler", (Text("twist"),)), "twist"),
        (Styled("bold", (Text("padded "),)), "*padded* "),
        (Code("a < b"), "`a &lt; b`"),
        (Code("a`b"), "`aˋb`"),
        (Pre("x && y ```"), f"```x &amp;&amp; y ``{ZW}````"),
        (Link("https://ex.com/?a=1&b=2"), "<https://ex.com/?a=1&amp;b=2>"),
        (Link("https://ex.com/a|b>", (Text("x > y"),)), "<https://ex.com/a%7Cb&gt;|x &gt; y>"),
        (Link("https://ex.com", (Text("https://ex.com"),)), "<https://ex.com>"),
        (Link("javascript:alert(1)", (Text("x"),)), "x (javascript:alert(1))"),
        (Mention("channel", "1", "general"), "#general"),
        (Mention("role", "9", "Mods"), "@Mods"),
        (Mention("everyone"), "@everyone"),
        (Mention("here"), "@here"),
        (Mention("channel_all"), "@channel"),
        (Emoji("thumbsup", unicode="👍"), "👍"),
        (Emoji("pog", custom_id="555"), ":pog:"),
        (Quote((Text("a\nb"),)), "> a\n> b"),
        (Text("<!channel> & <@U1>"), "&lt;!channel&gt; &amp; &lt;@U1&gt;"),
    ],
)
def test_render_each_construct(node: Node, text: str) -> None:
    assert render_slack(doc(node), {}) == text


def test_mapped_user_pings_and_unmapped_reads_as_a_name() -> None:
    document = doc(Mention("user", "1", "ann"), " ", Mention("user", "2", "bob"))
    assert render_slack(document, {"1": "U111"}) == "<@U111> @bob"
    assert render_slack(document, {}) == "@ann @bob"
    assert render_slack(document, {"1": "!channel"}) == "@ann @bob"


def test_parts_respect_the_limit() -> None:
    words = [f"word{i}" for i in range(2000)]
    parts = render_slack_parts(doc(" ".join(words)), {})
    assert len(parts) > 1
    assert all(len(part) <= 4000 for part in parts)
    assert " ".join(parts).split() == words
    assert render_slack_parts(doc("x" * 5000), {}, limit=SLACK_LIMIT) == ["x" * 5000]


@pytest.mark.parametrize(
    ("name", "emoji", "back"),
    [
        ("+1", Emoji("thumbsup", unicode="👍"), "thumbsup"),
        ("thumbsup", Emoji("thumbsup", unicode="👍"), "thumbsup"),
        ("heart", Emoji("heart", unicode="❤️"), "heart"),
        ("thumbsup::skin-tone-2", Emoji("thumbsup::skin-tone-2", unicode="👍🏻"), None),
        ("flag-de", Emoji("flag-de", unicode="🇩🇪"), "flag-de"),
        ("partyparrot", Emoji("partyparrot", custom_id="slack"), "partyparrot"),
    ],
)
def test_emoji_names_both_ways(name: str, emoji: Emoji, back: str | None) -> None:
    assert emoji_from_slack(name) == emoji
    assert slack_name_for(emoji) == (back or name)


def test_discord_unicode_reaction_gets_a_slack_name() -> None:
    assert slack_name_for(Emoji("👍", unicode="👍")) == "thumbsup"
    assert slack_name_for(Emoji("❤", unicode="❤")) == "heart"
    assert slack_name_for(Emoji("pog", custom_id="555")) == "pog"


SLACK_MESSAGE = """Hi <@U111> and <@U222|bob>, new drop in <#C333|drops> <!channel> <!here> \
<!subteam^S444|@mods>
*Bold*, _italic_, ~gone~ and `code &amp; more` at <!date^1700000000^{date_short}|Nov 14>
Watch <https://youtu.be/abc?t=1&amp;x=2|the video> or <https://ex.com/bare> or \
<mailto:fan@ex.com|mail us>
Emoji :tada: :thumbsup::skin-tone-3: :partyparrot: and a &lt;tag&gt; &amp; 5 &gt; 3 snake_case
&gt; quoted *line*
```let x = a &lt; b```"""

DISCORD_TEXT = f"""Hi <@1111> and @bob, new drop in #drops @{ZW}channel @{ZW}here @{ZW}mods
**Bold**, *italic*, ~~gone~~ and `code & more` at Nov 14
Watch [the video](https://youtu.be/abc?t=1&x=2) or https://ex.com/bare or \
mail us (mailto:fan@ex.com)
Emoji 🎉 👍🏼 :partyparrot: and a \\<tag> & 5 > 3 snake\\_case
> quoted **line**
```
let x = a < b
```"""


def test_a_realistic_slack_message_reads_the_same_on_discord() -> None:
    document = parse_slack(SLACK_MESSAGE, {"user:U111": "Ann"})
    assert render_discord(document, {"U111": "1111"}) == (DISCORD_TEXT, ["1111"])


def test_identity_for_canonical_slack_text() -> None:
    source = "*b* _i_ ~s~ `c` <https://x.y|l> <@U1> &lt;x&gt; &amp;\n> q"
    assert render_slack(parse_slack(source), {"U1": "U1"}) == source


def test_the_ast_survives_storage() -> None:
    document = parse_slack(SLACK_MESSAGE)
    assert Document.from_json(document.to_json()) == document
