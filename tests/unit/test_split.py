"""Splitting rendered text into parts: within the limit, at most ``max_parts`` parts, and the
rest returned whole (it goes out as a file)."""

from __future__ import annotations

import pytest

from adapters.split import split_capped, split_text

WORDS = [f"word{i:04d}" for i in range(2000)]  # 18 000 characters with the spaces


def test_short_text_is_one_part_and_no_rest() -> None:
    assert split_capped("hello", 100, max_parts=4).parts == ["hello"]
    assert split_capped("hello", 100, max_parts=4).rest == ""
    assert split_text("", 100) == [""]


def test_text_that_needs_more_parts_than_allowed_keeps_the_rest_whole() -> None:
    text = " ".join(WORDS)
    split = split_capped(text, 2000, max_parts=4, reserve=30)
    assert len(split.parts) == 4
    assert all(len(part) <= 2000 for part in split.parts[:3])
    assert len(split.parts[-1]) <= 2000 - 30  # room for a "continued in message.txt" note
    assert " ".join([*split.parts, split.rest]).split() == WORDS  # nothing lost or repeated
    assert split.rest.startswith("word")


def test_text_that_fits_in_the_allowed_parts_has_no_rest() -> None:
    text = " ".join(WORDS[:600])  # 5 400 characters: three parts of 2000
    split = split_capped(text, 2000, max_parts=3, reserve=30)
    assert split.rest == ""
    assert " ".join(split.parts).split() == WORDS[:600]
    assert split_text(text, 2000) == split.parts


def test_one_part_allowed() -> None:
    split = split_capped("a" * 50, 20, max_parts=1)
    assert split.parts == ["a" * 16] and split.rest == "a" * 34  # cut leaves room for a fence


def test_a_code_fence_cut_at_the_cap_is_reopened_in_the_rest() -> None:
    text = "```\n" + "\n".join(f"line {i}" for i in range(400)) + "\n```"
    split = split_capped(text, 500, max_parts=2)
    assert all(part.count("```") % 2 == 0 for part in split.parts)
    assert split.rest.startswith("```\n") and split.rest.endswith("```")


def test_a_rest_of_blank_space_only_is_no_rest() -> None:
    split = split_capped("abc " * 5 + " " * 40, 32, max_parts=1)
    assert split.parts == ["abc abc abc abc abc"]
    assert split.rest == ""


def test_limits_too_small_are_refused() -> None:
    with pytest.raises(ValueError):
        split_capped("text", 20, max_parts=2, reserve=10)
    with pytest.raises(ValueError):
        split_capped("text", 100, max_parts=0)
