"""The poll cards as each platform draws them (pure): ten options fit Discord's rows of five
buttons and Slack's one-button blocks; the deadline is each platform's live timestamp; a blind
card shows no title, link or artwork; a closed card has no buttons and crowns the winner; a
relayed Discord poll's card says Discord's poll counts only Discord votes; the buttons carry
``fbpoll:<poll>:<option>`` and ``fbpoll_vote`` with ``<poll>:<option>``."""

from __future__ import annotations

from dataclasses import replace

from adapters.discord.polls import card_embed, card_view, parse_custom_id
from adapters.slack.polls import card_blocks, parse_value, poll_args
from bridge.polls.card import CardOption, PollCard


def card(count: int = 3, **changes: object) -> PollCard:
    options = tuple(
        CardOption(i, f"Option {i}", votes=i, bar="█░", percent=f"{i}%") for i in range(count)
    )
    made = PollCard(
        poll_id=42,
        question="Best?",
        options=options,
        total=sum(range(count)),
        open=True,
        closes_at=1_800_000_000,
        anonymous=False,
        blind=False,
        author_name="Ann",
        buttons=True,
        native=False,
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def slack_buttons(blocks: list[dict[str, object]]) -> list[dict[str, object]]:
    return [b["accessory"] for b in blocks if (b.get("accessory") or {}).get("type") == "button"]  # type: ignore[union-attr, misc]


def test_ten_options_fit_both_platforms_buttons() -> None:
    drawn = card(10)
    view = card_view(drawn)
    assert view is not None
    ids = [item.custom_id for item in view.children]  # type: ignore[attr-defined]
    assert ids == [f"fbpoll:42:{i}" for i in range(10)]
    rows = view.to_components()
    assert len(rows) == 2 and all(len(r["components"]) == 5 for r in rows)
    buttons = slack_buttons(card_blocks(drawn))
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("fbpoll_vote", f"42:{i}") for i in range(10)
    ]
    assert len(card_blocks(drawn)) <= 50


def test_the_deadline_is_each_platforms_live_timestamp() -> None:
    assert "Closes <t:1800000000:R>" in (card_embed(card()).description or "")
    assert "<!date^1800000000^" in str(card_blocks(card()))
    closed = card(open=False, buttons=False, closes_at=None)
    assert (card_embed(closed).description or "").startswith("Closed")
    assert card_view(closed) is None and not slack_buttons(card_blocks(closed))


def test_a_public_card_names_the_voters_and_an_anonymous_one_does_not() -> None:
    named = replace(card(), options=(replace(card().options[0], voters=("Zed",)),))
    assert "Zed" in str(card_embed(named).to_dict()) and "Zed" in str(card_blocks(named))
    hidden = replace(named, anonymous=True)
    assert "Zed" not in str(card_embed(hidden).to_dict()) and "Zed" not in str(card_blocks(hidden))


def test_a_relayed_discord_poll_says_discord_counts_only_its_votes() -> None:
    native = card(native=True, buttons=False)
    assert "only Discord votes" in str(card_embed(native).to_dict())
    assert "only Discord votes" in str(card_blocks(native)) and card_view(native) is None


def test_the_buttons_values_and_slacks_words_are_read_back() -> None:
    assert parse_custom_id("fbpoll:42:9") == (42, 9)
    assert parse_custom_id("fbpoll:42:100") is None and parse_custom_id("fbparty:skip:1") is None
    assert parse_value("42:0") == (42, 0) and parse_value("x:0") is None
    assert poll_args(["close", "#7"]) == (("poll", "close"), {"poll": "7"})
    path, args = poll_args(["Fav?", "|", "<https://open.spotify.com/track/x|song>", "|", "b"])
    assert (
        path == ("poll", "create") and args["text"] == "Fav? | https://open.spotify.com/track/x | b"
    )
