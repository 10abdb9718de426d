"""Discord markdown <-> neutral AST: what a Discord message becomes, what Discord readers see."""

from __future__ import annotations

import pytest

from adapters.discord.markdown import (
    DISCORD_LIMIT,
    emoji_from_discord,
    parse_discord,
    render_discord,
    render_discord_parts,
)
from adapters.slack.mrkdwn import render_slack
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
NAMES = {"user:111": "Ann", "user:222": "Bob", "channel:333": "drops", "role:444": "Mods"}


def bold(*children: Node) -> Styled:
    return Styled("bold", children)


def italic(*children: Node) -> Styled:
    return Styled("italic", children)


@pytest.mark.parametrize(
    ("source", "nodes"),
    [
        ("**b**", (bold(Text("b")),)),
        ("*i* and _j_", (italic(Text("i")), Text(" and "), italic(Text("j")))),
        ("***bi***", (bold(italic(Text("bi"))),)),
        ("__under__ line", (Text("under line"),)),
        ("__**u**__", (bold(Text("u")),)),
        ("~~s~~", (Styled("strike", (Text("s"),)),)),
        ("||secret||", (Styled("spoiler", (Text("secret"),)),)),
        ("`co de`", (Code("co de"),)),
        ("``co`de``", (Code("co`de"),)),
        ("```py\nprint(1)\n```", (Pre("print(1)", "py"),)),
        ("> quoted", (Quote((Text("quoted"),)),)),
        (">not a quote", (Text(">not a quote"),)),
        ("&gt; not a quote on Discord", (Text("&gt; not a quote on Discord"),)),
        (">>> all\nthe rest", (Quote((Text("all\nthe rest"),)),)),
        ("[site](https://ex.com/a)", (Link("https://ex.com/a", (Text("site"),)),)),
        ("[**b**](<https://ex.com>)", (Link("https://ex.com", (bold(Text("b")),)),)),
        ("<https://ex.com/x>", (Link("https://ex.com/x"),)),
        ("see https://ex.com/x.", (Text("see "), Link("https://ex.com/x"), Text("."))),
        ("\\*not\\* \\_it\\_", (Text("*not* _it_"),)),
        ("<@123>", (Mention("user", "123"),)),
        ("<@!111>", (Mention("user", "111", "Ann"),)),
        ("<#333>", (Mention("channel", "333", "drops"),)),
        ("<@&444>", (Mention("role", "444", "Mods"),)),
        ("@everyone @here", (Mention("everyone"), Text(" "), Mention("here"))),
        ("a@everyone @heretic", (Text("a@everyone @heretic"),)),
        ("<:pog:555>", (Emoji("pog", custom_id="555"),)),
        ("<a:dance:666>", (Emoji("dance", custom_id="666"),)),
        ("<t:1700000000:R>", (Text("2023-11-14 22:13 UTC"),)),
        ("</fan join:777>", (Text("/fan join"),)),
        ("a\nb", (Text("a"), LineBreak(), Text("b"))),
        ("", ()),
    ],
)
def test_parse_each_construct(source: str, nodes: tuple[Node, ...]) -> None:
    assert parse_discord(source, NAMES).nodes == nodes


def test_unknown_names_leave_the_id_for_the_reader() -> None:
    assert parse_discord("<@999>").plain() == "@999"


@pytest.mark.parametrize(
    ("node", "text"),
    [
        (bold(Text("b")), "**b**"),
        (italic(Text("i")), "*i*"),
        (bold(italic(Text("bi"))), "***bi***"),
        (Styled("strike", (Text("s"),)), "~~s~~"),
        (Styled("spoiler", (Text("s"),)), "||s||"),
        (bold(Text(" padded ")), " **padded** "),
        (Code("x"), "`x`"),
        (Code("a`b"), "`` a`b ``"),
        (Pre("print(1)", "py"), "```py\nprint(1)\n```"),
        (Pre("a ``` b"), f"```\na ``{ZW}` b\n```"),
        (Link("https://ex.com"), "https://ex.com"),
        (
            Link("https://ex.com/(x)", (Text("the [site]"),)),
            "[the \\[site\\]](https://ex.com/%28x%29)",
        ),
        (Link("mailto:a@b.c", (Text("mail"),)), "mail (mailto:a@b.c)"),
        (Mention("channel", "C1", "general"), "#general"),
        (Mention("role", "9", "Mods"), f"@{ZW}Mods"),
        (Mention("group", "S1", "@team"), f"@{ZW}team"),
        (Mention("everyone"), f"@{ZW}everyone"),
        (Mention("here"), f"@{ZW}here"),
        (Mention("channel_all"), f"@{ZW}channel"),
        (Emoji("thumbsup", unicode="👍"), "👍"),
        (Emoji("party_parrot", custom_id="slack"), ":party\\_parrot:"),
        (Quote((Text("a\nb"),)), "> a\n> b"),
        (
            Text("*x* _y_ ~z~ `c` |s| \\ [l](u) <@1>"),
            f"\\*x\\* \\_y\\_ \\~z\\~ \\`c\\` \\|s\\| \\\\ \\[l\\](u) \\<{ZW}@1>",
        ),
        (
            Text("> not a quote\n# not a heading\n-# nor subtext"),
            "\\> not a quote\n\\# not a heading\n\\-# nor subtext",
        ),
        (Text("5 > 3 and #1"), "5 > 3 and #1"),
    ],
)
def test_render_each_construct(node: Node, text: str) -> None:
    rendered, allowed = render_discord(doc(node), {})
    assert rendered == text
    assert allowed == []


def test_mapped_user_pings_and_unmapped_reads_as_a_name() -> None:
    document = doc(Mention("user", "U1", "ann"), " ", Mention("user", "U2", "bob"))
    assert render_discord(document, {"U1": "1111"}) == ("<@1111> @bob", ["1111"])
    assert render_discord(document, {}) == ("@ann @bob", [])


def test_a_mapped_id_that_is_no_snowflake_is_not_trusted() -> None:
    document = doc(Mention("user", "U1", "ann"))
    assert render_discord(document, {"U1": "&123"}) == ("@ann", [])


def test_each_mapped_user_is_allowed_once() -> None:
    document = doc(Mention("user", "U1"), Mention("user", "U1"), Mention("user", "U2"))
    _, allowed = render_discord(document, {"U1": "1", "U2": "2"})
    assert allowed == ["1", "2"]


def test_emoji_from_discord() -> None:
    assert emoji_from_discord("👍", None) == Emoji("thumbsup", unicode="👍")
    assert emoji_from_discord("❤", None) == Emoji("heart", unicode="❤️")
    assert emoji_from_discord("pog", "555") == Emoji("pog", custom_id="555")


def test_parts_carry_the_prefix_and_respect_the_limit() -> None:
    words = [f"word{i}" for i in range(700)]
    parts, allowed = render_discord_parts(doc(" ".join(words)), {}, prefix="**Ann**: ")
    assert len(parts) > 1
    assert all(len(part) <= DISCORD_LIMIT for part in parts)
    assert parts[0].startswith("**Ann**: word0 ")
    assert " ".join(parts).split() == ["**Ann**:", *words]
    assert allowed == []


def test_identity_for_canonical_discord_text() -> None:
    source = "**b** *i* ~~s~~ ||sp|| `c` [l](https://x.y) <@1> \\*lit\\*\n> q"
    rendered, allowed = render_discord(parse_discord(source), {"1": "1"})
    assert rendered == source
    assert allowed == ["1"]


DISCORD_MESSAGE = """Hey <@111> and <@!222>! New drop in <#333> for <@&444> @everyone
**Bold**, *italic*, _also italic_, __underlined__, ~~gone~~ and ||the twist||.
Inline `npm i` and ``a`b``, [the video](https://youtu.be/abc?t=1&x=2), <https://ex.com/quiet> \
and https://ex.com/bare.
Emoji 🎉 <:pog:555> <a:dance:666> at <t:1700000000:f>, a <tag> & snake\\_case
> quoted **line**
```py
print("hi")
```
>>> last
words"""

SLACK_TEXT = """Hey <@UANN> and @Bob! New drop in #drops for @Mods @everyone
*Bold*, _italic_, _also italic_, underlined, ~gone~ and the twist.
Inline `npm i` and `aˋb`, <https://youtu.be/abc?t=1&amp;x=2|the video>, <https://ex.com/quiet> \
and <https://ex.com/bare>.
Emoji 🎉 :pog: :dance: at 2023-11-14 22:13 UTC, a &lt;tag&gt; &amp; snake_case
> quoted *line*
```print("hi")```
> last
> words"""


def test_a_realistic_discord_message_reads_the_same_on_slack() -> None:
    document = parse_discord(DISCORD_MESSAGE, NAMES)
    assert render_slack(document, {"111": "UANN"}) == SLACK_TEXT


def test_the_ast_survives_storage() -> None:
    document = parse_discord(DISCORD_MESSAGE, NAMES)
    assert Document.from_json(document.to_json()) == document
