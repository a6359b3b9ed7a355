"""What every command shares: the app, the per-run settings, the option groups (declared once here) and the
`command` decorator that turns a function returning an exit code into a typer command.

A command module defines `def name(conn: Connection, ..., runtime: Runtime) -> int` (both `conn` and
`runtime` optional), decorated with `@command()`: the decorator adds the connection options to the
command's signature, builds `conn` from them, and turns talosbond errors into one red line and exit 2.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from typer.core import TyperGroup

from talosbond import __version__
from talosbond.clock import Clock, RealClock
from talosbond.errors import TalosbondError, UsageError

if TYPE_CHECKING:  # the pipeline is imported inside the commands, to keep start-up light
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output

    from talosbond.discovery import Discovery
    from talosbond.model import Node, NodeError
    from talosbond.ranking import Ranking
    from talosbond.rules import Settings
    from talosbond.sources import Connection

class _Group(TyperGroup):
    """The top-level command, with one error style: the parser's usage errors (a bad `--mtu`, an unknown
    `-o` value) print as talosbond's own `error:`/`hint:` lines, exit code 2, like every other error."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, windows_expand_args: bool = True, **extra: Any) -> Any:
        from typer._click.exceptions import ClickException, NoArgsIsHelpError

        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except NoArgsIsHelpError as exc:
            if not standalone_mode:
                raise
            exc.show()  # the help
            sys.exit(exc.exit_code)
        except ClickException as exc:
            if not standalone_mode:
                raise
            from talosbond.output import error_line

            error_line(*_usage_error(exc))
            sys.exit(exc.exit_code)
        except typer.Abort:
            if not standalone_mode:
                raise
            fail("aborted", code=1)
        if standalone_mode:
            sys.exit(code or 0)
        return code


def _usage_error(exc: Exception) -> tuple[str, str]:
    """(message, hint) for a command-line parsing error: the option and what is wrong with its value,
    then where the help is."""
    from typer._click.exceptions import BadParameter, MissingParameter
    from typer._click.exceptions import UsageError as ParserError

    message = exc.format_message() if isinstance(exc, ParserError) else str(exc)
    if isinstance(exc, BadParameter) and not isinstance(exc, MissingParameter) and exc.param is not None:
        names = "/".join(getattr(exc.param, "opts", ())) or str(exc.param.name)
        message = f"{names}: {exc.message}"
    command = exc.ctx.command_path if isinstance(exc, ParserError) and exc.ctx is not None else "talosbond"
    return message.rstrip("."), f"{command} --help"


app = typer.Typer(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"]},
    name="talosbond",
    help=(
        "Find the network cards of Talos Linux nodes, pick the ones to bond, and write a machine-config "
        "patch whose selectors match exactly those cards, before and after the bond forms."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,  # --install-completion, --show-completion
    rich_markup_mode=None,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Runtime:
    """Settings of one run (global options), kept on the click context, never in module state: two runs in
    one process (tests, scripts) cannot leak into each other. Tests pass their own, e.g. a fake clock."""

    debug: bool = False
    call_timeout: float = 30.0
    clock: Clock = field(default_factory=RealClock)
    # the wizard's keyboard and screen; None: the process's terminal
    terminal: tuple[Input, Output] | None = None


class SourceKind(StrEnum):
    auto = "auto"
    talosctl = "talosctl"
    api = "api"
    capture = "capture"


class TextOrJson(StrEnum):
    text = "text"
    json = "json"


# --- option declarations: each option is declared once, here -------------------------------------------

NodesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "-n", "--nodes", metavar="NODE", help="Node(s) to query; repeat or give a comma list.", show_default=False
    ),
]
EndpointsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "-e", "--endpoints", metavar="ENDPOINT", help="Talos API endpoint(s) to go through.", show_default=False
    ),
]
TalosconfigOpt = Annotated[
    str | None,
    typer.Option(
        "--talosconfig",
        envvar="TALOSCONFIG",
        metavar="FILE",
        help="talosconfig file (default $TALOSCONFIG, then ~/.talos/config).",
    ),
]
ContextOpt = Annotated[str | None, typer.Option("--context", metavar="NAME", help="talosconfig context to use.")]
InsecureOpt = Annotated[
    bool, typer.Option("--insecure", "-i", help="Maintenance mode: no client certificate, server not verified.")
]
SourceOpt = Annotated[
    SourceKind,
    typer.Option("--source", help="Where node data comes from: talosctl, the Talos API, or a capture directory."),
]
FromOpt = Annotated[
    str | None,
    typer.Option(
        "--from",
        metavar="DIR",
        help="Read a capture directory (one node, or a folder of node folders) instead of nodes.",
    ),
]
TalosVersionOpt = Annotated[
    str | None, typer.Option("--talos-version", metavar="X.Y", help="Target Talos, e.g. 1.11 (default: the node's).")
]
TextOrJsonOpt = Annotated[TextOrJson, typer.Option("-o", "--output", help="text or json (stdout).")]
# Commands that change nodes (apply, drill).
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (scripts).")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Show the plan, the commands and the configs they would "
                                         "apply; change nothing.")]
ProbeAddressOpt = Annotated[list[str] | None, typer.Option(
    "--probe-address", metavar="IP|HOST:PORT", help="Must keep answering while the node changes (ping, or a TCP "
    "connect to HOST:PORT).")]
IntervalOpt = Annotated[float, typer.Option(
    "--interval", metavar="SECONDS", help="Read each bond twice, SECONDS apart, to catch link-failure and churn "
    "counts rising (discover: with --save, the second read goes to bonding/<bond>.later.txt).")]
# Which rules run and at what level (lint and verify); on top of .talosbond.yaml / [tool.talosbond].
SelectOpt = Annotated[list[str] | None, typer.Option(
    "--select", metavar="CODES", help="Run only these rules (codes, prefixes like TB0, or names; comma lists).")]
IgnoreOpt = Annotated[list[str] | None, typer.Option("--ignore", metavar="CODES", help="Skip these rules.")]
LevelOpt = Annotated[list[str] | None, typer.Option(
    "--level", metavar="CODE=LEVEL", help="Report a rule at another level: error, warning or info.")]
ConfigOpt = Annotated[str | None, typer.Option(
    "--config", metavar="FILE", help="Settings file (default: .talosbond.yaml or pyproject.toml [tool.talosbond], "
    "from the current directory upward).")]


def _option(name: str, annotation: Any, default: Any = None) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)


# Reaching nodes through talosctl or the API (`apply` changes live nodes: no capture, no maintenance mode).
REACH = (
    _option("nodes", NodesOpt),
    _option("endpoints", EndpointsOpt),
    _option("talosconfig", TalosconfigOpt),
    _option("context", ContextOpt),
)
# Every read-only node-facing command: REACH plus where the data comes from (DESIGN.md "CLI contract").
NODE_DATA = (
    *REACH,
    _option("insecure", InsecureOpt, False),
    _option("source", SourceOpt, SourceKind.auto),
    _option("from_dir", FromOpt),
)
# The rule settings of `lint` and `verify`: a command taking `settings` gets these options.
RULE_SETTINGS = (
    _option("select", SelectOpt),
    _option("ignore", IgnoreOpt),
    _option("level", LevelOpt),
    _option("settings_file", ConfigOpt),
)
_CONTEXT = inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)


def split(values: list[str] | None) -> tuple[str, ...]:
    """Repeated and comma-separated values -> one tuple, without blanks or repeats."""
    out: list[str] = []
    for value in values or []:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(dict.fromkeys(out))


def _connection(runtime: Runtime, given: dict[str, Any], want_bonding: bool, source: SourceKind | None) -> Connection:
    from talosbond.sources import Connection

    return Connection(
        nodes=split(given["nodes"]),
        endpoints=split(given["endpoints"]),
        talosconfig=given["talosconfig"],
        context=given["context"],
        insecure=given.get("insecure", False),
        source=(source or given.get("source", SourceKind.auto)).value,
        from_dir=given.get("from_dir"),
        want_bonding=want_bonding,
        timeout=runtime.call_timeout,
    )


def _rule_settings(given: dict[str, Any]) -> Settings:
    from pathlib import Path

    from talosbond.rules import Settings, cli_settings, merge_settings, parse_settings
    from talosbond.sources.settings import find_settings, read_settings_file

    config = given["settings_file"]
    table = read_settings_file(Path(config)) if config else find_settings(Path.cwd())
    base = parse_settings(*table) if table is not None else Settings()
    return merge_settings(base, cli_settings(given["select"] or (), given["ignore"] or (), given["level"] or ()))


def fail(message: str, hint: str = "", code: int = 2) -> NoReturn:
    from talosbond.output import error_line

    error_line(message, hint)
    raise typer.Exit(code)


def guarded(runtime: Runtime, fn: Callable[[], T]) -> T:
    """Run a command body: talosbond errors become one red line and exit 2; --debug shows tracebacks."""
    try:
        return fn()
    except TalosbondError as exc:
        if runtime.debug:
            raise
        fail(exc.message, exc.hint)
    except KeyboardInterrupt:
        fail("interrupted", code=130)


def runtime_of(ctx: typer.Context) -> Runtime:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Runtime) else Runtime()


def _resolved(fn: Callable[..., int]) -> list[inspect.Parameter]:
    """The function's own parameters with their annotations evaluated (they are strings under PEP 563)."""
    out = []
    for param in inspect.signature(fn).parameters.values():
        if param.name in ("conn", "runtime", "settings"):
            continue
        annotation = param.annotation
        if isinstance(annotation, str):
            annotation = eval(annotation, fn.__globals__)
        out.append(param.replace(annotation=annotation, kind=inspect.Parameter.KEYWORD_ONLY))
    return out


def command(
    group: tuple[inspect.Parameter, ...] = NODE_DATA, *, want_bonding: bool = False, source: SourceKind | None = None
) -> Callable[[Callable[..., int]], Callable[..., None]]:
    """Make `fn` a typer command body. If `fn` takes `conn`, the `group` options are added to the command
    and `conn` is built from them (`source` fixes the source for groups without --source); if it takes
    `settings`, the rule options are added and `settings` built from them; if it takes `runtime`, it gets
    the run's settings. `fn` returns the exit code."""

    def decorate(fn: Callable[..., int]) -> Callable[..., None]:
        wanted = inspect.signature(fn).parameters
        connection = list(group) if "conn" in wanted else []
        rules = list(RULE_SETTINGS) if "settings" in wanted else []

        @functools.wraps(fn)
        def wrapper(ctx: typer.Context, **kwargs: Any) -> None:
            runtime = runtime_of(ctx)
            if connection:
                given = {p.name: kwargs.pop(p.name) for p in connection}
                kwargs["conn"] = _connection(runtime, given, want_bonding, source)
            if rules:
                chosen = {p.name: kwargs.pop(p.name) for p in rules}
                kwargs["settings"] = guarded(runtime, lambda: _rule_settings(chosen))
            if "runtime" in wanted:
                kwargs["runtime"] = runtime
            raise typer.Exit(guarded(runtime, lambda: fn(**kwargs)))

        own = _resolved(fn)
        arguments = [p for p in own if p.default is inspect.Parameter.empty]
        rest = [p for p in own if p.default is not inspect.Parameter.empty]
        parameters = [_CONTEXT, *arguments, *connection, *rest, *rules]
        del wrapper.__wrapped__  # typer must see the new signature, not fn's
        wrapper.__signature__ = inspect.Signature(parameters, return_annotation=None)  # type: ignore[attr-defined]
        # typer reads the annotations from the signature above; an empty __annotations__ spares it resolving
        # every one again through typing.get_type_hints at each start (about a third of building the commands)
        wrapper.__annotations__ = {}
        return wrapper

    return decorate


def _version_callback(value: bool) -> None:
    if value:
        sys.stdout.write(f"talosbond {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version and exit."),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and which source is used.")] = False,
    call_timeout: Annotated[
        float,
        typer.Option(
            "--call-timeout",
            metavar="SECONDS",
            envvar="TALOSBOND_CALL_TIMEOUT",
            help="How long to wait for each talosctl call or Talos API request before giving up on a node.",
        ),
    ] = 30.0,
) -> None:
    """talosbond: NIC bonds for Talos Linux, with selectors that cannot go wrong."""
    if call_timeout <= 0:
        fail("--call-timeout must be more than 0 seconds")
    given = ctx.obj if isinstance(ctx.obj, Runtime) else Runtime()
    debug = debug or given.debug or bool(os.environ.get("TALOSBOND_DEBUG"))
    ctx.obj = replace(given, debug=debug, call_timeout=call_timeout)


# --- reading nodes, shared by the commands ------------------------------------------------------------


def fetch(conn: Connection) -> Discovery:
    """Discover with a progress bar on stderr for fleets read through talosctl or the API (on a terminal)."""
    from talosbond.discovery import discover as run_discover
    from talosbond.output import fleet_progress

    with fleet_progress(None if conn.from_dir else len(conn.nodes)) as progress:
        return run_discover(conn, progress)


def discover_all(conn: Connection) -> tuple[Discovery, list[Ranking]]:
    """Discover; print failed nodes; refuse to go on without every node (a patch must hold for all)."""
    from talosbond.output import print_node_errors
    from talosbond.ranking import rank_node

    found = fetch(conn)
    if found.errors:
        print_node_errors(found.errors)
        raise UsageError(
            f"{len(found.errors)} of {len(found.errors) + len(found.nodes)} node(s) could not be read",
            "a patch must be proven on every target node; fix or leave out the failing ones",
        )
    if not found.nodes:
        raise UsageError("no nodes to work on", "pass -n NODE or --from DIR")
    return found, [rank_node(node) for node in found.nodes]


def optional_nodes(conn: Connection) -> tuple[tuple[Node, ...], tuple[NodeError, ...]]:
    """Nodes for commands where links are optional: (nodes, errors); nothing when no -n/--from was given."""
    if not conn.nodes and conn.from_dir is None:
        return (), ()
    found = fetch(conn)
    return found.nodes, found.errors


def target_version(explicit: str | None, found: tuple[Node, ...]) -> tuple[int, int] | None:
    """--talos-version, else the nodes' own version; None when neither is known (static lint only)."""
    from talosbond.plan import nodes_version, parse_version

    if explicit:
        return parse_version(explicit)
    return nodes_version(found)


def emit(text: str, out: str | None) -> None:
    """YAML for scripts: to FILE (atomically, with a note) when -o was given, else stdout."""
    if out:
        from talosbond.output import print_notes
        from talosbond.sources.capture import write_text_atomic

        write_text_atomic(out, text)
        print_notes([f"wrote {out}"])
    else:
        sys.stdout.write(text)


def read_file(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror or exc}") from None
