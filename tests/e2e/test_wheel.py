"""The built distribution works on its own: sdist, a wheel built from it, installed in a new venv.

`python -m build` makes the sdist and builds the wheel from the unpacked sdist, so both are checked.
The fresh venv gets the dependencies (lark, jinja2, ...) from the environment running the tests,
through a `.pth` file that lists its site-packages folders: nothing is downloaded, and since a
path listed in a `.pth` file is not itself scanned for `.pth` files, an editable install of this
source tree there stays invisible. The runs happen from a folder outside the source tree, and the
test checks that `witgen` was imported from the venv.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600
    )
    assert proc.returncode == 0, f"{cmd} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _clean_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "WITGEN_TRACEBACK"):
        env.pop(name, None)
    return env


def test_wheel_installs_and_runs_outside_the_tree(tmp_path: Path) -> None:
    dist, env_dir, work = tmp_path / "dist", tmp_path / "venv", tmp_path / "work"
    work.mkdir()

    # hatchling comes with the test extra, so the build needs no network; without it, let build
    # fetch it into an isolated environment.
    isolation = ["--no-isolation"] if importlib.util.find_spec("hatchling") else []
    _run([sys.executable, "-m", "build", *isolation, "--outdir", str(dist), str(REPO)], cwd=work)
    wheels = list(dist.glob("witgen-*.whl"))
    sdists = list(dist.glob("witgen-*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in dist.iterdir())

    names = zipfile.ZipFile(wheels[0]).namelist()
    assert "witgen/_data/grammars/wit.lark" in names, names
    assert any(n.startswith("witgen/_data/templates/") for n in names), names

    venv.create(env_dir, with_pip=False, symlinks=os.name != "nt")
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    env_site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=work
        ).strip()
    )
    deps = [p for p in [*site.getsitepackages(), site.getusersitepackages()] if os.path.isdir(p)]
    (env_site / "_witgen_test_deps.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            str(wheels[0]),
        ],
        cwd=work,
        env=_clean_env(),
    )

    env = _clean_env()
    where = _run(
        [str(python), "-c", "import witgen, witgen.cli; print(witgen.__file__)"], cwd=work, env=env
    )
    package_dir = Path(where.strip()).parent
    assert package_dir.is_relative_to(env_site), f"witgen was imported from {package_dir}"
    assert not package_dir.is_relative_to(REPO)
    grammar = package_dir / "_data" / "grammars" / "wit.lark"
    assert grammar.is_file() and grammar.stat().st_size > 0
    # the parser runs on the tables built from the grammar ahead of time (no lark at run time)
    assert grammar.with_name("wit.tables.json").is_file()

    shutil.copy(REPO / "wit" / "plugin.wit", work / "plugin.wit")
    witgen = str(bindir / "witgen")
    assert _run([witgen, "check", "plugin.wit"], cwd=work, env=env) == (
        "ok: 1 package, 1 world, 1 interface\n"
    )
    doc = json.loads(_run([witgen, "json", "plugin.wit"], cwd=work, env=env))
    assert [p["name"] for p in doc["packages"]] == ["plugin:demo"]
