"""`witgen build`: a plugin module in, a component out, through componentize-py 0.25.

In: a WIT path, a world, and a Python module written against the world's guest package. Out:
`plugin.wasm`, written atomically (nothing is written when anything fails). Steps:
1. compute the guest package's views (`codegen.guest`) and from them and the world walk the
   `PluginContract`: what the module must implement (`expectations`), the exported interfaces'
   classes and resource modules, componentize-py's import numbering, the world's full name;
2. read the module without running it (`precheck`): a missing export, a wrong number of
   parameters or two implementations of one base stop here, in milliseconds, with file:line:col;
3. write componentize-py's glue into a staging folder, rendered from the contract through
   `templates/guest/componentize_*.py.j2`: the app module `witgen_app` (its
   `WitWorld` and one class per exported interface), one top-level module per exported interface
   with resources (componentize-py imports `tools.Counter`), and `witgen_glue`
   (`runtime/componentize_glue.py`), which converts values both ways through the guest package;
4. run componentize-py's Python API in a child process of the same interpreter (the build takes
   ~400 MB, which the child returns to the system; a Rust panic cannot take witgen down), with only
   the staging folder and the module's folder on the guest's Python path;
5. (`precompile`, unless `--no-precompile`) compile the new component into `load`'s cache, in
   another child process, through the runtime's own cache functions (`witgen.runtime.host.cache.precompile`),
   so the keys are the ones `load` computes and the first `load` of the plugin is a cache hit.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from witgen.build.precheck import Expected, check_plugin
from witgen.codegen.guest import GuestViews
from witgen.codegen.render import render
from witgen.codegen.writer import write_package
from witgen.errors import Diagnostic, WitError
from witgen.resolve import model as m
from witgen.resolve.select_world import world_spec

GLUE_SOURCE = Path(__file__).resolve().parent.parent / "runtime" / "componentize_glue.py"
APP = "witgen_app"
GLUE = "witgen_glue"
CPY_WORLD_MODULE = "wit_world"  # componentize-py's default name for its bindings

BUILD_SCRIPT = """
import json, sys
import componentize_py
a = json.loads(sys.argv[1])
componentize_py.componentize(
    wit_path=[a["wit"]], worlds=[a["world"]], features=a["features"],
    all_features=a["all_features"], world_module=None, python_path=a["path"], module_worlds=[],
    app_name=a["app"], output_path=a["out"], stub_wasi=a["stub_wasi"], import_interface_names=[],
    export_interface_names=[], full_names=False, intersect_world=None,
)
"""


class BuildError(WitError):
    """A plugin that cannot be built; the message says why (file:line:col when it can).

    The pre-check's findings are also kept one by one in `problems`, which `--message-format json`
    prints as one object each.
    """

    def __init__(
        self, message: str, *, path: str | None = None, problems: Sequence[Diagnostic] = ()
    ) -> None:
        super().__init__(message, path=path)
        self.problems = list(problems)

    def diagnostics(self) -> list[Diagnostic]:
        return self.problems or super().diagnostics()


# Run by `precompile` in a child process: `cache.precompile` of the component (argv[1]), with
# the witgen that runs the build first on the path (argv[2]); one JSON object on stdout.
PRECOMPILE_SCRIPT = """
import json, sys, warnings
sys.path.insert(0, sys.argv[2])
from witgen.runtime.host import cache
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        compiled, entry = cache.precompile(sys.argv[1])
        error = None
    except Exception as err:
        compiled, entry, error = False, None, " ".join(str(err).split())
print(json.dumps({"compiled": compiled, "entry": entry and str(entry), "error": error,
                  "warnings": [str(w.message) for w in caught]}))
"""


@dataclass
class BuildResult:
    output: Path
    size: int
    seconds: float


@dataclass
class Precompiled:
    """What `precompile` did: `entry` is the cache entry that holds the compiled component (None
    when it could not be made: `problems` says why), `compiled` False when the cache had it."""

    entry: Path | None
    compiled: bool
    seconds: float
    problems: list[str]


@dataclass(frozen=True)
class ExportedModule:
    """An exported interface's module in the guest package and its base class there."""

    name: str  # `tools`: `exports/tools.py`, and the top-level module of its resources
    class_name: str  # `Tools`: `exports.Tools` in the guest package, and in componentize-py's
    resources: list[str]  # its resource classes, which componentize-py looks up as `tools.R`


@dataclass(frozen=True)
class PluginContract:
    """What the build needs to know of a world, from the guest views and the world walk: what
    the plugin module must implement (`expected`, for the pre-check), the exported interfaces'
    classes and resource modules (for componentize-py's glue), where componentize-py numbers
    each imported function (`import_indexes`), and the world's qualified name."""

    package: str  # the guest package: `plugin_guest`
    world: str  # `ns:pkg/world@version`, as componentize-py selects it
    expected: list[Expected]
    exported: list[ExportedModule]
    import_indexes: dict[tuple[str, str], int]

    @property
    def resource_modules(self) -> list[ExportedModule]:
        """The exported modules with resources: each also a top-level module of the build."""
        return [mod for mod in self.exported if mod.resources]


def plugin_contract(gv: GuestViews, resolve: m.Resolve, world_id: m.WorldId) -> PluginContract:
    exported = [
        ExportedModule(
            mod.name, mod.class_name, [r.py_name for r in mod.interface.export_resources]
        )
        for mod in gv.world.exported
    ]
    return PluginContract(
        gv.package, world_spec(resolve, world_id), expectations(gv), exported, import_indexes(gv)
    )


def expectations(gv: GuestViews) -> list[Expected]:
    """What the plugin module must implement: the world's base class, one class per exported
    interface, one per exported resource."""
    pkg = gv.package
    w = gv.views.world
    out = [
        Expected(
            w.class_name,
            pkg,
            f"world `{w.wit_name}`",
            {f.py_name: len(f.params) for f in w.export_funcs},
            exports={f.py_name: f.wit_name for f in w.export_funcs},
        )
    ]
    for mod in gv.world.exported:
        i = mod.interface
        what = f"interface `{i.instance_name}`"
        out.append(
            Expected(
                mod.class_name,
                f"{pkg}.exports",
                what,
                {f.py_name: len(f.params) for f in i.export_funcs},
                exports={f.py_name: f.wit_name for f in i.export_funcs},
                aliases=(f"{pkg}.{mod.dotted}.Exports",),
            )
        )
        for r in i.export_resources:
            methods = {mb.py_name: len(mb.py_params) for mb in r.methods}
            if r.constructor is not None:
                methods["__init__"] = len(r.constructor.py_params)
            out.append(
                Expected(
                    r.py_name,
                    f"{pkg}.{mod.dotted}",
                    f"resource `{r.wit_name}` of {what}",
                    methods,
                    {mb.py_name: len(mb.py_params) for mb in r.statics},
                    {mb.py_name: mb.func.wit_name for mb in r.members},
                )
            )
    return out


def import_indexes(gv: GuestViews) -> dict[tuple[str, str], int]:
    """Where componentize-py 0.25.1 numbers each imported function, for `call_import`: the
    functions of the imported interfaces, interface by interface in the world's order, then the
    world's own functions (measured on a world with both, see tests/e2e/test_build.py)."""
    world = gv.walk.world
    modules = {mod.interface.instance_name: mod.dotted for mod in gv.modules}
    out: dict[tuple[str, str], int] = {}
    funcs: list[m.Function] = []
    for item in world.imports.values():
        if isinstance(item, m.WorldInterface):
            use = next(u for u in gv.walk.interfaces if u.id == item.id)
            for func in use.interface.functions.values():
                out[(modules[use.instance_name], func.name)] = len(out)
        elif isinstance(item, m.WorldFunction):
            funcs.append(item.func)
    for func in funcs:
        out[("", func.name)] = len(out)
    return out


def _glue_files(contract: PluginContract, plugin: str) -> dict[str, str]:
    """componentize-py's glue, rendered from `templates/guest/componentize_*.py.j2`: the app module, and one
    top-level module per exported interface with resources."""
    files = {
        f"{APP}.py": render(
            "guest/componentize_app.py.j2",
            c=contract,
            plugin=plugin,
            world_module=CPY_WORLD_MODULE,
            glue=GLUE,
        )
    }
    for mod in contract.resource_modules:
        files[f"{mod.name}.py"] = render("guest/componentize_resources.py.j2", mod=mod, app=APP)
    return files


def _check_module_name(module: Path, contract: PluginContract) -> str:
    name = module.stem
    if module.suffix != ".py" or not name.isidentifier():
        raise BuildError(
            f"{module}: a plugin module is a `.py` file named like a Python module",
            path=str(module),
        )
    taken = {CPY_WORLD_MODULE, APP, GLUE, contract.package, "componentize_py_types"}
    # componentize-py's own modules: the guest's built-in one would shadow the plugin.
    taken |= {"componentize_py_runtime", "componentize_py_async_support"}
    taken |= {mod.name for mod in contract.resource_modules}
    if name in taken:
        raise BuildError(
            f"{module}: a plugin module cannot be named `{name}`, a name the build uses"
            " (rename the file)",
            path=str(module),
        )
    if name in sys.stdlib_module_names:
        raise BuildError(
            f"{module}: a plugin module cannot be named `{name}`, like a module of Python's"
            " standard library, which would be imported instead (rename the file)",
            path=str(module),
        )
    return name


def build_plugin(
    resolve: m.Resolve,
    world_id: m.WorldId,
    wit_path: Path,
    module: Path,
    output: Path,
    *,
    features: list[str],
    all_features: bool,
    stub_wasi: bool = False,
    started: Callable[[], None] | None = None,
) -> BuildResult:
    """Build `module` into the component `output`. `stub_wasi`: the component imports no WASI
    (componentize-py's `stub_wasi`: its WASI calls do nothing or fail inside it). `started` is
    called once the checks have passed, just before the slow part."""
    gv = GuestViews(resolve, world_id)
    contract = plugin_contract(gv, resolve, world_id)
    name = _check_module_name(module, contract)
    try:
        source = module.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise BuildError(
            f"{module}: cannot read the plugin module ({err})", path=str(module)
        ) from None
    problems = check_plugin(source, str(module), contract.expected)
    if problems:
        located = [
            Diagnostic(
                "error",
                p.message,
                str(module),
                p.line,
                p.col,
                f"{module}:{p.line}:{p.col}: {p.message}",
            )
            for p in problems
        ]
        raise BuildError(
            "\n".join(str(d.text) for d in located)
            + f"\nnot built: {len(problems)} problem(s) in the plugin module",
            path=str(module),
            problems=located,
        )
    _check_output_folder(output, module)
    if importlib.util.find_spec("componentize_py") is None:
        raise BuildError(
            "componentize-py is not installed in this Python environment; install it with"
            " `pip install 'witgen[guest]'`"
        )
    package = gv.generate()
    output = output.resolve()
    stage = Path(tempfile.mkdtemp(prefix="witgen-build-"))
    try:
        src = stage / "src"
        src.mkdir()
        write_package(package, src)
        shutil.copyfile(GLUE_SOURCE, src / f"{GLUE}.py")
        for filename, text in _glue_files(contract, name).items():
            (src / filename).write_text(text, encoding="utf-8")
        built = stage / "plugin.wasm"
        args = {
            "wit": str(wit_path),
            # fully qualified, version included: componentize-py selects worlds as witgen does,
            # and a bare `ns:pkg/w` is ambiguous when two versions of the package are present
            "world": contract.world,
            "features": features,
            "all_features": all_features,
            "path": [str(src), str(module.resolve().parent)],
            "app": APP,
            "out": str(built),
            "stub_wasi": stub_wasi,
        }
        if started is not None:
            started()
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", BUILD_SCRIPT, json.dumps(args)],
            capture_output=True,
            text=True,
            env={**os.environ, "RUST_BACKTRACE": "0"},
            check=False,
        )
        seconds = time.perf_counter() - start
        if done.returncode != 0 or not built.is_file():
            raise BuildError(
                _componentize_failure(done.stdout + done.stderr, module), path=str(module)
            )
        output.parent.mkdir(parents=True, exist_ok=True)  # only now: nothing written on failure
        partial = output.with_name(f".{output.name}.{os.getpid()}.tmp")
        try:
            shutil.copyfile(built, partial)
            os.replace(partial, output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return BuildResult(output, output.stat().st_size, seconds)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def precompile(component: Path) -> Precompiled:
    """Compile `component` into `load`'s compiled-component cache (the default folder, for the
    engine `load` uses by default), in a child process of this interpreter: the compile takes
    seconds and hundreds of MB, and Ctrl-C must stop it at once (a call into wasmtime would hold
    it up in this process). A failure is reported in `problems`: the component is built anyway."""
    import witgen

    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PRECOMPILE_SCRIPT,
            str(component),
            str(Path(witgen.__file__).resolve().parent.parent),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "RUST_BACKTRACE": "0"},
        check=False,
    )
    seconds = time.perf_counter() - start
    try:
        answer = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        lines = [ln for ln in done.stderr.strip().splitlines() if ln.strip()]
        why = lines[-1].strip() if lines else f"exit status {done.returncode}"
        return Precompiled(None, False, seconds, [f"not precompiled for load(): {why}"])
    problems = [str(w) for w in answer["warnings"]]
    entry = Path(answer["entry"]) if answer["entry"] else None
    if answer["error"] is not None:
        problems.append(f"not precompiled for load(): {answer['error']}")
    elif entry is None:  # the cache folder cannot be used; its warning says why
        reasons = problems or ["the compiled-component cache cannot be used"]
        problems = [
            f"not precompiled for load(): {text.removesuffix('; compiling instead')}"
            for text in reasons
        ]
    return Precompiled(entry, bool(answer["compiled"]), seconds, problems)


def _check_output_folder(output: Path, module: Path) -> None:
    """Fail before the slow build when the output could not be written: its nearest existing
    folder must be a folder this user may write in (nothing is created yet)."""
    folder = output.resolve().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise BuildError(
            f"{output}: cannot write the component there ({folder} is not a writable folder)",
            path=str(module),
        )
    if output.is_dir():
        raise BuildError(f"{output}: is a folder; give the component's file name", path=str(module))


def _componentize_failure(text: str, module: Path) -> str:
    """componentize-py's failure, shortened: the Python traceback of the plugin's import (its
    pre-initialisation runs the module) or its own message, without the Rust backtrace."""
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    keep = [ln for ln in lines if not ln.lstrip().startswith(("0:", "1:", "2:", "3:", "note:"))]
    tail = "\n".join(f"  {ln}" for ln in keep[-25:])
    return f"{module}: componentize-py could not build the plugin:\n{tail}"
