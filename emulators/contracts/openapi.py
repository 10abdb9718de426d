"""Request checks against one OpenAPI 3.x document (Discord REST v10, Spotify Web API).

The templated paths are compiled once into :class:`Route` values indexed by segment count; a
concrete path matches a template segment by segment, and literal segments (``@me``,
``bulk-delete``) beat parameters. The operation found is then checked: path parameters, typed
query parameters and the JSON body against the operation's ``requestBody`` schema.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from emulators.contracts.schema import Issue, Schema, Validator, json_type, short

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}


@dataclass(frozen=True)
class Param:
    name: str
    schema: Schema
    required: bool


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    path_params: dict[str, Schema]
    query: tuple[Param, ...]
    body: Schema | None


@dataclass
class Route:
    template: str
    segments: tuple[str | None, ...]  # None marks a parameter segment
    names: tuple[str, ...]  # the parameter names, in order
    operations: dict[str, Operation] = field(default_factory=dict)

    @property
    def rank(self) -> tuple[bool, ...]:
        """Sort key: leftmost literal segments first (``/users/@me`` before ``/users/{id}``)."""
        return tuple(s is not None for s in self.segments)

    def match(self, parts: list[str]) -> dict[str, str] | None:
        values: list[str] = []
        for literal, part in zip(self.segments, parts, strict=True):
            if literal is None:
                if not part:
                    return None
                values.append(part)
            elif literal != part:
                return None
        return dict(zip(self.names, values, strict=True))


class OpenApi:
    """The compiled routes of one OpenAPI document, named ``api`` in messages."""

    def __init__(self, document: Mapping[str, Any], api: str) -> None:
        self.api = api
        self.validator = Validator(document)
        self._routes: dict[int, list[Route]] = {}
        for template, item in (document.get("paths") or {}).items():
            route = self._compile(template, item)
            self._routes.setdefault(len(route.segments), []).append(route)
        for routes in self._routes.values():
            routes.sort(key=lambda r: r.rank, reverse=True)

    # -- compiling -------------------------------------------------------------------------
    def _compile(self, template: str, item: Mapping[str, Any]) -> Route:
        parts = _split(template)
        segments = tuple(None if _is_param(p) else p for p in parts)
        names = tuple(p[1:-1] for p in parts if _is_param(p))
        route = Route(template, segments, names)
        shared = self._params(item.get("parameters") or [])
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, Mapping):
                params = {**shared, **self._params(op.get("parameters") or [])}
                route.operations[method.upper()] = self._operation(method, template, params, op)
        return route

    def _params(self, raw: list[Mapping[str, Any]]) -> dict[tuple[str, str], Param]:
        out: dict[tuple[str, str], Param] = {}
        for entry in raw:
            param = self.validator.resolve(entry)
            where, name = param.get("in", ""), param.get("name", "")
            out[(where, name)] = Param(name, param.get("schema") or {}, bool(param.get("required")))
        return out

    def _operation(
        self,
        method: str,
        template: str,
        params: dict[tuple[str, str], Param],
        op: Mapping[str, Any],
    ) -> Operation:
        path_params = {p.name: p.schema for (where, _), p in params.items() if where == "path"}
        query = tuple(p for (where, _), p in params.items() if where == "query")
        body = self.validator.resolve(op.get("requestBody") or {})
        schema = ((body.get("content") or {}).get("application/json") or {}).get("schema")
        return Operation(method.upper(), template, path_params, query, schema)

    # -- checking --------------------------------------------------------------------------
    def routes_for(self, path: str) -> Iterator[tuple[Route, dict[str, str]]]:
        parts = _split(path)
        for route in self._routes.get(len(parts), ()):
            values = route.match(parts)
            if values is not None:
                yield route, values

    def check(self, method: str, path: str, query: Mapping[str, str], body: Any) -> list[str]:
        method = method.upper()
        first: Route | None = None
        for route, values in self.routes_for(path):
            first = first or route
            op = route.operations.get(method)
            if op is not None:
                issues = self._check_op(op, values, query, body)
                return list(dict.fromkeys(f"{method} {op.template}: {issue}" for issue in issues))
        shown = first.template if first else path
        return [f"{method} {shown}: not in the {self.api} API"]

    def _check_op(
        self, op: Operation, values: dict[str, str], query: Mapping[str, str], body: Any
    ) -> list[Issue]:
        issues: list[Issue] = []
        for name, value in values.items():
            schema = op.path_params.get(name)
            if schema is not None:
                issues.extend(self._check_text(value, schema, f"path.{name}"))
        for param in op.query:
            issues.extend(self._check_query(param, query))
        if op.body is not None:
            issues.extend(self._check_body(op.body, body))
        return issues

    def _check_query(self, param: Param, query: Mapping[str, str]) -> list[Issue]:
        value = query.get(param.name)
        if value is None:
            return [Issue(f"query.{param.name}", "required")] if param.required else []
        return self._check_text(value, param.schema, f"query.{param.name}")

    def _check_text(self, text: str, schema: Schema, where: str) -> list[Issue]:
        """A path or query value: parse it as the schema's type, then validate it."""
        value, problem = self.coerce(text, schema)
        if problem:
            return [Issue(where, problem)]
        return self.validator.validate(value, schema, where)

    def coerce(self, text: str, schema: Schema) -> tuple[Any, str | None]:
        schema = self.validator.resolve(schema)
        kind = _primary_type(schema)
        if kind == "array":
            items = schema.get("items") or {}
            parsed = [self.coerce(part.strip(), items) for part in text.split(",")]
            problem = next((p for _, p in parsed if p), None)
            return [v for v, _ in parsed], problem
        return parse_scalar(text, kind)

    def _check_body(self, schema: Schema, body: Any) -> list[Issue]:
        if isinstance(body, Mapping) and body.get("multipart") is True and len(body) == 1:
            return []  # multipart uploads: only the route is checked
        if body is None:
            return []  # no body at all: nothing the schema could reject field by field
        if isinstance(body, str):
            return [Issue("body", "not valid JSON")]
        return self.validator.validate(body, schema, "body")


def parse_scalar(text: str, kind: str | None) -> tuple[Any, str | None]:
    """Parse a query/path/form string as ``kind`` (integer, number, boolean or string)."""
    try:
        if kind == "integer":
            return int(text), None
        if kind == "number":
            return float(text), None
    except ValueError:
        return text, f"{short(text)} is not {'an' if kind == 'integer' else 'a'} {kind}"
    if kind == "boolean":
        flag = _BOOLEANS.get(text.lower())
        return (text, f"{short(text)} is not a boolean") if flag is None else (flag, None)
    return text, None


def _primary_type(schema: Schema) -> str | None:
    wanted = schema.get("type")
    if isinstance(wanted, list):
        wanted = next((t for t in wanted if t != "null"), None)
    return wanted if isinstance(wanted, str) else None


def _split(path: str) -> list[str]:
    return path.strip("/").split("/") if path.strip("/") else []


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


__all__ = ["OpenApi", "Operation", "Param", "Route", "json_type", "parse_scalar"]
