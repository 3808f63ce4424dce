"""A plugin host: load every WebAssembly plugin in a folder and run each one on an input.

    python examples/plugins/host.py PLUGINS_DIR [INPUT]

Every plugin is a component of the world `plugin` in `wit/plugin.wit`: it imports the host's
`log(param: string)` and exports `run(param: string) -> string`. For each `*.wasm` file in
PLUGINS_DIR, in name order, this program loads the component with limits fit for code it does not
trust, gives it a `log` that prints `[plugin-name] message`, calls `run(INPUT)` (INPUT defaults to
`world`) and prints `plugin-name: result`.

A plugin that cannot be used (the file is not a component, the component belongs to another world
or was built against another version of the contract, it traps, or it runs past its deadline) is
reported on stderr as `plugin-name: skipped: reason`, on one line, and the other plugins still
run. A plugin whose types differ from the world's is refused before any of its code runs.

Exit status: 0 when at least one plugin ran, 1 when none did (an empty folder included), 2 for a
usage error or when the host bindings cannot be generated.

The host bindings are generated at start, by witgen's command line, into a temporary folder that is
deleted at exit: nothing generated is kept in the repository, and the example always runs against
the witgen it sits beside.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

WIT = Path(__file__).resolve().parents[2] / "wit" / "plugin.wit"
DEADLINE = 1.0  # seconds each call into a plugin may take (loading included)
MEMORY_LIMIT = 64 << 20  # bytes of linear memory a plugin may hold
USAGE = "usage: python examples/plugins/host.py PLUGINS_DIR [INPUT]"


def generate_bindings(out: Path) -> ModuleType:
    """Generate the host bindings of `wit/plugin.wit` into `out` and import them (`plugin`)."""
    done = subprocess.run(
        [sys.executable, "-m", "witgen", str(WIT), "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"host: cannot generate the host bindings:\n{done.stderr.strip()}")
    sys.path.insert(0, str(out))
    return importlib.import_module("plugin")  # the package witgen just wrote: `out/plugin/`


class Log:
    """The host's side of the plugin's imported interface `host`."""

    def __init__(self, name: str) -> None:
        self.name = name

    def log(self, param: str) -> None:
        print(f"[{self.name}] {param}", flush=True)


class Host:
    """What the world imports, for one plugin: imported interfaces are attributes."""

    def __init__(self, name: str) -> None:
        self.host = Log(name)


def one_line(error: BaseException) -> str:
    """The first line of an error's message (wasmtime's messages can run to many lines)."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def run_plugin(bindings: ModuleType, path: Path, param: str) -> bool:
    """Load and run one plugin; report it and return False when it cannot be used."""
    name = path.stem
    try:
        plugin = bindings.Plugin.load(
            path, Host(name), deadline=DEADLINE, memory_limit=MEMORY_LIMIT
        )
        result = plugin.run(param)
    except bindings.DeadlineExceeded:
        # Checked before WasmTrap, of which it is a kind: the plugin ran out of time.
        reason = f"did not finish within the {DEADLINE:g} s deadline"
    except bindings.WasmTrap as trap:
        reason = f"trapped: {one_line(trap)}"
    except bindings.ComponentError as error:
        # Not a component, or not one of this world: no `run` export, `run` of other types,
        # imports this host does not provide, or something wasmtime cannot compile.
        reason = f"cannot load: {one_line(error)}"
    except Exception as error:  # noqa: BLE001 - any other failure skips this plugin only
        reason = f"failed: {type(error).__name__}: {one_line(error)}"
    else:
        print(f"{name}: {result}", flush=True)
        return True
    print(f"{name}: skipped: {reason}", file=sys.stderr, flush=True)
    return False


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2 or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr)
        return 2
    folder = Path(argv[0])
    param = argv[1] if len(argv) == 2 else "world"
    if not folder.is_dir():
        print(f"host: {folder}: not a folder\n{USAGE}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="plugin-host-") as out:
        bindings = generate_bindings(Path(out))
        ran = 0
        for path in sorted(folder.glob("*.wasm")):
            ran += run_plugin(bindings, path, param)
    return 0 if ran else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
