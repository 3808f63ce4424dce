"""The command line: argument parsing, dispatch to the front end, the one place errors are printed.

In: `argv` (a list of strings). Out: an exit status, with results on stdout and messages on stderr.
Forms: `witgen PATH -o OUT [--world NAME]` writes wasmtime host bindings for a world (the package
`OUT/<world>/`); `witgen json PATH` and `witgen check PATH` run the front end only. Every form takes
`--features LIST` or `--all-features`, and `--message-format json` (errors and warnings as JSON
lines, see `witgen.diagnostics`). A command name is recognized only as the first argument, and any
other first argument starts the main form (`witgen ./check` and `witgen -- check` name a path).

Exit statuses: 0 success, 1 bad input (the message is printed as `error: ...`), 2 usage errors
(argparse's convention), 70 an internal error (a bug in witgen), 130 interrupted.

Start-up time matters (`witgen check` on a small file should cost about as much as starting the
`wasm-tools` launcher), so this module imports only the standard library pieces it needs; the front
end (`witgen.resolve` and the parser tables) is imported inside the command handlers, and the code
generator (jinja2, black) only by the main form's handler.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from witgen import __version__
from witgen.cli_help import (
    ALL_FEATURES_HELP,
    BUILD_USAGE,
    CACHE_FOLDER_HELP,
    CACHE_USAGE,
    CHECK_HELP,
    DESCRIPTION,
    EPILOG,
    EXIT_STATUS_HELP,
    FEATURE_HELP,
    GUEST_HELP,
    MAIN_FORM_OPTIONS,
    MAIN_USAGE,
    MESSAGE_FORMAT_HELP,
    NO_PRECOMPILE_HELP,
    OUT_HELP,
    STUB_WASI_HELP,
    USAGE,
    WIT_OUT_HELP,
    WORLD_HELP,
)
from witgen.diagnostics import FORMATS, Reporter
from witgen.errors import Diagnostic, WitError

if TYPE_CHECKING:
    from witgen.config import Entry
    from witgen.resolve.model import Resolve

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
# sysexits.h EX_SOFTWARE: a bug in witgen is not the user's fault, so it gets its own status.
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130  # the shell's 128 + SIGINT

# Set to re-raise internal errors with their traceback (for witgen's own developers).
DEBUG_ENV = "WITGEN_TRACEBACK"


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that reports usage errors by exception, so `main` can return the status.

    argparse exits the process on a usage error; `main(argv)` is also called in-process (tests,
    embedding), where a `SystemExit` would be rude. Help and `--version` still go through `exit`,
    which `main` turns back into a return value.
    """

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise _UsageError(f"{self.prog}: error: {message}")

    # argparse makes a help formatter in every `add_argument` (to check the metavar) and in
    # `add_subparsers` (for a prog prefix our subcommands do not use), and a formatter asks
    # `shutil` (an import of a few ms) for the terminal's width, which neither reads. Help and
    # usage text still get the real width.
    _width_unused = False

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        self._width_unused = True
        try:
            return super().add_argument(*args, **kwargs)
        finally:
            self._width_unused = False

    def add_subparsers(self, *args: Any, **kwargs: Any) -> Any:
        self._width_unused = True
        try:
            return super().add_subparsers(*args, **kwargs)
        finally:
            self._width_unused = False

    def _get_formatter(self) -> argparse.HelpFormatter:
        if self._width_unused:
            return argparse.HelpFormatter(self.prog, width=80)
        return super()._get_formatter()


class _UsageError(Exception):
    """A command line argparse (or our dispatch) rejected; exit status 2."""


# argparse's parsers and argument groups (`_ActionsContainer` is what typeshed calls both).
_Options = argparse._ActionsContainer


def _add_feature_args(parser: _Options) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--features", action="append", default=[], metavar="LIST", help=FEATURE_HELP)
    group.add_argument("--all-features", action="store_true", help=ALL_FEATURES_HELP)
    _add_message_format_arg(parser)


def _add_message_format_arg(parser: _Options) -> None:
    # `main` takes `--message-format FMT` out of the arguments before parsing (every form has it);
    # declared here for `--help`, and for argparse's abbreviations (`--message json`).
    parser.add_argument("--message-format", choices=FORMATS, help=MESSAGE_FORMAT_HELP)


def _add_main_form_args(group: _Options, *, required: bool) -> None:
    """The options of `witgen PATH -o OUT ...`: for its own parser, and (not `required`) for the
    listing in `witgen --help`, where users look for them."""
    group.add_argument("-o", "--out", metavar="OUT", required=required, help=OUT_HELP)
    group.add_argument("--world", metavar="NAME", help=f"the world to bind, {WORLD_HELP}")
    group.add_argument("--guest", action="store_true", help=GUEST_HELP)
    group.add_argument("--check", action="store_true", help=CHECK_HELP)
    _add_feature_args(group)


def _add_path_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path", metavar="PATH", help="a .wit file, a WIT package directory or a .wasm component"
    )


def _build_parser() -> _Parser:
    """The parser for `witgen --help`, `--version` and the commands (first argument a command)."""
    formatter = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog="witgen",
        usage=USAGE,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"witgen {__version__}")
    # Listed only: `_parse` gives the main form's arguments to its own parser. SUPPRESS keeps
    # these out of the namespace a command's arguments are parsed into.
    _add_main_form_args(
        parser.add_argument_group(MAIN_FORM_OPTIONS, argument_default=argparse.SUPPRESS),
        required=False,
    )
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", title="commands", parser_class=_Parser
    )
    for name, (_, about, usage) in COMMANDS.items():
        sub = commands.add_parser(
            name,
            prog=f"witgen {name}",
            help=about,
            description=about,
            usage=usage,
            epilog=EXIT_STATUS_HELP,
            formatter_class=formatter,
        )
        if name == "cache":
            sub.add_argument(
                "action",
                choices=("info", "clear"),
                metavar="{info,clear}",
                help="show or empty the cache",
            )
            sub.add_argument("path", metavar="FOLDER", nargs="?", help=CACHE_FOLDER_HELP)
            _add_message_format_arg(sub)
            continue
        _add_path_arg(sub)
        if name == "build":
            sub.add_argument("module", metavar="MODULE.py", help="the plugin module")
            sub.add_argument(
                "-o", "--out", metavar="PLUGIN.wasm", required=True, help="the component to write"
            )
            sub.add_argument(
                "--world", metavar="NAME", help=f"the world the plugin implements, {WORLD_HELP}"
            )
            sub.add_argument("--stub-wasi", action="store_true", help=STUB_WASI_HELP)
            sub.add_argument(
                "--no-precompile", dest="precompile", action="store_false", help=NO_PRECOMPILE_HELP
            )
        if name == "wit":
            sub.add_argument("-o", "--out", metavar="DIR", help=WIT_OUT_HELP)
        _add_feature_args(sub)
    return parser


def _build_main_form_parser() -> _Parser:
    """The parser of the main form, `witgen PATH -o OUT [--world NAME]`."""
    parser = _Parser(
        prog="witgen",
        usage=MAIN_USAGE,
        description="Generate wasmtime host bindings for a world: the Python package OUT/<world>/.",
        epilog=EXIT_STATUS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,  # the epilog's line as written
    )
    _add_path_arg(parser)
    _add_main_form_args(parser, required=True)
    return parser


def _features(raw: list[str]) -> list[str]:
    """`--features a,b --features c` as `["a", "b", "c"]`, in order, without empty names."""
    return [name.strip() for item in raw for name in item.split(",") if name.strip()]


def _load(args: argparse.Namespace) -> Resolve:
    # Imported here, not at the top: it brings in the front end, which `--help` never needs.
    from witgen.resolve.loader import load

    features = _features(args.features)
    if _KEPT is not None:
        # A process that ends with `os._exit` (see `_KEPT`) once the model is printed: the
        # front end builds no cycles, and each stage that pauses the collector would otherwise
        # end in a full scan of everything it built (~5% of `witgen json` on a 1 MiB package).
        gc.disable()
    return load(args.path, features=features, all_features=args.all_features, retain=_KEPT)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def summary(resolve: Resolve) -> str:
    """The one line `witgen check` prints, e.g. `ok: 1 package, 2 worlds, 3 interfaces`.

    Counts are over the whole `Resolve`: dependencies' packages and anonymous (inline) interfaces
    included, as `witgen json` lists them.
    """
    parts = (
        _plural(len(resolve.packages), "package"),
        _plural(len(resolve.worlds), "world"),
        _plural(len(resolve.interfaces), "interface"),
    )
    return "ok: " + ", ".join(parts)


def _write_stdout(text: str) -> None:
    """Write `text` as UTF-8 whatever the locale (`witgen json` must match wasm-tools' bytes)."""
    out = sys.stdout
    buffer = getattr(out, "buffer", None)
    if buffer is None:  # a replaced stream without a byte layer (some embedders)
        out.write(text)
        out.flush()
        return
    out.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def _cmd_json(args: argparse.Namespace) -> int:
    from witgen.resolve.jsonout import to_json

    resolve = _load(args)
    _keep_until_exit(resolve)
    # Printed unchanged: wasm-tools prints no trailing newline either.
    _write_stdout(to_json(resolve, retain=_KEPT))
    return EXIT_OK


# When witgen runs as its own process (`entry`) and a front-end command (`json`, `check`) has
# succeeded, the process ends with `os._exit` once its output is flushed: freeing a large model
# object by object, then the interpreter's own teardown, is pointless work at exit (about 80 ms
# of `witgen json` on a 1 MiB package). These commands hand what they built to
# `_keep_until_exit`, and the loader and JSON writer their intermediate results to `_KEPT`, so
# that none is freed on the way either. Other commands (which may
# start processes or hold native resources) exit normally, and in-process callers of `main()`
# keep nothing.
_KEPT: list[object] | None = None


def _keep_until_exit(value: object) -> None:
    if _KEPT is not None:
        _KEPT.append(value)


def _cmd_generate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from witgen.config import Entry

    entry = Entry(
        wit=Path(args.path),
        out=Path(args.out),
        world=args.world,
        kind="guest" if args.guest else "host",
        features=tuple(_features(args.features)),
        all_features=args.all_features,
    )
    return _run_entries([entry], check=args.check, reporter=args.reporter)


def _cmd_configured(args: argparse.Namespace) -> int:
    """`witgen` / `witgen --check` with no PATH: every entry of `[tool.witgen]`."""
    from pathlib import Path

    from witgen.config import find_pyproject, load_entries

    pyproject = find_pyproject(Path.cwd())
    entries = load_entries(pyproject) if pyproject is not None else []
    if not entries:
        where = f"{pyproject} has no [tool.witgen]" if pyproject else "no pyproject.toml here"
        raise _UsageError(
            f"usage: {USAGE}\nwitgen: error: nothing to do: {where} (see `witgen --help`)"
        )
    return _run_entries(entries, check=args.check, reporter=args.reporter)


def _warner(reporter: Reporter, wit: str) -> Callable[[str], None]:
    """Reports a generation warning about the WIT file `wit`."""
    return lambda message: reporter.warning(message, file=wit)


def _run_entries(entries: list[Entry], *, check: bool, reporter: Reporter) -> int:
    """Generate (or check) each entry; with `check`, exit 1 when any is out of date."""
    # Imported here: jinja2 and black are for generating only, never for `check` or `json`.
    from witgen.generate import run

    stale = 0
    for entry in entries:
        changes = run(entry, check=check, warn=_warner(reporter, str(entry.wit)))
        if not check:
            _write_stdout(changes.summary() + "\n")
        elif changes.up_to_date:
            _write_stdout(changes.differences() + "\n")
        else:
            stale += 1
            if reporter.json:  # one error per package; the closing sentence is for people
                reporter.emit(Diagnostic("error", changes.differences(), str(changes.target)))
            else:
                print(changes.differences(), file=sys.stderr)
    if stale:
        if not reporter.json:
            print(
                f"witgen --check: {_plural(stale, 'package')} out of date; run witgen again"
                " without --check to regenerate",
                file=sys.stderr,
            )
        return EXIT_BAD_INPUT
    return EXIT_OK


def _on_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):  # a replaced or closed stream
        return False


def _cmd_build(args: argparse.Namespace) -> int:
    """Build the plugin, then (unless --no-precompile) compile it into load()'s cache.

    A person at a terminal (stderr a tty, human messages) is told on stderr what is under way and
    sees how long each step took; otherwise (CI logs, pipes, --message-format json) the output is
    the result lines alone, the same on every run."""
    from pathlib import Path

    from witgen.build.componentize import build_plugin, precompile
    from witgen.config import Entry
    from witgen.generate import load_world

    features = _features(args.features)
    entry = Entry(
        wit=Path(args.path),
        out=Path(args.out),
        world=args.world,
        kind="guest",
        features=tuple(features),
        all_features=args.all_features,
    )
    resolve, world = load_world(entry)
    reporter: Reporter = args.reporter
    interactive = not reporter.json and _on_terminal(sys.stderr)

    def say(text: str) -> None:
        if interactive:
            print(text, file=sys.stderr, flush=True)

    result = build_plugin(
        resolve,
        world,
        Path(args.path),
        Path(args.module),
        Path(args.out),
        features=features,
        all_features=args.all_features,
        stub_wasi=args.stub_wasi,
        started=lambda: say(
            f"building {args.out} from {args.module} with componentize-py (this takes a while,"
            " typically 5-30 s) ..."
        ),
    )
    took = f" in {result.seconds:.1f} s" if interactive else ""
    _write_stdout(f"built {args.out} ({result.size / 1e6:.1f} MB){took}\n")
    if args.precompile:
        say(f"compiling {args.out} for load() (another 5-20 s; --no-precompile skips this) ...")
        done = precompile(result.output)
        for problem in done.problems:
            reporter.warning(problem, file=args.out)
        if done.entry is not None:
            if not done.compiled:
                _write_stdout(f"{args.out} is already compiled for load() in {done.entry.parent}\n")
            else:
                took = f" in {done.seconds:.1f} s" if interactive else ""
                _write_stdout(f"compiled {args.out} for load(){took}, into {done.entry.parent}\n")
    return EXIT_OK


def _size(count: float) -> str:
    """Bytes as `512 B`, `12.0 KiB`, `33.6 MiB`, `1.0 GiB`."""
    if count < 1024:
        return f"{int(count)} B"
    for unit in ("KiB", "MiB", "GiB"):
        count /= 1024
        if count < 1024 or unit == "GiB":
            break
    return f"{count:.1f} {unit}"


def _cmd_cache(args: argparse.Namespace) -> int:
    """`witgen cache info|clear [FOLDER]`: what load()'s compiled-component cache holds, or empty
    it (only the files the cache makes are counted or removed)."""
    import warnings
    from pathlib import Path

    from witgen.runtime.host import cache as rt

    reporter: Reporter = args.reporter
    try:
        folder = Path(args.path) if args.path is not None else rt.default_cache_dir()
    except (RuntimeError, KeyError) as err:  # no home folder to be found
        raise WitError(f"no folder for the compiled-component cache ({err})") from None
    if folder.exists() and not folder.is_dir():
        raise WitError(f"{folder}: not a folder", path=str(folder))
    if args.action == "clear":
        removed = rt.clear_cache(folder)
        left = rt.cache_contents(folder).files()
        small = len(removed.files()) - len(removed.entries)
        if not removed.files():
            _write_stdout(f"{folder}: nothing to remove\n")
        else:
            _write_stdout(
                f"removed {_plural(len(removed.entries), 'compiled component')} and"
                f" {_plural(small, 'other file')} ({_size(removed.total)}) from {folder}\n"
            )
        if left:
            raise WitError(f"{folder}: {_plural(len(left), 'file')} could not be removed")
        return EXIT_OK
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cap = rt.cache_max_bytes()
    for warning in caught:
        reporter.warning(str(warning.message))
    contents = rt.cache_contents(folder)
    setting = os.environ.get(rt.CACHE_MAX_ENV, "").strip()
    if setting and not caught:
        why = f"{rt.CACHE_MAX_ENV}={setting}"
    else:
        why = f"the default; {rt.CACHE_MAX_ENV} sets another"
    others = contents.files()[len(contents.entries) :]
    lines = [
        f"folder:  {folder}" + ("" if folder.is_dir() else " (not made yet)"),
        f"entries: {_plural(len(contents.entries), 'compiled component')},"
        f" {_size(contents.entry_bytes)}",
        f"other:   {_plural(len(others), 'small file')} (contract verdicts, file digests),"
        f" {_size(sum(f.size for f in others))}",
        f"total:   {_size(contents.total)}",
        f"cap:     {'none' if cap is None else _size(cap)} ({why})",
    ]
    _write_stdout("\n".join(lines) + "\n")
    if folder.is_dir():
        problem = rt._unsafe_folder(folder)
        if problem is not None:
            reporter.warning(f"load() does not use this folder: {problem}", file=str(folder))
    return EXIT_OK


def _cmd_wit(args: argparse.Namespace) -> int:
    from witgen.wit_text import run

    run(args.path, args.out, _write_stdout, _features(args.features), args.all_features)
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    resolve = _load(args)
    _keep_until_exit(resolve)
    _write_stdout(summary(resolve) + "\n")
    return EXIT_OK


Handler = Callable[[argparse.Namespace], int]

# name -> (handler, one-line summary, usage); the order is the order `--help` lists them in.
COMMANDS: dict[str, tuple[Handler, str, str]] = {
    "json": (
        _cmd_json,
        "print the resolved package as JSON, exactly as `wasm-tools component wit --json` does",
        "witgen json PATH [--features LIST | --all-features]",
    ),
    "build": (
        _cmd_build,
        "build a plugin module written with the guest wrappers into a component (componentize-py)",
        BUILD_USAGE,
    ),
    "check": (
        _cmd_check,
        "resolve PATH and print a one-line summary, or the first error",
        "witgen check PATH [--features LIST | --all-features]",
    ),
    "cache": (
        _cmd_cache,
        "show (info) or empty (clear) load()'s compiled-component cache",
        CACHE_USAGE,
    ),
    "wit": (
        _cmd_wit,
        "print PATH as WIT text (a component's interface too), exactly as `wasm-tools component"
        " wit` does",
        "witgen wit PATH [-o DIR] [--features LIST | --all-features]",
    ),
}


def _parse_main_form(argv: list[str]) -> tuple[Handler, argparse.Namespace]:
    """`witgen PATH -o OUT ...`: host bindings (a mistyped command name is reported as such)."""
    first = argv[0]
    # A bare word that is no file is most likely a mistyped command; `./x` or `x.wit` is a path.
    if first.replace("-", "").isalpha() and not os.path.exists(first):
        import difflib  # only on this error path

        close = difflib.get_close_matches(first, COMMANDS, n=1)
        if close:
            raise _UsageError(
                f"witgen: error: unknown command '{first}' (did you mean '{close[0]}'?)"
            )
    return _cmd_generate, _build_main_form_parser().parse_args(argv)


def _take_message_format(argv: list[str]) -> tuple[str | None, list[str]]:
    """`--message-format FMT` (or `=FMT`) taken out of `argv`, wherever it is before a `--`.

    Every form takes the option, the configured one (`witgen --message-format json --check`) too,
    and it must be known before parsing, for the errors parsing leads to.
    """
    fmt: str | None = None
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest += argv[i:]
            break
        if arg == "--message-format" or arg.startswith("--message-format="):
            if "=" in arg:
                value = arg.partition("=")[2]
            elif i + 1 < len(argv):
                i += 1
                value = argv[i]
            else:
                raise _UsageError(
                    f"usage: {USAGE}\nwitgen: error: argument --message-format: expected one"
                    " argument"
                )
            if value not in FORMATS:
                choices = ", ".join(repr(f) for f in FORMATS)
                raise _UsageError(
                    f"usage: {USAGE}\nwitgen: error: argument --message-format: invalid choice:"
                    f" {value!r} (choose from {choices})"
                )
            fmt = value
        else:
            rest.append(arg)
        i += 1
    return fmt, rest


def _parse(argv: list[str]) -> tuple[Handler, argparse.Namespace]:
    """The handler and arguments for `argv`; a command name counts only as the first argument."""
    if argv in ([], ["--check"]):
        return _cmd_configured, argparse.Namespace(check=bool(argv), path="pyproject.toml")
    if argv and argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version"):
        return _parse_main_form(argv)
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.error("a command is required (see `witgen --help`)")
    return COMMANDS[args.command][0], args


def _silence_stdout() -> None:
    """After EPIPE, point stdout at /dev/null so the interpreter's final flush stays quiet too."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # stdout is not a real file (an in-process caller's stream): nothing will flush it


def main(argv: Sequence[str] | None = None) -> int:
    """Run witgen with `argv` (default: `sys.argv[1:]`) and return the exit status.

    Never raises, unless `WITGEN_TRACEBACK` is set and witgen itself has a bug.
    """
    target = "the input"  # named in the last-resort messages below, once the path is known
    where: str | None = None  # the same, as the `file` of `--message-format json`
    reporter = Reporter()
    try:
        try:
            fmt, rest = _take_message_format(list(sys.argv[1:] if argv is None else argv))
            reporter = Reporter(fmt or "human")
            handler, args = _parse(rest)
            if getattr(args, "message_format", None):  # an abbreviation argparse expanded
                reporter = Reporter(args.message_format)
            args.reporter = reporter
            target = where = args.path
            return handler(args)
        finally:
            sys.stdout.flush()  # inside the try, so a closed pipe is reported here, not at exit
    except WitError as err:
        reporter.error(err)
        return EXIT_BAD_INPUT
    except SystemExit as done:  # argparse after `--help` / `--version`
        return done.code if isinstance(done.code, int) else EXIT_OK
    except _UsageError as err:
        print(err, file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`witgen json x.wit | head`): not an error worth a message.
        _silence_stdout()
        return EXIT_BAD_INPUT
    # The loader reports every bad input as a WitError; these are the last line of defence, so that
    # no input ever ends in a traceback.
    except RecursionError:
        reporter.error_message(
            f"{target}: the input is nested too deeply for witgen to process", where
        )
        return EXIT_BAD_INPUT
    except MemoryError:
        reporter.error_message(f"{target}: out of memory while processing the input", where)
        return EXIT_BAD_INPUT
    except UnicodeError as err:
        reason = "input was not valid utf-8" if isinstance(err, UnicodeDecodeError) else "bad text"
        reporter.error_message(f"{target}: {reason} ({err})", where)
        return EXIT_BAD_INPUT
    except OSError as err:
        name = err.filename if err.filename is not None else target
        file = str(err.filename) if err.filename is not None else where
        reporter.error_message(f"{name}: {err.strerror or err}", file)
        return EXIT_BAD_INPUT
    except Exception as err:  # a bug in witgen, not in the input
        if os.environ.get(DEBUG_ENV):
            raise
        reporter.error_message(
            f"internal error in witgen: {type(err).__name__}: {err}\n"
            f"This is a bug in witgen; set {DEBUG_ENV}=1 to see the traceback."
        )
        return EXIT_INTERNAL


def entry() -> int:
    """The console script and `python -m witgen`: `main()`, then a quick exit (see `_KEPT`)."""
    global _KEPT
    _KEPT = []
    status = main()
    if not _KEPT:
        return status
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return status  # a stream is closed or broken: leave it to the interpreter's own exit
    os._exit(status)
