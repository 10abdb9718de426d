"""Request checks against the Slack Web API spec (Swagger 2.0, one path per method).

The spec is stale (2021): a method it does not list is unknown but allowed. Arguments arrive
merged from the query string, form fields (strings) or a JSON body (real types), so typed
parameters are parsed flexibly.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emulators.contracts.openapi import parse_scalar
from emulators.contracts.schema import json_type, short

log = logging.getLogger(__name__)

# Methods newer than the spec (or renamed since): they are accepted without checks.
NEWER_METHODS = (
    "apps.connections.open",
    "apps.manifest.*",
    "files.getUploadURLExternal",
    "files.completeUploadExternal",
    "chat.getPermalink",
    "chat.startStream",
    "chat.appendStream",
    "chat.stopStream",
    "conversations.*",
    "views.*",
    "bookmarks.*",
    "workflows.*",
    "functions.*",
    "assistant.*",
)
_TYPED = ("integer", "number", "boolean")
_SKIPPED = ("token",)  # sent in the Authorization header


@dataclass(frozen=True)
class SlackMethod:
    name: str
    required: tuple[str, ...]
    types: dict[str, str]  # parameter -> integer | number | boolean


class SlackSpec:
    """The Web API methods of the Swagger document, by method name."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.methods: dict[str, SlackMethod] = {}
        for path, item in (document.get("paths") or {}).items():
            name = path.lstrip("/")
            params = [p for op in item.values() if isinstance(op, Mapping) for p in _params(op)]
            required = tuple(dict.fromkeys(p["name"] for p in params if p.get("required")))
            types = {p["name"]: p["type"] for p in params if p.get("type") in _TYPED}
            self.methods[name] = SlackMethod(name, required, types)
        self._unlisted: set[str] = set()

    def check(self, api_method: str, args: Mapping[str, Any]) -> list[str]:
        method = self.methods.get(api_method)
        if method is None:
            self._note_unlisted(api_method)
            return []
        problems = [f"{name}: required" for name in method.required if args.get(name) is None]
        for name, kind in method.types.items():
            if args.get(name) is not None:
                problem = _type_problem(args[name], kind)
                if problem:
                    problems.append(f"{name}: {problem}")
        return [f"{api_method}: {p}" for p in problems]

    def _note_unlisted(self, api_method: str) -> None:
        if api_method in self._unlisted:
            return
        self._unlisted.add(api_method)
        if not any(fnmatch.fnmatchcase(api_method, pattern) for pattern in NEWER_METHODS):
            log.info("Slack method %s is not in the (stale) spec: not validated", api_method)


def _params(op: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    raw = op.get("parameters") or []
    return [p for p in raw if p.get("in") != "header" and p.get("name") not in _SKIPPED]


def _type_problem(value: Any, kind: str) -> str | None:
    """Whether a form string or JSON value parses as ``kind``."""
    if isinstance(value, str):
        return parse_scalar(value.strip(), kind)[1]
    actual = json_type(value)
    if actual == kind or (kind == "number" and actual == "integer"):
        return None
    if kind == "boolean" and actual == "integer" and value in (0, 1):
        return None
    return f"{short(value)} is not {'an' if kind == 'integer' else 'a'} {kind}"
