"""Join gates wiring: each connected platform's gate port, for the core's gate service."""

from __future__ import annotations

from typing import Any

from bridge.gates.commands import GateService
from bridge.ids import Platform
from bridge.ports import GroupStore


def connect_gates(gates: GateService, store: GroupStore, discord: Any, slack: Any) -> None:
    """``discord`` / ``slack``: the started adapters, or None when not configured."""
    if discord is not None:
        from adapters.discord.gates import DiscordGates

        gates.ports[Platform.DISCORD] = DiscordGates(discord.client, store)
    if slack is not None:
        from adapters.slack.gates import SlackGates

        gates.ports[Platform.SLACK] = SlackGates(slack.client)
