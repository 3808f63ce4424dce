"""The command line's words: usage lines and help texts (`witgen.cli` builds its parsers with them).

Kept apart from the parsing and dispatch in `witgen.cli` so that each reads on its own; only
string constants, no imports, so loading this costs nothing at start-up.
"""

from __future__ import annotations

MAIN_USAGE = (
    "witgen PATH -o OUT [--world NAME] [--guest] [--check] [--features LIST | --all-features]"
)
BUILD_USAGE = (
    "witgen build PATH MODULE.py -o PLUGIN.wasm [--world NAME] [--stub-wasi] [--no-precompile]"
    " [--features LIST | --all-features]"
)
CACHE_USAGE = "witgen cache {info,clear} [FOLDER]"

USAGE = f"""\
{MAIN_USAGE}
       witgen [--check]              (every entry of [tool.witgen] in pyproject.toml)
       {BUILD_USAGE}
       {CACHE_USAGE}
       witgen json PATH [--features LIST | --all-features]
       witgen check PATH [--features LIST | --all-features]
       witgen wit PATH [-o DIR] [--features LIST | --all-features]
       witgen --help | --version"""

DESCRIPTION = """\
witgen reads WIT, the interface language of the WebAssembly Component Model, and generates typed
Python host bindings for wasmtime from it. PATH is a .wit file or a package directory (its deps/
folder holds the packages it depends on), or a .wasm component, whose interface witgen reads."""

EXIT_STATUS_HELP = (
    "exit status: 0 ok, 1 bad input (message on stderr), 2 usage error, 70 internal error,"
    " 130 interrupted"
)

EPILOG = f"""\
A command name counts only as the first argument: `witgen check` is the command, `witgen ./check`
names a path. `witgen COMMAND --help` describes a command's options.

`witgen PATH -o OUT [--world NAME]` writes the Python package OUT/<world>/ (the world's name in
snake_case) with wasmtime host bindings for the world; --world may be left out when the root
package has one world. With --guest it writes OUT/<world>_guest/ instead: the classes a plugin
written in Python subclasses, and the functions it calls the host with.

`witgen build PATH MODULE.py -o PLUGIN.wasm` turns such a plugin module into a component with
componentize-py (`pip install 'witgen[guest]'`).

Every form takes `--message-format json`: errors and warnings on stderr as one JSON object per line
(severity, message, file, line, column, rendered). Messages are coloured on a terminal unless
NO_COLOR is set (FORCE_COLOR forces colour).

{EXIT_STATUS_HELP}"""

CHECK_HELP = (
    "write nothing; exit 0 when the files on disk are what generation would write, 1 (with what"
    " differs) when they are not"
)
FEATURE_HELP = "enable these @unstable features (comma-separated; may be repeated)"
MESSAGE_FORMAT_HELP = (
    "how errors and warnings are printed on stderr: human (the default; coloured on a terminal"
    " unless NO_COLOR is set) or json (one JSON object per line)"
)
ALL_FEATURES_HELP = "enable every @unstable feature"
OUT_HELP = "the folder to write the package into"
MAIN_FORM_OPTIONS = (
    "options of `witgen PATH -o OUT` (`witgen [--check]` takes --check and --message-format)"
)
WORLD_HELP = "`name` or `ns:pkg/name[@version]` (default: the root package's only world)"
GUEST_HELP = "write a plugin author's guest wrappers, OUT/<world>_guest/, instead of host bindings"
STUB_WASI_HELP = (
    "build a component that imports no WASI at all (componentize-py's --stub-wasi), for a plugin"
    " that needs nothing but the host's imports: any WASI call it makes (print(), time.time(),"
    " an import during a call) traps, and `random`'s seed is fixed at build time"
)
NO_PRECOMPILE_HELP = (
    "do not compile the component into load()'s compiled-component cache after the build (the"
    " first load() then compiles it)"
)
CACHE_FOLDER_HELP = (
    "the cache folder (default: the one load() uses by default, under $XDG_CACHE_HOME or"
    " ~/.cache)"
)
WIT_OUT_HELP = (
    "write one file per package instead, as `wasm-tools component wit --out-dir` does:"
    " DIR/NAME.wit and the others in DIR/deps/"
)
