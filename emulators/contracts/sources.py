"""Where the official specs live, how they are read, and the documented corrections applied.

The specs are unmodified copies kept in the repository, ``third_party/contracts`` (found from this
file, whatever the working directory), or in the directory named by ``FANBRIDGE_CONTRACTS_DIR``.
Parsed documents are cached per file for the whole process (tests start many emulators).
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
PROJECT_ROOT = Path(__file__).resolve().parents[2]  # emulators/contracts/sources.py
DEFAULT_DIR = PROJECT_ROOT / "third_party" / "contracts"

DISCORD_SPEC = ("discord-api-spec/openapi.json",)
SLACK_SPEC = ("slack-api-specs/slack_web_openapi_v2.json",)
SPOTIFY_SPEC = (  # the corrected copy wins when both exist
    "spotify-web-api-openapi/fixed-spotify-open-api.yml",
    "spotify-web-api-openapi/official-spotify-open-api.yml",
)

# Where the spec and the docs disagree, the docs win (the spec repository says so itself):
# message content is "up to 2000 characters" (discord-api-docs, developers/resources/message.mdx),
# the spec says 4000.
DISCORD_DOC_FIXES: dict[tuple[str, str], dict[str, Any]] = {
    ("MessageCreateRequest", "content"): {"maxLength": 2000},
    ("BaseCreateMessageCreateRequest", "content"): {"maxLength": 2000},
    ("MessageEditRequestPartial", "content"): {"maxLength": 2000},
}

_cache: dict[Path, Any] = {}
_lock = threading.Lock()


def contracts_dir(directory: str | None = None) -> Path:
    """The explicit directory, else ``$FANBRIDGE_CONTRACTS_DIR`` (when not empty), else
    :data:`DEFAULT_DIR`."""
    if directory:
        return Path(directory)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_DIR


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
