"""Issue 11, `witgen wit PATH [-o DIR]` against `wasm-tools component wit PATH [--out-dir DIR]`
on every accepting case of the shared conformance corpus (`.wit` files and package folders, with
`--features active` as the corpus's verdicts were made): the text byte for byte, and with `-o`
the same files with the same contents and the same `Writing: ...` lines.

The printer on decoded components and encoded packages is compared in `test_wasm_differential`
and `test_wasm_random`; here a few properties of its own are checked too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import wasm_inputs as wi  # noqa: E402

from witgen.cli import main  # noqa: E402
from witgen.resolve import model as m  # noqa: E402
from witgen.resolve.printer import doc_lines, print_package  # noqa: E402

pytestmark = pytest.mark.skipif(not wi.reference.available(), reason=wi.reference.SKIP_REASON)
CASES = wi.accepting_cases()
FEATURES = ",".join(wi.FEATURES)


def reference_text(case: Path) -> str:
    done = wi.reference._run_cached(
        ["component", "wit", "--features", FEATURES, str(case)], case, None
    )
    assert done.accepted, done.stderr
    return done.stdout


@pytest.mark.skipif(not CASES, reason=wi.NO_CORPUS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_wit_text_of_a_corpus_case(case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["wit", str(case), "--features", FEATURES]) == 0
    out = capsys.readouterr().out
    expected = reference_text(case)
    assert out == expected, wi.diff(expected, out, "WIT text")


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.skipif(not CASES, reason=wi.NO_CORPUS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_out_dir_layout_of_a_corpus_case(
    case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    theirs, ours = tmp_path / "theirs", tmp_path / "ours"
    done = subprocess.run(
        [wi.wasm_tools(), "component", "wit", "--features", FEATURES, str(case), "--out-dir"]
        + [str(theirs)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert main(["wit", str(case), "--features", FEATURES, "-o", str(ours)]) == 0
    written = capsys.readouterr().out
    assert written == done.stdout.replace(str(theirs), str(ours))
    assert _tree(ours) == _tree(theirs)


def test_the_corpus_has_multi_package_cases_for_the_layout() -> None:
    """The layout rules (deps/, names disambiguated by namespace and version) are exercised."""
    if not CASES:
        pytest.skip(wi.NO_CORPUS)
    names = [c.name for c in CASES]
    for case in ("multi-package-deps", "multi-file-multi-package", "packages-nested-with-semver"):
        assert any(n.startswith(case) for n in names), case


def test_doc_lines_split_like_rust_lines() -> None:
    assert doc_lines("") == []
    assert doc_lines("a") == ["a"]
    assert doc_lines("a\n") == ["a"]
    assert doc_lines("a\n\nb") == ["a", "", "b"]
    assert doc_lines("a\r\nb\r") == ["a", "b"]
    # only `\n` ends a line: Python's splitlines would also split at these
    assert doc_lines("a\x0bb\x1cc\u2028d") == ["a\x0bb\x1cc\u2028d"]


def test_keywords_are_escaped_and_docs_printed(tmp_path: Path) -> None:
    """A small hand-made Resolve: names that are keywords get `%`, multi-line docs become
    `///` lines (an empty line as a bare `///`)."""
    resolve = m.Resolve()
    resolve.packages.append(m.Package(m.PackageName("a", "b"), interfaces={"type": 0}))
    resolve.interfaces.append(
        m.Interface(
            "type",
            functions={
                "list": m.Function(
                    "list", m.FunctionKind("freestanding"), [m.Param("own", "u8")], None, "x\n\ny"
                )
            },
            package=0,
        )
    )
    assert print_package(resolve, 0) == (
        "package a:b;\n\ninterface %type {\n  /// x\n  ///\n  /// y\n  %list: func(%own: u8);\n}\n\n"
    )
