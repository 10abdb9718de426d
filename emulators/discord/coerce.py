"""What the real API accepts that the OpenAPI spec is stricter about (the docs win).

Discord coerces snowflakes sent as JSON integers and permission bitfields sent as strings, and
ignores ``tts`` in an UPDATE_MESSAGE callback; discord.py 2.7 relies on all three (bulk deletes,
replies, ``set_permissions``, ``interaction.response.edit_message``). Requests are brought to the
spec's spelling before they are checked against it, so only real mistakes are reported.
"""

from __future__ import annotations

import copy
import re
from typing import Any

SNOWFLAKE_LISTS = ("messages", "users", "roles", "user_ids", "ids")
BITFIELDS = ("allow", "deny")
OVERWRITE_PATH = re.compile(r"^/channels/[^/]+/permissions/[^/]+$")
CALLBACK_PATH = re.compile(r"^/interactions/[^/]+/[^/]+/callback$")


def for_spec(path: str, body: Any) -> Any:
    """A copy of ``body`` spelled the way the spec expects (the original is not changed)."""
    if not isinstance(body, dict | list):
        return body
    out = _snowflakes(copy.deepcopy(body))
    if OVERWRITE_PATH.match(path) and isinstance(out, dict):
        for key in BITFIELDS:
            if isinstance(out.get(key), str) and out[key].isdigit():
                out[key] = int(out[key])
    if CALLBACK_PATH.match(path) and isinstance(out, dict) and out.get("type") in (6, 7):
        data = out.get("data")
        if isinstance(data, dict):
            data.pop("tts", None)
    return out


def _snowflakes(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _snowflakes(v, k) for k, v in value.items()}
    if isinstance(value, list):
        if key in SNOWFLAKE_LISTS:
            return [str(v) if _is_id(v) else _snowflakes(v) for v in value]
        return [_snowflakes(v) for v in value]
    if (key == "id" or key.endswith("_id")) and _is_id(value):
        return str(value)
    return value


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 1 << 22
