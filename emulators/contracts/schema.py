"""A small, fast JSON-Schema subset validator for the request schemas of the platform specs.

It understands what the Discord (OpenAPI 3.1), Spotify (OpenAPI 3.0) and Slack (Swagger 2.0)
request schemas use: ``$ref``, ``type`` (including type lists such as ``["string", "null"]`` and
OpenAPI 3.0 ``nullable``), ``oneOf``/``anyOf`` (valid when any branch is), ``allOf``, ``enum``,
``const``, ``required``, ``properties``, ``additionalProperties: false``, ``items``, string
length, array length, numeric bounds, ``pattern`` and ``uniqueItems``.

Violations come back as :class:`Issue` values (where, message) that callers turn into short text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Schema = Mapping[str, Any]


@dataclass(frozen=True)
class Issue:
    where: str  # e.g. "body.allowed_mentions.parse[0]"
    message: str
    depth: int = 0
    type_mismatch: bool = False  # the value has the wrong JSON type at `where`

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def json_type(value: Any) -> str:
    """The JSON type name of a decoded JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _type_ok(actual: str, wanted: str) -> bool:
    return actual == wanted or (wanted == "number" and actual == "integer")


def short(value: Any, limit: int = 40) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Validator:
    """Validates decoded JSON values against schemas of one spec document."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._document = document
        self._refs: dict[str, Schema] = {}
        self._patterns: dict[str, re.Pattern[str] | None] = {}
        self._discriminators: dict[int, tuple[str, list[list[Any]]] | None] = {}
        self._known: dict[int, frozenset[str] | None] = {}

    # -- references ------------------------------------------------------------------------
    def resolve(self, schema: Schema) -> Schema:
        """Follow ``$ref`` chains (cached); other keywords beside a ``$ref`` are ignored."""
        while "$ref" in schema:
            ref = schema["$ref"]
            target = self._refs.get(ref)
            if target is None:
                target = self._refs[ref] = self._lookup(ref)
            schema = target
        return schema

    def _lookup(self, ref: str) -> Schema:
        node: Any = self._document
        for part in ref.lstrip("#/").split("/"):
            node = node.get(part.replace("~1", "/").replace("~0", "~"), {})
        return node if isinstance(node, Mapping) else {}

    def _pattern(self, pattern: str) -> re.Pattern[str] | None:
        if pattern not in self._patterns:
            try:
                self._patterns[pattern] = re.compile(pattern)
            except re.error:
                self._patterns[pattern] = None
        return self._patterns[pattern]

    # -- validation ------------------------------------------------------------------------
    def validate(self, value: Any, schema: Schema, where: str, depth: int = 0) -> list[Issue]:
        schema = self.resolve(schema)
        if value is None and schema.get("nullable") is True:
            return []
        issues = self._check_type(value, schema, where, depth)
        if issues:
            return issues
        for keyword, check in _KEYWORDS.items():
            if keyword in schema:
                issues.extend(check(self, value, schema, where, depth))
        return issues

    def _check_type(self, value: Any, schema: Schema, where: str, depth: int) -> list[Issue]:
        wanted = schema.get("type")
        if wanted is None:
            return []
        types = [wanted] if isinstance(wanted, str) else list(wanted)
        actual = json_type(value)
        if any(_type_ok(actual, t) for t in types):
            return []
        message = f"expected {' or '.join(types)}, got {actual}"
        return [Issue(where, message, depth, type_mismatch=True)]

    def _one_of(self, value: Any, schema: Schema, where: str, depth: int) -> list[Issue]:
        return self._union(value, schema["oneOf"], where, depth)

    def _any_of(self, value: Any, schema: Schema, where: str, depth: int) -> list[Issue]:
        return self._union(value, schema["anyOf"], where, depth)

    def _union(self, value: Any, branches: list[Schema], where: str, depth: int) -> list[Issue]:
        if not branches:
            return []
        tagged = self._discriminator(branches) if isinstance(value, dict) else None
        if tagged is not None and tagged[0] in value:
            name, allowed = tagged
            tag = value[name]
            chosen = [b for b, ok in zip(branches, allowed, strict=True) if _in(tag, ok)]
            if not chosen:
                listed = ", ".join(str(v) for v in dict.fromkeys(v for ok in allowed for v in ok))
                return [Issue(f"{where}.{name}", f"{short(tag)} is not one of {listed}", depth + 1)]
            branches = chosen
        if isinstance(value, dict):
            branches = self._covering(value, branches)
        results: list[list[Issue]] = []
        for branch in branches:
            issues = self.validate(value, branch, where, depth)
            if not issues:
                return []
            results.append(issues)
        return self._union_issues(value, branches, results, where, depth)

    def _union_issues(
        self, value: Any, branches: list[Schema], results: list[list[Issue]], where: str, depth: int
    ) -> list[Issue]:
        consts = [self.resolve(b).get("const", _MISSING) for b in branches]
        if _MISSING not in consts:
            choices = ", ".join(str(c) for c in consts)
            return [Issue(where, f"{short(value)} is not one of {choices}", depth)]
        relevant = [r for r in results if not _only_type_mismatch(r, where)]
        if not relevant:
            types = _union_types(results)
            message = f"expected {' or '.join(types)}, got {json_type(value)}"
            return [Issue(where, message, depth, type_mismatch=True)]
        return max(relevant, key=lambda r: (min(i.depth for i in r), -len(r)))

    def _discriminator(self, branches: list[Schema]) -> tuple[str, list[list[Any]]] | None:
        """The property (``type``) whose fixed values tell the union's object branches apart."""
        key = id(branches)
        if key not in self._discriminators:
            self._discriminators[key] = self._find_discriminator(branches)
        return self._discriminators[key]

    def _find_discriminator(self, branches: list[Schema]) -> tuple[str, list[list[Any]]] | None:
        fixed: list[dict[str, list[Any]]] = []
        for branch in branches:
            props = self.resolve(branch).get("properties") or {}
            values = {k: _fixed_values(self.resolve(v)) for k, v in props.items()}
            fixed.append({k: v for k, v in values.items() if v})
        common = set.intersection(*(set(f) for f in fixed)) if fixed else set()
        if not common:
            return None
        name = "type" if "type" in common else sorted(common)[0]
        return name, [f[name] for f in fixed]

    def _covering(self, value: dict[str, Any], branches: list[Schema]) -> list[Schema]:
        """Branches that declare every field of ``value``, when some but not all do.

        A field only one alternative knows tells which alternative was meant: a webhook execute
        with ``username`` is an execute, not an edit that happens to ignore the field.
        """
        known = [self._known_fields(b) for b in branches]
        covering = [
            b for b, k in zip(branches, known, strict=True) if k is None or k >= value.keys()
        ]
        return covering if covering else branches

    def _known_fields(self, schema: Schema) -> frozenset[str] | None:
        """The fields an object schema declares (through ``allOf``); None = cannot tell."""
        key = id(schema)
        if key not in self._known:
            self._known[key] = self._collect_fields(self.resolve(schema))
        return self._known[key]

    def _collect_fields(self, schema: Schema) -> frozenset[str] | None:
        if "oneOf" in schema or "anyOf" in schema:
            return None
        fields = set(schema.get("properties") or ())
        for part in schema.get("allOf") or ():
            more = self._known_fields(part)
            if more is None:
                return None
            fields |= more
        if not fields and schema.get("additionalProperties") is not False:
            return None  # a free-form or non-object schema
        return frozenset(fields)

    def _all_of(self, value: Any, schema: Schema, where: str, depth: int) -> list[Issue]:
        issues: list[Issue] = []
        for branch in schema["allOf"]:
            issues.extend(self.validate(value, branch, where, depth))
        return issues

    def _properties(self, value: Any, schema: Schema, where: str, depth: int) -> list[Issue]:
        if not isinstance(value, dict):
            return []
        issues: list[Issue] = []
        props: Mapping[str, Schema] = schema.get("properties") or {}
        for name, item in value.items():
            sub = props.get(name)
            if sub is not None:
                issues.extend(self.validate(item, sub, f"{where}.{name}", depth + 1))
            elif schema.get("additionalProperties") is False:
                issues.append(Issue(f"{where}.{name}", "unknown field", depth + 1))
        return issues

    def _closed(self, value: Any, schema: Schema, where: str, depth: int) -> list[Issue]:
        """``additionalProperties: false`` without ``properties``: no field is allowed."""
        if "properties" in schema or schema["additionalProperties"] is not False:
            return []
        if not isinstance(value, dict):
            return []
        return [Issue(f"{where}.{name}", "unknown field", depth + 1) for name in value]

    def _required(self, value: Any, schema: Schema, where: str, depth: int) -> list[Issue]:
        if not isinstance(value, dict):
            return []
        missing = [name for name in schema["required"] if name not in value]
        return [Issue(f"{where}.{name}", "required", depth + 1) for name in missing]

    def _items(self, value: Any, schema: Schema, where: str, depth: int) -> list[Issue]:
        if not isinstance(value, list) or not isinstance(schema["items"], Mapping):
            return []
        issues: list[Issue] = []
        for index, item in enumerate(value):
            issues.extend(self.validate(item, schema["items"], f"{where}[{index}]", depth + 1))
        return issues

    def _pattern_check(self, value: Any, schema: Schema, where: str, depth: int) -> list[Issue]:
        if not isinstance(value, str):
            return []
        compiled = self._pattern(schema["pattern"])
        if compiled is None or compiled.search(value):
            return []
        if schema.get("format") == "snowflake":
            return [Issue(where, f"{short(value)} is not a snowflake", depth)]
        return [Issue(where, f"{short(value)} does not match {schema['pattern']}", depth)]


_MISSING = object()


def _fixed_values(schema: Schema) -> list[Any]:
    if "const" in schema:
        return [schema["const"]]
    enum = schema.get("enum")
    return list(enum) if isinstance(enum, list) else []


def _in(value: Any, choices: list[Any]) -> bool:
    return any(_same(value, c) for c in choices)


def _only_type_mismatch(issues: list[Issue], where: str) -> bool:
    return len(issues) == 1 and issues[0].type_mismatch and issues[0].where == where


def _union_types(results: list[list[Issue]]) -> list[str]:
    types: list[str] = []
    for issues in results:
        wanted = issues[0].message.removeprefix("expected ").split(", got ")[0]
        for name in wanted.split(" or "):
            if name not in types:
                types.append(name)
    return types


def _bound(keyword: str, test: Callable[[Any, Any], bool], text: str) -> Callable[..., list[Issue]]:
    """A check for one numeric/length keyword: ``test(measured, limit)`` True = violation."""

    def check(_v: Validator, value: Any, schema: Schema, where: str, depth: int) -> list[Issue]:
        measured = _measure(keyword, value)
        limit = schema[keyword]
        if measured is None or not isinstance(limit, int | float):
            return []
        return [Issue(where, f"{text} {limit}", depth)] if test(measured, limit) else []

    return check


def _measure(keyword: str, value: Any) -> float | None:
    if keyword in ("maxLength", "minLength"):
        return len(value) if isinstance(value, str) else None
    if keyword in ("maxItems", "minItems"):
        return len(value) if isinstance(value, list) else None
    if keyword in ("maxProperties", "minProperties"):
        return len(value) if isinstance(value, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return None


def _same(value: Any, expected: Any) -> bool:
    """JSON equality: ``true`` is not ``1``."""
    if isinstance(value, bool) or isinstance(expected, bool):
        return value is expected
    return bool(value == expected)


def _nullable(schema: Schema) -> bool:
    wanted = schema.get("type")
    return wanted == "null" or (isinstance(wanted, list) and "null" in wanted)


def _enum(_v: Validator, value: Any, schema: Schema, where: str, depth: int) -> list[Issue]:
    choices = schema["enum"]
    if not choices or _in(value, choices):
        return []
    if value is None and (_nullable(schema) or schema.get("nullable") is True):
        return []
    listed = ", ".join(str(c) for c in choices)
    return [Issue(where, f"{short(value)} is not one of {listed}", depth)]


def _const(_v: Validator, value: Any, schema: Schema, where: str, depth: int) -> list[Issue]:
    if _same(value, schema["const"]):
        return []
    return [Issue(where, f"{short(value)} is not {short(schema['const'])}", depth)]


def _unique(_v: Validator, value: Any, schema: Schema, where: str, depth: int) -> list[Issue]:
    if not schema["uniqueItems"] or not isinstance(value, list):
        return []
    seen = {json.dumps(item, sort_keys=True, default=str) for item in value}
    return [] if len(seen) == len(value) else [Issue(where, "items are not unique", depth)]


_KEYWORDS: dict[str, Callable[..., list[Issue]]] = {
    "enum": _enum,
    "const": _const,
    "maxLength": _bound("maxLength", lambda m, n: m > n, "longer than"),
    "minLength": _bound("minLength", lambda m, n: m < n, "shorter than"),
    "maxItems": _bound("maxItems", lambda m, n: m > n, "more items than"),
    "minItems": _bound("minItems", lambda m, n: m < n, "fewer items than"),
    "maxProperties": _bound("maxProperties", lambda m, n: m > n, "more fields than"),
    "minProperties": _bound("minProperties", lambda m, n: m < n, "fewer fields than"),
    "maximum": _bound("maximum", lambda m, n: m > n, "greater than"),
    "minimum": _bound("minimum", lambda m, n: m < n, "less than"),
    "pattern": Validator._pattern_check,
    "uniqueItems": _unique,
    "required": Validator._required,
    "properties": Validator._properties,
    "additionalProperties": Validator._closed,
    "items": Validator._items,
    "allOf": Validator._all_of,
    "oneOf": Validator._one_of,
    "anyOf": Validator._any_of,
}
