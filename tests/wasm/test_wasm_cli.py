"""Issue 11, every command takes a `.wasm` where it takes WIT: `witgen json`, `witgen check`,
`witgen wit [-o DIR]`, `witgen X.wasm -o OUT` (host bindings), `--guest`, `--check` and
`[tool.witgen]`, run as a user runs them (a child process) where their bytes matter.

A component's bindings are the package named after its file (`add.wasm` -> `OUT/add/`) holding
the class of its world, `Root`: wasm-tools calls every component's world `root`, so the world
gives no name worth having, and several components' bindings can share `OUT`.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import wasm_inputs as wi  # noqa: E402

from witgen.cli import main  # noqa: E402

pytestmark = pytest.mark.skipif(not wi.reference.available(), reason=wi.reference.SKIP_REASON)

WIT = (wi.TESTS / "codegen" / "wit" / "echo.wit").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def echo(component_builder: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A component of the code generator's echo world, copied to `echo.wasm`."""
    folder = tmp_path_factory.mktemp("echo")
    return wi.copy_to(component_builder(WIT), folder, "echo.wasm")


def witgen(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "witgen", *args], capture_output=True, cwd=cwd, timeout=300
    )


def test_json_and_wit_bytes_are_the_reference_s(echo: Path) -> None:
    for args in (["--json"], []):
        ref = subprocess.run(
            [wi.wasm_tools(), "component", "wit", *args, str(echo)], capture_output=True
        )
        ours = witgen("json" if args else "wit", str(echo))
        assert (ours.returncode, ours.stdout, ours.stderr) == (0, ref.stdout, b"")


def test_check_counts_what_the_reference_lists(echo: Path) -> None:
    ref = json.loads(wi.reference.run(echo, features=()).stdout)
    done = witgen("check", str(echo))
    assert done.returncode == 0
    counts = [len(ref[k]) for k in ("packages", "worlds", "interfaces")]
    assert counts[:2] == [2, 1]  # root:component and test:echo; the world root
    assert done.stdout.decode() == (
        f"ok: {counts[0]} packages, {counts[1]} world, {counts[2]} interfaces\n"
    )


def test_wit_out_dir(echo: Path, tmp_path: Path) -> None:
    done = witgen("wit", str(echo), "-o", str(tmp_path / "w"))
    assert done.returncode == 0
    assert done.stdout.decode().splitlines() == [
        f"Writing: {tmp_path / 'w' / 'deps' / 'echo.wit'}",
        f"Writing: {tmp_path / 'w' / 'component.wit'}",
    ]
    # what was written reads back as WIT, to the same packages
    assert main(["check", str(tmp_path / "w")]) == 0


def test_host_bindings_are_named_after_the_file(echo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = witgen(str(echo), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().startswith(f"wrote {out / 'echo'} (")
    init = (out / "echo" / "__init__.py").read_text(encoding="utf-8")
    assert "\nclass Root:" in init and "\nclass RootImports(" in init
    # imported in a fresh process: other tests' packages named `echo` may be in this one's
    code = f"import sys; sys.path.insert(0, {str(out)!r}); from echo import Root; print(Root)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "<class 'echo.Root'>\n"), done.stderr
    # up to date: --check agrees; a second run changes nothing
    assert witgen(str(echo), "-o", str(out), "--check").returncode == 0
    assert b"(0 files changed" in witgen(str(echo), "-o", str(out)).stdout


def test_guest_wrappers_are_named_after_the_file(echo: Path, tmp_path: Path) -> None:
    done = witgen(str(echo), "--guest", "-o", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "echo_guest" / "__init__.py").is_file()
    assert "class Root(" in (tmp_path / "echo_guest" / "__init__.py").read_text(encoding="utf-8")


def test_a_file_name_that_is_no_python_name_falls_back_to_the_world(
    echo: Path, tmp_path: Path
) -> None:
    odd = wi.copy_to(echo, tmp_path, "2-echo.v1.wasm")
    assert witgen(str(odd), "-o", str(tmp_path / "out")).returncode == 0
    assert (tmp_path / "out" / "root" / "__init__.py").is_file()
    named = wi.copy_to(echo, tmp_path, "My Echo.v1.wasm")
    assert witgen(str(named), "-o", str(tmp_path / "out")).returncode == 0
    assert (tmp_path / "out" / "my_echo" / "__init__.py").is_file()


def test_a_wit_package_encoded_as_wasm_keeps_its_world_names(tmp_path: Path) -> None:
    """`component wit --wasm` output has real worlds: their bindings are named after them."""
    (tmp_path / "echo.wit").write_text(WIT, encoding="utf-8")
    encoded = wi.copy_to(wi.encode_package(tmp_path / "echo.wit"), tmp_path, "pkg.wasm")
    assert witgen(str(encoded), "-o", str(tmp_path / "out")).returncode == 0
    assert (tmp_path / "out" / "echo" / "__init__.py").is_file()
    assert "\nclass Echo:" in (tmp_path / "out" / "echo" / "__init__.py").read_text("utf-8")


def test_configured_entries_take_a_component(echo: Path, tmp_path: Path) -> None:
    (tmp_path / "plugins").mkdir()
    wi.copy_to(echo, tmp_path / "plugins", "echo.wasm")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\n\n[[tool.witgen.bindings]]\nwit = "plugins/echo.wasm"\n'
        'out = "src/bindings"\nworld = "root"\n',
        encoding="utf-8",
    )
    done = witgen(cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "src" / "bindings" / "echo" / "__init__.py").is_file()
    assert witgen("--check", cwd=tmp_path).returncode == 0


def test_bindings_of_every_corpus_world_component_import() -> None:
    """Host bindings generate and import for every component of `test_wasm_differential`'s
    corpus worlds: a decoded `Resolve` (foreign packages filled in with what is used, a world
    named `root`) is generated from like any other."""
    from witgen.codegen.host import generate_host
    from witgen.codegen.writer import write_package
    from witgen.resolve.loader import load_package

    if not wi.UI.is_dir():
        pytest.skip(wi.NO_CORPUS)
    errors = []
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        names = []
        for i, world in enumerate(wi.corpus_worlds()):
            component, _ = wi.build_world(world)
            resolve, main_pkg = load_package(component)
            try:
                package = generate_host(resolve, resolve.packages[main_pkg].worlds["root"])
            except Exception as err:  # any failure is reported with its world
                errors.append(f"{world.id}: {type(err).__name__}: {err}")
                continue
            package.name = f"c{i:03d}_{wi.slug(world.spec).replace('-', '_').lower()}"
            write_package(package, root)
            names.append(package.name)
        sys.path.insert(0, str(root))
        try:
            for name in names:
                try:
                    importlib.import_module(name)
                except Exception as err:
                    errors.append(f"{name}: {type(err).__name__}: {err}")
        finally:
            sys.path.remove(str(root))
            for name in [n for n in sys.modules if n.split(".")[0] in names]:
                del sys.modules[name]
    assert len(names) >= 95
    assert not errors, "\n".join(errors)
