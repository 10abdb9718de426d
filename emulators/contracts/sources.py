"""Where the official specs live, how they are read, and the documented corrections applied.

The specs are read-only copies in ``../shared/contracts`` beside the project root (the directory
holding ``pyproject.toml``), or in the directory named by ``FANBRIDGE_CONTRACTS_DIR``. Parsed
documents are cached per file for the whole process (tests start many emulators).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ENV_VAR = "FANBRIDGE_CONTRACTS_DIR"

DISCORD_SPEC = ("discord-api-spec/openapi.json",)
SLACK_SPEC = ("slack-api-specs/slack_web_openapi_v2.json",)
SPOTIFY_SPEC = (  # the corrected copy wins when both exist
    "spotify-web-api-openapi/fixed-spotify-open-api.yml",
    "spotify-web-api-openapi/official-spotify-open-api.yml",
)

# Where the spec and the docs disagree, the docs win (the spec repository says so itself):
# message content is "up to 2000 characters" (docs/resources/message.mdx), the spec says 4000.
DISCORD_DOC_FIXES: dict[tuple[str, str], dict[str, Any]] = {
    ("MessageCreateRequest", "content"): {"maxLength": 2000},
    ("BaseCreateMessageCreateRequest", "content"): {"maxLength": 2000},
    ("MessageEditRequestPartial", "content"): {"maxLength": 2000},
}

_cache: dict[Path, Any] = {}
_lock = threading.Lock()


def contracts_dir(directory: str | None = None) -> Path | None:
    """The explicit directory, else ``$FANBRIDGE_CONTRACTS_DIR``, else the project-root rule."""
    if directory:
        return Path(directory)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    root = project_root()
    return root.parent / "shared" / "contracts" if root else None


def project_root() -> Path | None:
    """The nearest directory holding ``pyproject.toml`` above this package, else above cwd."""
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        for candidate in (start, *start.parents):
            if (candidate / "pyproject.toml").is_file():
                return candidate
    return None


def find(directory: Path, candidates: tuple[str, ...]) -> Path | None:
    return next((directory / c for c in candidates if (directory / c).is_file()), None)


def read(path: Path) -> Any:
    """The parsed document (JSON or YAML), parsed once per process."""
    with _lock:
        if path not in _cache:
            _cache[path] = _parse(path)
        return _cache[path]


def _parse(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # a safe loader (C version when available)


def apply_discord_fixes(document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the Discord document's schemas with :data:`DISCORD_DOC_FIXES` applied."""
    schemas = dict(document.get("components", {}).get("schemas", {}))
    for (name, prop), patch in DISCORD_DOC_FIXES.items():
        schema = schemas.get(name)
        if not schema or prop not in schema.get("properties", {}):
            continue
        props = dict(schema["properties"])
        props[prop] = {**props[prop], **patch}
        schemas[name] = {**schema, "properties": props}
    components = {**document.get("components", {}), "schemas": schemas}
    return {**document, "components": components}
