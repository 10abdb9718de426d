"""The ``fanbridge`` command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import gc
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import NoReturn

from adapters.config import Config, load_config
from adapters.config_errors import ConfigError
from adapters.logsetup import setup_logging

Command = Callable[[argparse.Namespace], int]
BIND_ERRORS = {errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES}


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _version() -> str:
    try:
        return version("fanbridge")
    except PackageNotFoundError:
        return "0+unknown"


def _load(path: str) -> Config:
    config = load_config(path)
    setup_logging(config.logging.level, config.secrets())
    return config


def cmd_version(_: argparse.Namespace) -> int:
    print(f"fanbridge {_version()}")
    return 0


def cmd_config_check(args: argparse.Namespace) -> int:
    config = load_config(args.file)
    platforms = [p for p in ("discord", "slack", "spotify") if getattr(config, p) is not None]
    channels = sum(len(g.channels) for g in config.groups)
    print(
        f"{args.file}: OK ({', '.join(platforms) or 'no platforms'}; "
        f"{len(config.groups)} group(s), {channels} channel link(s))"
    )
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from adapters.runtime import upgrade_database

    database = _load(args.config).database if not args.url else None
    url = args.url or (database.url if database else "")
    setup_logging()
    revision = asyncio.run(upgrade_database(url, database.schema_name if database else None))
    print(f"database at revision {revision}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Run until Ctrl+C or SIGTERM (exit 0). A start-up failure is one line naming what failed
    and the fix (exit 1); ``--debug`` shows the traceback instead.

    The cyclic garbage collector is off until the bridge runs (``run_forever`` turns it on once
    started, or this on the way out): start-up's imports create some 160,000 objects that nearly
    all stay, and collecting among them while they are made cost a tenth of the time to ready.
    Reference counting still frees everything else at once."""
    gc.disable()
    try:
        from adapters.runtime import run_forever
        from adapters.startup_errors import describe

        config = _load(args.config)
        try:
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(run_forever(config))
        except Exception as exc:
            if getattr(args, "debug", False):
                raise
            print(f"fanbridge: {describe(exc, config)}", file=sys.stderr)
            return 1
        return 0
    finally:
        gc.enable()


def cmd_workers(args: argparse.Namespace) -> int:
    """The live workers on the config's database and what each holds."""
    from adapters.workers import show_workers

    config = load_config(args.config)
    setup_logging("WARNING", config.secrets())  # the list only, not the migrations' log
    return asyncio.run(show_workers(config, print))


def cmd_emulate(args: argparse.Namespace) -> int:
    from emulators.core import EmulatorOptions
    from emulators.server import serve

    setup_logging("WARNING")
    options = EmulatorOptions(
        rate_limits=not args.no_rate_limits,
        time_scale=args.time_scale,
        slack_events_url=args.slack_events_url,
        contracts_dir=args.contracts_dir,
    )
    coro = serve(
        host=args.host,
        port=args.port,
        world_file=args.world,
        world_out=args.world_out,
        options=options,
        write_config=args.write_config,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(coro)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from adapters.demo import DemoOptions, run_demo

    setup_logging("WARNING")
    options = DemoOptions(
        host=args.host,
        port=args.port,
        speed=args.speed,
        script_once=args.script_once,
        cast=not args.no_cast,
        db=args.db,
        web_port=args.web_port,
    )
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_demo(options))
    except OSError as exc:
        hint = ". Fix: stop what uses the port or pass --port" if exc.errno in BIND_ERRORS else ""
        print(f"fanbridge: demo: {exc.strerror or exc}{hint}", file=sys.stderr)
        return 2
    return 0


def cmd_discord_invite_url(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from adapters.invite import application_id_from, invite_url

    path = Path(args.config or "config.toml")
    if args.config and not path.exists():
        raise ConfigError(f"{path}: file not found")
    client_id = args.client_id or application_id_from(path, os.environ)
    if not client_id:
        raise ConfigError(
            f"no application id: pass --client-id ID or set [discord] application_id in {path} "
            "(developer portal > your app > General Information > Application ID)"
        )
    try:
        print(invite_url(client_id))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return 0


def cmd_spotify_login(args: argparse.Namespace) -> int:
    from adapters.music.spotify_login import run_login_command

    config = _load(args.config)
    coro = run_login_command(
        config, state=args.state, redirect_url=args.redirect_url, url_only=args.url_only
    )
    return asyncio.run(coro)


def cmd_doctor(args: argparse.Namespace) -> int:
    from adapters.doctor import run_doctor

    config = _load(args.config)
    print(f"✓ config ({args.config})")
    return asyncio.run(run_doctor(config, args.config, print))


def build_parser() -> Parser:
    parser = Parser(prog="fanbridge", description="Fan Groups bridged between Discord and Slack.")
    parser.add_argument("--version", action="version", version=f"fanbridge {_version()}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of failures")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True

    p = sub.add_parser("run", help="run the bridge")
    p.add_argument("--config", default="config.toml", help="config file (default: config.toml)")
    p.set_defaults(func=cmd_run)

    _add_demo(sub)
    _add_discord(sub)
    _add_emulate(sub)
    _add_db(sub)
    _add_config(sub)
    _add_spotify(sub)
    _add_doctor(sub)
    _add_workers(sub)

    p = sub.add_parser("version", help="print the version")
    p.set_defaults(func=cmd_version)
    return parser


def _add_doctor(sub: argparse._SubParsersAction[Parser]) -> None:
    p = sub.add_parser("doctor", help="check the config, database, tokens and permissions live")
    p.add_argument("--config", default="config.toml", help="config file (default: config.toml)")
    p.set_defaults(func=cmd_doctor)


def _add_workers(sub: argparse._SubParsersAction[Parser]) -> None:
    p = sub.add_parser("workers", help="list the live workers and what each holds")
    p.add_argument("--config", default="config.toml", help="config file (default: config.toml)")
    p.set_defaults(func=cmd_workers)


def _add_spotify(sub: argparse._SubParsersAction[Parser]) -> None:
    spotify = sub.add_parser("spotify", help="the bot's Spotify account (Play all on Spotify)")
    ssub = spotify.add_subparsers(dest="spotify_command", metavar="COMMAND", parser_class=Parser)
    ssub.required = True
    p = ssub.add_parser("login", help="log the bot's Spotify account in (once)")
    p.add_argument("--config", default="config.toml", help="config file (default: config.toml)")
    p.add_argument("--redirect-url", help="the URL Spotify redirected to (instead of stdin)")
    p.add_argument("--state", help="the state to put in / expect back (for scripting)")
    p.add_argument("--url-only", action="store_true", help="print the authorize URL and exit")
    p.set_defaults(func=cmd_spotify_login)


def _add_demo(sub: argparse._SubParsersAction[Parser]) -> None:
    p = sub.add_parser(
        "demo", help="emulators + bridge + a scripted cast of fans, no token or network needed"
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument(
        "--speed", type=_positive, default=1.0, help="cast pace factor (2 = twice as fast)"
    )
    p.add_argument(
        "--script-once", action="store_true", help="play the script once, then keep serving"
    )
    p.add_argument("--no-cast", action="store_true", help="start without the scripted fans")
    p.add_argument("--db", metavar="PATH", help="SQLite file (default: a fresh temporary one)")
    p.add_argument(
        "--web-port", type=int, default=8080, help="the music tab's web port (0: any free port)"
    )
    p.set_defaults(func=cmd_demo)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0 (got {text})")
    return value


def _add_discord(sub: argparse._SubParsersAction[Parser]) -> None:
    discord = sub.add_parser("discord", help="Discord application tools")
    dsub = discord.add_subparsers(dest="discord_command", metavar="COMMAND", parser_class=Parser)
    dsub.required = True
    p = dsub.add_parser("invite-url", help="print the URL that adds the bot to a server")
    p.add_argument("--config", metavar="FILE", help="read [discord] application_id from here")
    p.add_argument("--client-id", metavar="ID", help="the application id (overrides the config)")
    p.set_defaults(func=cmd_discord_invite_url)


def _add_emulate(sub: argparse._SubParsersAction[Parser]) -> None:
    p = sub.add_parser("emulate", help="local Discord, Slack and music-API servers")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--world", metavar="FILE", help="world JSON (default: a built-in world)")
    p.add_argument("--world-out", metavar="FILE", help="write the world JSON here when ready")
    p.add_argument(
        "--write-config",
        metavar="PATH",
        help="write a ready bridge config for this emulated world here (emulator only)",
    )
    p.add_argument("--slack-events-url", metavar="URL", help="deliver Slack events over HTTP")
    p.add_argument("--no-rate-limits", action="store_true", help="turn the rate limits off")
    p.add_argument(
        "--time-scale", type=float, default=1.0, help="multiply rate-limit windows (default 1)"
    )
    p.add_argument("--contracts-dir", metavar="DIR", help="official API specs to validate against")
    p.set_defaults(func=cmd_emulate)


def _add_db(sub: argparse._SubParsersAction[Parser]) -> None:
    db = sub.add_parser("db", help="database maintenance")
    dbsub = db.add_subparsers(dest="db_command", metavar="COMMAND", parser_class=Parser)
    dbsub.required = True
    p = dbsub.add_parser("upgrade", help="apply the migrations (start-up does this too)")
    p.add_argument("--config", default="config.toml", help="config file (default: config.toml)")
    p.add_argument("--url", help="database URL (overrides the config)")
    p.set_defaults(func=cmd_db_upgrade)


def _add_config(sub: argparse._SubParsersAction[Parser]) -> None:
    cfg = sub.add_parser("config", help="configuration tools")
    cfgsub = cfg.add_subparsers(dest="config_command", metavar="COMMAND", parser_class=Parser)
    cfgsub.required = True
    p = cfgsub.add_parser("check", help="validate a config file")
    p.add_argument("file", help="the TOML file to check")
    p.set_defaults(func=cmd_config_check)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except ConfigError as exc:
        print(f"fanbridge: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"fanbridge: {exc.filename}: file not found", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
