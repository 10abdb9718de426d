"""Fixtures shared by the end-to-end modules."""

from tests.e2e.catchup_room import room

__all__ = ["room"]
