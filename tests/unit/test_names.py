"""Display names compared the way a reader sees them: no fan passes for a bot or a verified artist
by look-alike letters, invisible characters, case or an imitated badge."""

from __future__ import annotations

import string

import pytest

from bridge.groups.artists import BADGE
from bridge.groups.names import contains, name_key, shows_badge, skeleton
from bridge.pipeline.compose import NamePolicy

CYRILLIC_A = "\u0430"


@pytest.mark.parametrize(
    "lookalike",
    [
        f"F{CYRILLIC_A}nBridge",  # Cyrillic a
        "F\u0430nBr\u0456dge",  # Cyrillic a and Ukrainian i
        "FanBridge\u200b",  # zero-width space
        "Fan\u200dBridge",  # zero-width joiner
        "Fan\u2060Bridge",  # word joiner
        "\ufeffFanBridge",  # byte order mark
        "\u202aFanBridge\u202c",  # bidi embedding and pop
        "\u2066FanBridge\u2069",  # bidi isolate
        "Fan\u00adBridge",  # soft hyphen
        "FanBridge\ufe0f",  # variation selector
        "ＦａｎＢｒｉｄｇｅ",  # fullwidth (NFKC)
        "𝐅𝐚𝐧𝐁𝐫𝐢𝐝𝐠𝐞",  # mathematical bold (NFKC)
        "FANBRIDGE",
        "fanbridge",
        "Fan Bridge",
        " FanBridge\u00a0",
        "FanBrldge",  # l for I
        "FanBr1dge",  # 1 for l for I
    ],
)
def test_lookalikes_of_a_name_share_its_key(lookalike: str) -> None:
    assert name_key(lookalike) == name_key("FanBridge")


@pytest.mark.parametrize("other", ["FanBridges", "FunBridge", "Fan Bride", "Dave", ""])
def test_different_names_keep_different_keys(other: str) -> None:
    assert name_key(other) != name_key("FanBridge")


def test_latin_case_never_tells_two_keys_apart() -> None:
    for letter in string.ascii_letters:
        assert name_key(letter) == name_key(letter.swapcase()), letter
    assert name_key("\u0397AL") == name_key("hal")  # a Greek capital eta reads as H


def test_the_skeleton_is_that_of_unicode_ts39() -> None:
    assert skeleton("\u0440\u0430\u0443\u0440\u0430l") == skeleton("paypal")  # Cyrillic
    assert skeleton("I") == skeleton("l") == skeleton("1") == "l"
    assert skeleton("m") == "rn"
    assert skeleton("\u0391\u0392\u0395") == "ABE"  # Greek capitals
    assert skeleton("e\u0301") == skeleton("\u00e9")  # NFD on both sides


def test_contains_compares_keys() -> None:
    assert contains(f"the real F{CYRILLIC_A}nBr\u200bidge bot", "FanBridge")
    assert not contains("Fan of bridges", "FanBridge")
    assert not contains("anyone", "")


@pytest.mark.parametrize(
    "name",
    [
        "Dave · ✔ artist",
        "Dave ✔ artist",
        "Dave ✔ Artist",
        "Dave ✔️artist",  # with the emoji variation selector
        "Dave ✓ artist",
        "Dave ☑ ARTIST",
        "Dave ✅ artist",
        "Dave 🗸 artist",
        "Dave √ artist",
        "Dave ✔: artist",
        f"Dave ✔ {CYRILLIC_A}rtist",
        "Dave ✔\u200b artist",
        "✔ artists united",
    ],
)
def test_a_name_imitating_the_badge_shows_it(name: str) -> None:
    assert shows_badge(name, BADGE)


@pytest.mark.parametrize("name", ["Dave", "Dave artist", "Dave ✔", "art ✔ fan", "✔ art"])
def test_a_name_without_the_badge_does_not_show_it(name: str) -> None:
    assert not shows_badge(name, BADGE)


def policy() -> NamePolicy:
    names = NamePolicy()
    names.reserve(["FanBridge", "fanbridge", ""])
    return names


@pytest.mark.parametrize(
    "name",
    [
        "FanBridge",
        f"F{CYRILLIC_A}nBridge",
        "FanBridge\u200b",
        "FANBRIDGE",
        "FanBridge Official",
        "not the fanbr\u200bidge",
        "Dave · ✔ artist",
        "Carol ✓ artist",
    ],
)
def test_a_fan_passing_for_a_bot_or_an_artist_gets_the_suffix(name: str) -> None:
    assert policy().display(name) == f"{name} (fan)"


def test_a_verified_artists_name_is_reserved_in_their_group_only() -> None:
    names = policy()
    group = names.extended(["Dave", ""])
    assert group.display("Dave") == "Dave (fan)"
    assert group.display(f"D{CYRILLIC_A}ve") == f"D{CYRILLIC_A}ve (fan)"
    assert group.display("dave\u200b") == "dave\u200b (fan)"
    assert group.display("DAVE") == "DAVE (fan)"
    # an artist's name is reserved whole, not as a part: other Daves keep theirs
    assert group.display("Dave Smith") == "Dave Smith"
    assert names.display("Dave") == "Dave"
    assert group.display("FanBridge") == "FanBridge (fan)"


@pytest.mark.parametrize("name", ["Carol", "Dove", "Bridget", "Fan", "Art ✔ lover", ""])
def test_other_fans_keep_their_names(name: str) -> None:
    assert policy().extended(["Dave"]).display(name) == name


def test_the_suffix_is_the_policys() -> None:
    names = NamePolicy(suffix=" [not the bot]")
    names.reserve(["FanBridge"])
    assert names.display("FanBr\u0456dge") == "FanBr\u0456dge [not the bot]"
