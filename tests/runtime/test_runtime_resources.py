"""Resources both ways, through a generated package and a REAL component.

The component (WIT below, WAT bodies for every export) exports resource `counter` in interface
`api`: its constructor stores the start value in memory that outlives the call (`$alloc_persistent`)
and hands out `[resource-new]` of that address; methods read it through the rep (a borrow of the
component's own resource arrives as its rep); its destructor counts drops at address 0, which
`dtor-count` returns. It imports resource `blob`, which the host implements (`HostBlob` below):
its exports construct blobs through the host constructor or static function, call their methods,
and drop them (the host's `drop` hook must run exactly once per own handle), take borrowed and
owned blobs from Python and give them back.
"""

from __future__ import annotations

import copy
import gc
import pickle
import time
import weakref
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterator

import pytest

from codegen.support import generate_and_import

WIT = """
package test:res;

interface host {
  /// A buffer the host owns.
  resource blob {
    constructor(size: u32);
    size: func() -> u32;
    from-len: static func(n: u32) -> blob;
  }
  blob-size: func(b: borrow<blob>) -> u32;
  make-blobs: func(sizes: list<u32>) -> list<blob>;
  take-blob: func(b: option<blob>) -> u32;
  open-blob: func(n: u32) -> result<blob, string>;
}

interface api {
  use host.{blob};

  /// A counter the component keeps.
  resource counter {
    /// Starts at `start`.
    constructor(start: u32);
    get: func() -> u32;
    add-from: func(other: borrow<counter>) -> u32;
    make: static func(v: u32) -> counter;
  }
  consume: func(c: counter) -> u32;
  consume-or-fail: func(c: counter, fail: bool) -> result<u32, string>;
  dtor-count: func() -> u32;
  make-many: func(n: u32) -> list<counter>;
  sum: func(cs: list<borrow<counter>>) -> u32;
  merge: func(cs: list<counter>) -> u32;
  absorb: func(keep: borrow<counter>, give: counter) -> u32;
  record labeled { name: string, c: counter }
  unlabel: func(l: labeled) -> counter;
  try-make: func(v: u32) -> result<counter, string>;
  maybe: func(c: option<counter>) -> option<counter>;
  use-host: func(n: u32) -> u32;
  use-static: func(n: u32) -> u32;
  peek: func(b: borrow<blob>) -> u32;
  echo-blob: func(b: blob) -> blob;
  total: func(sizes: list<u32>) -> u32;
  hand-back: func(n: u32) -> u32;
  try-open: func(n: u32) -> u32;
  keep: func(b: blob) -> u32;
  drop-kept: func() -> u32;
}

world res {
  import host;
  export api;
}
"""

API = "test:res/api#"
NEW = '$"[export]test:res/api#[resource-new]counter"'
REP = '$"[export]test:res/api#[resource-rep]counter"'
DROP = '$"[export]test:res/api#[resource-drop]counter"'
CTOR = '$"export:test:res/api#[constructor]counter"'
BLOB_NEW = '$"test:res/host#[constructor]blob"'
BLOB_SIZE = '$"test:res/host#[method]blob.size"'
BLOB_DROP = '$"test:res/host#[resource-drop]blob"'

# Loops over `count` elements of 4 bytes at `base`, `body` seeing the element's address in $at.
LOOP = """
(block $done (loop $next
  (br_if $done (i32.ge_u (local.get $i) {count}))
  (local.set $at (i32.add {base} (i32.mul (local.get $i) (i32.const 4))))
  {body}
  (local.set $i (i32.add (local.get $i) (i32.const 1)))
  (br $next)))
"""

BODIES = {
    f"{API}[constructor]counter": f"""
        (local $rep i32)
        (local.set $rep (call $alloc_persistent (i32.const 8)))
        (i32.store (local.get $rep) (local.get 0))
        (call {NEW} (local.get $rep))""",
    f"{API}[method]counter.get": "(i32.load (local.get 0))",
    f"{API}[method]counter.add-from": "(i32.add (i32.load (local.get 0)) (i32.load (local.get 1)))",
    f"{API}[static]counter.make": f"(call {CTOR} (local.get 0))",
    f"{API}[dtor]counter": "(i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))",
    f"{API}dtor-count": "(i32.load (i32.const 0))",
    # An own handle: read through its rep, then drop it (which runs the destructor).
    f"{API}consume": f"""
        (local $v i32)
        (local.set $v (i32.load (call {REP} (local.get 0))))
        (call {DROP} (local.get 0))
        (local.get $v)""",
    # result<u32, string>: discriminant at 0, then the u32 or the string's (pointer, length).
    f"{API}consume-or-fail": f"""
        (local $v i32) (local $rp i32)
        (local.set $v (i32.load (call {REP} (local.get 0))))
        (call {DROP} (local.get 0))
        (local.set $rp (call $alloc (i32.const 12)))
        (if (local.get 1)
          (then (i32.store8 (local.get $rp) (i32.const 1))
                (i32.store offset=4 (local.get $rp) (i32.const 16))
                (i32.store offset=8 (local.get $rp) (i32.const 2)))
          (else (i32.store8 (local.get $rp) (i32.const 0))
                (i32.store offset=4 (local.get $rp) (local.get $v))))
        (local.get $rp)""",
    f"{API}make-many": """
        (local $arr i32) (local $i i32) (local $at i32) (local $rp i32)
        (local.set $arr (call $alloc (i32.mul (local.get 0) (i32.const 4))))"""
    + LOOP.format(
        count="(local.get 0)",
        base="(local.get $arr)",
        body=f"(i32.store (local.get $at) (call {CTOR} (i32.mul (local.get $i) (i32.const 10))))",
    )
    + """
        (local.set $rp (call $alloc (i32.const 8)))
        (i32.store (local.get $rp) (local.get $arr))
        (i32.store offset=4 (local.get $rp) (local.get 0))
        (local.get $rp)""",
    # Borrows of the component's own resource arrive as reps.
    f"{API}sum": "(local $i i32) (local $at i32) (local $s i32)"
    + LOOP.format(
        count="(local.get 1)",
        base="(local.get 0)",
        body="(local.set $s (i32.add (local.get $s) (i32.load (i32.load (local.get $at)))))",
    )
    + "(local.get $s)",
    # list<counter>: own handles; sum through their reps, drop each.
    f"{API}merge": "(local $i i32) (local $at i32) (local $s i32)"
    + LOOP.format(
        count="(local.get 1)",
        base="(local.get 0)",
        body=f"""(local.set $s (i32.add (local.get $s) (i32.load (call {REP} (i32.load (local.get $at))))))
  (call {DROP} (i32.load (local.get $at)))""",
    )
    + "(local.get $s)",
    f"{API}absorb": f"""
        (local $v i32)
        (local.set $v (i32.add (i32.load (local.get 0)) (i32.load (call {REP} (local.get 1)))))
        (call {DROP} (local.get 1))
        (local.get $v)""",
    # record labeled { name: string, c: counter } arrives flat: (pointer, length, handle).
    f"{API}unlabel": "(local.get 2)",
    # result<counter, string> with a function-level `result`: ok(new counter) or err("no").
    f"{API}try-make": f"""
        (local $rp i32)
        (local.set $rp (call $alloc (i32.const 12)))
        (if (local.get 0)
          (then (i32.store8 (local.get $rp) (i32.const 0))
                (i32.store offset=4 (local.get $rp) (call {CTOR} (local.get 0))))
          (else (i32.store8 (local.get $rp) (i32.const 1))
                (i32.store offset=4 (local.get $rp) (i32.const 16))
                (i32.store offset=8 (local.get $rp) (i32.const 2))))
        (local.get $rp)""",
    # option<counter> in, the same out: (discriminant, handle) written to a return area.
    f"{API}maybe": """
        (local $rp i32)
        (local.set $rp (call $alloc (i32.const 8)))
        (i32.store8 (local.get $rp) (local.get 0))
        (i32.store offset=4 (local.get $rp) (local.get 1))
        (local.get $rp)""",
    # Host resources: constructor, method, a function taking a borrow, drop.
    f"{API}use-host": f"""
        (local $h i32) (local $s i32)
        (local.set $h (call {BLOB_NEW} (local.get 0)))
        (local.set $s (call {BLOB_SIZE} (local.get $h)))
        (local.set $s (i32.add (local.get $s) (call $"test:res/host#blob-size" (local.get $h))))
        (call {BLOB_DROP} (local.get $h))
        (local.get $s)""",
    f"{API}use-static": f"""
        (local $h i32) (local $s i32)
        (local.set $h (call $"test:res/host#[static]blob.from-len" (local.get 0)))
        (local.set $s (call {BLOB_SIZE} (local.get $h)))
        (call {BLOB_DROP} (local.get $h))
        (local.get $s)""",
    # A borrowed handle of an imported resource must be dropped before returning.
    f"{API}peek": f"""
        (local $s i32)
        (local.set $s (call {BLOB_SIZE} (local.get 0)))
        (call {BLOB_DROP} (local.get 0))
        (local.get $s)""",
    f"{API}echo-blob": "(local.get 0)",
    # list<blob> from the host: sum the sizes, drop each.
    f"{API}total": """
        (local $rp i32) (local $arr i32) (local $n i32) (local $i i32) (local $at i32) (local $s i32)
        (local.set $rp (call $alloc (i32.const 8)))
        (call $"test:res/host#make-blobs" (local.get 0) (local.get 1) (local.get $rp))
        (local.set $arr (i32.load (local.get $rp)))
        (local.set $n (i32.load offset=4 (local.get $rp)))"""
    + LOOP.format(
        count="(local.get $n)",
        base="(local.get $arr)",
        body=f"""(local.set $s (i32.add (local.get $s) (call {BLOB_SIZE} (i32.load (local.get $at)))))
  (call {BLOB_DROP} (i32.load (local.get $at)))""",
    )
    + "(local.get $s)",
    # An own blob handed back to the host (inside an option).
    f"{API}hand-back": f"""
        (call $"test:res/host#take-blob" (i32.const 1) (call {BLOB_NEW} (local.get 0)))""",
    # result<blob, string> from the host: the blob's size (then dropped), or 999 for err.
    f"{API}try-open": f"""
        (local $rp i32) (local $s i32)
        (local.set $rp (call $alloc (i32.const 12)))
        (call $"test:res/host#open-blob" (local.get 0) (local.get $rp))
        (if (result i32) (i32.load8_u (local.get $rp))
          (then (i32.const 999))
          (else
            (local.set $s (call {BLOB_SIZE} (i32.load offset=4 (local.get $rp))))
            (call {BLOB_DROP} (i32.load offset=4 (local.get $rp)))
            (local.get $s)))""",
    # Own blobs kept across calls: the count at address 8, the handles from address 64 on.
    f"{API}keep": """
        (local $n i32)
        (local.set $n (i32.load (i32.const 8)))
        (i32.store (i32.add (i32.const 64) (i32.mul (local.get $n) (i32.const 4))) (local.get 0))
        (i32.store (i32.const 8) (i32.add (local.get $n) (i32.const 1)))
        (i32.add (local.get $n) (i32.const 1))""",
    f"{API}drop-kept": "(local $i i32) (local $at i32)"
    + LOOP.format(
        count="(i32.load (i32.const 8))",
        base="(i32.const 64)",
        body=f"(call {BLOB_DROP} (i32.load (local.get $at)))",
    )
    + "(i32.load (i32.const 8)) (i32.store (i32.const 8) (i32.const 0))",
}

EXTRA_WAT = '(data (i32.const 16) "no")'


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return generate_and_import(WIT, tmp_path_factory.mktemp("res"))


@pytest.fixture(scope="module")
def component(component_builder: Callable[..., Path]) -> Path:
    return component_builder(WIT, bodies=BODIES, extra_wat=EXTRA_WAT)


class Host:
    """The world's imports: interface `host`, whose resource `blob` is `blob_class`."""

    def __init__(self, pkg: ModuleType) -> None:
        self.host = HostIface(pkg)


class HostIface:
    def __init__(self, pkg: ModuleType) -> None:
        self.err = pkg.Err
        self.log: list[tuple[str, Any]] = []
        log = self.log

        class HostBlob(pkg.host.Blob):  # type: ignore[misc, name-defined]
            def __init__(self, size: int) -> None:
                self.data = bytearray(size)
                log.append(("new", size))

            def size(self) -> int:
                return len(self.data)

            @staticmethod
            def from_len(n: int) -> Any:
                log.append(("from_len", n))
                return HostBlob(n)

            def drop(self) -> None:
                log.append(("drop", len(self.data)))

        self.blob = HostBlob

    def blob_size(self, b: Any) -> int:
        self.log.append(("blob_size", b))
        return int(b.size())

    def make_blobs(self, sizes: list[int]) -> list[Any]:
        return [self.blob(n) for n in sizes]

    def take_blob(self, b: Any) -> int:
        self.log.append(("take_blob", b))
        return 0 if b is None else int(b.size()) + 1000

    def open_blob(self, n: int) -> Any:
        if n == 0:
            raise self.err("empty")
        return self.blob(n)


@pytest.fixture
def host(pkg: ModuleType) -> Host:
    return Host(pkg)


@pytest.fixture
def res(pkg: ModuleType, component: Path, host: Host) -> Iterator[Any]:
    with pkg.Res.load(component, host) as instance:
        yield instance


# --- exported resources -----------------------------------------------------------------------


def test_constructor_method_static_and_borrow_of_another(res: Any, pkg: ModuleType) -> None:
    Counter = res.api.Counter
    c = Counter(10)
    assert isinstance(c, pkg.api.Counter) and isinstance(c, Counter)
    assert c.get() == 10
    m = Counter.make(99)
    assert type(m) is Counter and m.get() == 99
    assert c.add_from(m) == 109  # borrow<counter> of another instance
    assert m.get() == 99 and c.get() == 10  # both still usable
    assert c.add_from(c) == 20  # the same object as self and as the borrowed argument
    assert repr(c) == "<api.Counter open>"


def test_close_runs_the_destructor_once(res: Any) -> None:
    c = res.api.Counter(1)
    assert res.api.dtor_count() == 0
    c.close()
    assert res.api.dtor_count() == 1
    c.close()  # closing again does nothing
    assert res.api.dtor_count() == 1
    assert repr(c) == "<api.Counter closed>"
    with pytest.raises(ValueError, match=r"api.Counter.get\(\): argument 'self': .* it was closed"):
        c.get()
    with res.api.Counter(2) as d:
        assert d.get() == 2
    assert res.api.dtor_count() == 2
    with pytest.raises(ValueError, match="closed"):
        d.get()


def test_own_argument_moves_the_object(res: Any) -> None:
    c = res.api.Counter(7)
    assert res.api.consume(c) == 7
    assert res.api.dtor_count() == 1  # the component dropped it
    with pytest.raises(ValueError) as err:
        c.get()
    assert "it was moved into the component by api.consume()" in str(err.value)
    c.close()  # nothing left to drop
    assert res.api.dtor_count() == 1
    with pytest.raises(ValueError, match=r"api.consume\(\): argument 'c': .*moved"):
        res.api.consume(c)


def test_own_argument_moves_even_when_the_function_returns_err(res: Any, pkg: ModuleType) -> None:
    c = res.api.Counter(3)
    with pytest.raises(pkg.Err) as err:
        res.api.consume_or_fail(c, True)
    assert err.value.value == "no"
    with pytest.raises(ValueError, match="moved into the component"):
        c.get()
    d = res.api.Counter(4)
    assert res.api.consume_or_fail(d, False) == 4
    assert res.api.dtor_count() == 2


def test_bad_arguments_leave_the_objects_usable(res: Any) -> None:
    c = res.api.Counter(5)
    # A later argument fails its check: nothing crossed, `c` was not moved.
    with pytest.raises(TypeError, match=r"api.consume_or_fail\(\): argument 'fail': expected bool"):
        res.api.consume_or_fail(c, 1)
    assert c.get() == 5
    with pytest.raises(TypeError) as err:
        res.api.consume("not a counter")
    assert str(err.value).startswith("api.consume(): argument 'c': expected own<counter>")
    with pytest.raises(TypeError, match=r"argument 'other': expected borrow<counter>"):
        c.add_from(None)
    assert res.api.dtor_count() == 0
    assert c.get() == 5


def test_resources_of_another_instance_are_refused(
    res: Any, pkg: ModuleType, component: Path, host: Host
) -> None:
    other = pkg.Res.load(component, host)
    theirs = other.api.Counter(1)
    with pytest.raises(ValueError, match="belongs to another component instance"):
        res.api.consume(theirs)
    with pytest.raises(ValueError, match="belongs to another component instance"):
        res.api.Counter(1).add_from(theirs)
    assert theirs.get() == 1 and other.api.Counter is not res.api.Counter


def test_unbound_class_explains_itself(pkg: ModuleType) -> None:
    with pytest.raises(TypeError, match=r"api.Counter is not bound .* `instance.api.Counter"):
        pkg.api.Counter(1)
    with pytest.raises(TypeError, match="not bound to a component instance"):
        pkg.api.Counter.make(1)


def test_resources_inside_lists_and_options(res: Any) -> None:
    Counter = res.api.Counter
    many = res.api.make_many(3)
    assert [type(c) for c in many] == [Counter] * 3
    assert [c.get() for c in many] == [0, 10, 20]
    assert res.api.sum(many) == 30  # list<borrow<counter>>
    assert res.api.sum((many[2], many[2])) == 40  # the same object lent twice
    assert [c.get() for c in many] == [0, 10, 20]
    assert res.api.maybe(None) is None
    c = Counter(8)
    back = res.api.maybe(c)  # option<counter>: moved in, and a new object for it comes back
    assert type(back) is Counter and back is not c and back.get() == 8
    with pytest.raises(ValueError, match="moved into the component by api.maybe()"):
        c.get()
    for value in many:
        value.close()
    back.close()
    assert res.api.dtor_count() == 4


def test_the_same_object_cannot_be_moved_twice_in_one_call(res: Any) -> None:
    c, d = res.api.Counter(1), res.api.Counter(2)
    with pytest.raises(
        ValueError, match=r"argument 'cs': element 1: this Counter is already moved"
    ):
        res.api.merge([c, c])
    assert c.get() == 1  # nothing crossed
    assert res.api.merge([c, d]) == 3
    assert res.api.dtor_count() == 2
    for value in (c, d):
        with pytest.raises(ValueError, match=r"moved into the component by api.merge\(\)"):
            value.get()


def test_closing_the_instance(pkg: ModuleType, component: Path, host: Host) -> None:
    instance = pkg.Res.load(component, host)
    c = instance.api.Counter(1)
    instance.close()
    with pytest.raises(pkg.InstanceUnusable):
        c.get()
    c.close()  # the instance is gone: the handle is only forgotten


# --- imported (host-defined) resources ----------------------------------------------------------


def test_component_uses_a_host_resource(res: Any, host: Host) -> None:
    log = host.host.log
    assert res.api.use_host(5) == 10  # size() + blob_size(), then dropped
    assert [entry[0] for entry in log] == ["new", "blob_size", "drop"]
    assert isinstance(log[1][1], host.host.blob)  # the borrowed handle arrives as the object
    assert log[2] == ("drop", 5)  # the drop hook, exactly once
    log.clear()
    assert res.api.use_static(3) == 3
    assert log == [("from_len", 3), ("new", 3), ("drop", 3)]
    log.clear()
    for _ in range(3):  # borrows are released: calls keep working
        assert res.api.use_host(1) == 2
    assert [e[0] for e in log].count("drop") == 3


def test_host_objects_cross_as_borrow_and_own(res: Any, host: Host, pkg: ModuleType) -> None:
    Blob = host.host.blob
    b = Blob(4)
    host.host.log.clear()
    assert res.api.peek(b) == 4  # borrow<blob>: the component calls back into b.size()
    assert res.api.peek(b) == 4
    back = res.api.echo_blob(b)  # own in, own out: the same host object comes back
    assert back is b
    assert host.host.log == []  # no drop hook: the host owns it again
    assert res._state.host_objects.objects() == []  # neither lent nor owned any longer


def test_host_resources_inside_lists_and_options(res: Any, host: Host) -> None:
    log = host.host.log
    assert res.api.total([1, 2, 3]) == 6  # list<blob> returned by the host, each dropped
    assert sorted(e for e in log if e[0] == "drop") == [("drop", 1), ("drop", 2), ("drop", 3)]
    log.clear()
    assert res.api.hand_back(6) == 1006  # option<blob>: an own handle given back to the host
    kinds = [e[0] for e in log]
    assert kinds == ["new", "take_blob"] and isinstance(log[1][1], host.host.blob)


def test_wrong_host_object_is_refused(res: Any, host: Host) -> None:
    with pytest.raises(TypeError, match=r"api.peek\(\): argument 'b': expected borrow<blob>"):
        res.api.peek("blob")
    assert res.api.use_host(1) == 2  # still usable


def test_host_constructor_returning_a_wrong_object(pkg: ModuleType, component: Path) -> None:
    class NotABlob:  # does not derive from the generated base class
        def __init__(self, size: int) -> None:
            pass

        @staticmethod
        def from_len(n: int) -> NotABlob:
            return NotABlob(n)

    host = Host(pkg)
    host.host.blob = NotABlob  # type: ignore[assignment]
    # Refused by `load`, before the component runs: the class is no subclass of the base.
    with pytest.raises(TypeError) as refused:
        pkg.Res.load(component, host)
    assert str(refused.value) == (
        "the host object does not provide what world test:res/res imports:"
        " host.host.blob is not a subclass of Blob"
    )

    class WrongStatic(Host(pkg).host.blob):  # type: ignore[misc, name-defined]
        @staticmethod
        def from_len(n: int) -> object:
            return NotABlob(n)  # not an object of the resource's class

    host.host.blob = WrongStatic
    instance = pkg.Res.load(component, host)
    with pytest.raises(
        TypeError, match=r"host.Blob.from_len\(\): return value: expected own<blob>"
    ):
        instance.api.use_static(1)


def test_drop_hook_exception_reaches_the_caller(pkg: ModuleType, component: Path) -> None:
    host = Host(pkg)

    class Failing(host.host.blob):  # type: ignore[misc, name-defined]
        def drop(self) -> None:
            raise LookupError("drop failed")

    host.host.blob = Failing
    instance = pkg.Res.load(component, host)
    with pytest.raises(LookupError, match="drop failed"):
        instance.api.use_host(1)
    with pytest.raises(pkg.InstanceUnusable):
        instance.api.use_host(1)


def test_resources_inside_records_and_results(res: Any, pkg: ModuleType, host: Host) -> None:
    c = res.api.Counter(12)
    back = res.api.unlabel(pkg.api.Labeled("x", c))  # own<counter> in a record field
    assert back.get() == 12
    with pytest.raises(ValueError, match=r"moved into the component by api.unlabel\(\)"):
        c.get()
    made = res.api.try_make(5)  # result<counter, string>: the ok value is a new Counter
    assert type(made) is res.api.Counter and made.get() == 5
    with pytest.raises(pkg.Err) as err:
        res.api.try_make(0)
    assert err.value.value == "no"
    assert res.api.try_open(7) == 7  # result<blob, string> returned by the host: ok
    assert res.api.try_open(0) == 999  # and err
    assert ("drop", 7) in host.host.log


def test_own_and_borrow_of_one_object_in_one_call(res: Any) -> None:
    c, d = res.api.Counter(1), res.api.Counter(2)
    with pytest.raises(ValueError, match="argument 'give': this Counter is lent by an earlier"):
        res.api.absorb(c, c)
    assert res.api.absorb(c, d) == 3
    assert c.get() == 1 and res.api.dtor_count() == 1


def test_host_function_may_use_exported_resources(pkg: ModuleType, component: Path) -> None:
    host = Host(pkg)
    seen = []

    def blob_size(b: Any) -> int:
        with instance.api.Counter(40) as c:  # a nested export call that makes and drops one
            seen.append(c.get())
        return int(b.size())

    host.host.blob_size = blob_size  # type: ignore[method-assign]
    instance = pkg.Res.load(component, host)
    assert instance.api.use_host(2) == 4
    assert seen == [40] and instance.api.dtor_count() == 1


def test_garbage_collection_runs_no_destructor(res: Any) -> None:
    c = res.api.Counter(1)
    del c
    gc.collect()
    assert res.api.dtor_count() == 0  # like wasmtime: only close() or an own argument drops


def test_resources_cannot_be_copied(res: Any) -> None:
    c = res.api.Counter(1)
    with pytest.raises(TypeError, match="cannot be copied"):
        copy.copy(c)
    with pytest.raises(TypeError, match="cannot be copied"):
        pickle.dumps(c)
    assert c.get() == 1


def test_close_under_a_deadline(pkg: ModuleType, component: Path, host: Host) -> None:
    with pkg.Res.load(component, host, deadline=5.0) as instance:
        c = instance.api.Counter(1)
        time.sleep(0.05)  # past the previous call's epochs: close() arms a deadline of its own
        c.close()
        assert instance.api.dtor_count() == 1


# --- the lifetime of host objects: one table per store ------------------------------------------


def test_same_object_given_twice_as_own_keeps_one_entry(res: Any, host: Host) -> None:
    Blob, log = host.host.blob, host.host.log
    b = Blob(3)
    assert res.api.keep(b) == 1
    assert res.api.keep(b) == 2  # a second own handle of the same object
    assert res.api.peek(b) == 3  # and lent while the component owns it
    objects = res._state.host_objects
    assert objects.objects() == [b]  # one rep for the object, however many handles
    log.clear()
    assert res.api.drop_kept() == 2  # both own handles dropped: the hook runs once, at the last
    assert log == [("drop", 3)]
    assert len(objects) == 0
    assert res.api.keep(b) == 1  # given again after its drop: a new entry, a new hook later
    assert res.api.drop_kept() == 1
    assert log == [("drop", 3), ("drop", 3)]


def test_own_given_back_while_the_component_keeps_another(res: Any, host: Host) -> None:
    b = host.host.blob(2)
    res.api.keep(b)
    assert res.api.echo_blob(b) is b  # one own handle in and back out
    assert res._state.host_objects.objects() == [b]  # the kept one still holds it
    host.host.log.clear()
    res.api.drop_kept()
    assert host.host.log == [("drop", 2)]


def test_close_releases_the_host_objects_of_its_instance_only(
    pkg: ModuleType, component: Path
) -> None:
    host_a, host_b = Host(pkg), Host(pkg)
    a = pkg.Res.load(component, host_a)
    b = pkg.Res.load(component, host_b)
    kept_a = [host_a.host.blob(n) for n in (1, 2)]
    kept_b = host_b.host.blob(5)
    for blob in kept_a:
        a.api.keep(blob)
    b.api.keep(kept_b)
    table_a, table_b = a._state.host_objects, b._state.host_objects
    assert table_a is not table_b  # one table per store
    assert table_a.objects() == kept_a and table_b.objects() == [kept_b]
    refs = [weakref.ref(blob) for blob in kept_a]
    host_a.host.log.clear()
    a.close()  # the component still owned two blobs: their hooks run, the table empties
    assert sorted(host_a.host.log) == [("drop", 1), ("drop", 2)]
    assert len(table_a) == 0 and a._state.host_objects is None
    a.close()  # closing again does nothing
    assert sorted(host_a.host.log) == [("drop", 1), ("drop", 2)]
    del kept_a, blob
    gc.collect()
    assert [ref() for ref in refs] == [None, None]  # nothing of the bindings keeps them
    # The other instance is untouched and still works with its own table.
    assert table_b.objects() == [kept_b] and b.api.use_host(2) == 4
    assert b.api.drop_kept() == 1 and ("drop", 5) in host_b.host.log
    b.close()


def test_unreachable_instance_releases_its_host_objects_without_hooks(
    pkg: ModuleType, component: Path
) -> None:
    host = Host(pkg)
    instance = pkg.Res.load(component, host)
    blob = host.host.blob(4)
    instance.api.keep(blob)
    ref = weakref.ref(blob)
    table = weakref.ref(instance._state.host_objects)
    host.host.log.clear()
    del instance, blob
    gc.collect()
    assert ref() is None and table() is None
    assert host.host.log == []  # as for exported resources: only close() runs hooks


def test_own_handle_of_a_failed_host_result_is_taken_back_quietly(
    pkg: ModuleType, component: Path
) -> None:
    host = Host(pkg)
    made: list[Any] = []

    def make_blobs(sizes: list[int]) -> list[Any]:
        made.append(host.host.blob(1))
        return [made[0], "not a blob"]  # the first crossed as own before the second failed

    host.host.make_blobs = make_blobs  # type: ignore[method-assign]
    instance = pkg.Res.load(component, host)
    with pytest.raises(TypeError, match="element 1"):
        instance.api.total([1, 2])
    assert ("drop", 1) not in host.host.log  # taken back: the host still owns it
    assert instance._state.host_objects.objects() == []


def test_close_raises_the_first_failing_hook_after_running_all(
    pkg: ModuleType, component: Path
) -> None:
    host = Host(pkg)
    ran = []

    class Failing(host.host.blob):  # type: ignore[misc, name-defined]
        def drop(self) -> None:
            ran.append(len(self.data))
            raise LookupError(f"drop {len(self.data)} failed")

    instance = pkg.Res.load(component, host)
    instance.api.keep(Failing(1))
    instance.api.keep(Failing(2))
    with pytest.raises(LookupError, match="drop 1 failed"):
        instance.close()
    assert ran == [1, 2] and instance._state.host_objects is None


# --- a world-level resource (always the host's) -----------------------------------------------

WORLD_WIT = """
package test:wl;

world wl {
  resource r {
    constructor(x: u32);
    get: func() -> u32;
  }
  import mk: func() -> r;
  export use-r: func(x: borrow<r>) -> u32;
  export roundtrip: func() -> u32;
}
"""

WORLD_BODIES = {
    "use-r": """
        (local $s i32)
        (local.set $s (call $"[method]r.get" (local.get 0)))
        (call $"[resource-drop]r" (local.get 0))
        (local.get $s)""",
    # [constructor]r(5), then `mk()`: each read through `get`, then dropped.
    "roundtrip": """
        (local $h i32) (local $s i32)
        (local.set $h (call $"[constructor]r" (i32.const 5)))
        (local.set $s (call $"[method]r.get" (local.get $h)))
        (call $"[resource-drop]r" (local.get $h))
        (local.set $h (call $"mk"))
        (local.set $s (i32.add (local.get $s) (call $"[method]r.get" (local.get $h))))
        (call $"[resource-drop]r" (local.get $h))
        (local.get $s)""",
}


def test_world_level_host_resource(
    component_builder: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    pkg = generate_and_import(WORLD_WIT, tmp_path_factory.mktemp("wl"))
    component = component_builder(WORLD_WIT, bodies=WORLD_BODIES)
    dropped: list[int] = []

    class R(pkg.R):  # type: ignore[misc, name-defined]
        def __init__(self, x: int) -> None:
            self.x = x

        def get(self) -> int:
            return self.x

        def drop(self) -> None:
            dropped.append(self.x)

    class WorldHost:
        r = R

        def mk(self) -> R:
            return R(100)

    instance = pkg.Wl.load(component, WorldHost())
    assert instance.roundtrip() == 105
    assert dropped == [5, 100]
    assert instance.use_r(R(7)) == 7  # a borrow: no drop hook
    assert dropped == [5, 100]


# --- an interface the world both imports and exports ------------------------------------------

DUAL_WIT = """
package test:dual;

interface api {
  resource r {
    constructor(v: u32);
    get: func() -> u32;
  }
  record boxed { item: r, tag: u32 }
  peek: func(x: borrow<r>) -> u32;
  rebox: func(v: u32) -> boxed;
  unbox: func(b: boxed) -> u32;
}

world dual {
  import api;
  export api;
}
"""

# The component's `r` wraps the host's: its rep is the handle of the host's `r` it owns, and its
# destructor drops that handle, unless `unbox` set the flag at address 0 (the handle was moved).
DUAL_API = "test:dual/api#"
DUAL_NEW = '$"[export]test:dual/api#[resource-new]r"'
DUAL_REP = '$"[export]test:dual/api#[resource-rep]r"'
DUAL_DROP = '$"[export]test:dual/api#[resource-drop]r"'
DUAL_BODIES = {
    f"{DUAL_API}[constructor]r": f"""
        (call {DUAL_NEW} (call $"test:dual/api#[constructor]r" (local.get 0)))""",
    f"{DUAL_API}[method]r.get": """
        (i32.add (call $"test:dual/api#[method]r.get" (local.get 0)) (i32.const 1000))""",
    f"{DUAL_API}[dtor]r": """
        (if (i32.load (i32.const 0))
          (then (i32.store (i32.const 0) (i32.const 0)))
          (else (call $"test:dual/api#[resource-drop]r" (local.get 0))))""",
    f"{DUAL_API}peek": '(call $"test:dual/api#peek" (local.get 0))',
    # boxed { own<host r>, tag } at $p from the host; the same record with a new own<r> of ours.
    f"{DUAL_API}rebox": f"""
        (local $p i32)
        (local.set $p (call $alloc (i32.const 8)))
        (call $"test:dual/api#rebox" (local.get 0) (local.get $p))
        (i32.store (local.get $p) (call {DUAL_NEW} (i32.load (local.get $p))))
        (local.get $p)""",
    # Moves the host's handle back to the host, then drops ours without dropping it again.
    f"{DUAL_API}unbox": f"""
        (local $v i32)
        (local.set $v
          (call $"test:dual/api#unbox" (call {DUAL_REP} (local.get 0)) (local.get 1)))
        (i32.store (i32.const 0) (i32.const 1))
        (call {DUAL_DROP} (local.get 0))
        (local.get $v)""",
}


def test_interface_both_imported_and_exported(
    component_builder: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    pkg = generate_and_import(DUAL_WIT, tmp_path_factory.mktemp("dual"))
    component = component_builder(DUAL_WIT, bodies=DUAL_BODIES)
    api = pkg.api
    log: list[tuple[str, Any]] = []

    class HostR(api.ImportedR):  # type: ignore[misc, name-defined]
        def __init__(self, v: int) -> None:
            self.v = v
            log.append(("new", v))

        def get(self) -> int:
            return int(self.v)

        def drop(self) -> None:
            log.append(("drop", self.v))

    class HostApi:
        r = HostR

        def peek(self, x: Any) -> int:
            log.append(("peek", x))
            return int(x.v)

        def rebox(self, v: int) -> Any:
            return api.ImportedBoxed(HostR(v), v + 1)

        def unbox(self, b: Any) -> int:
            log.append(("unbox", b))
            return int(b.item.v * 10 + b.tag)

    class DualHost:
        api = HostApi()

    assert api.R is not api.ImportedR and not issubclass(api.ImportedR, pkg._rt.Resource)
    with pkg.Dual.load(component, DualHost()) as instance:
        # The component's constructor calls the host's and keeps the host object's handle.
        r = instance.api.R(5)
        assert isinstance(r, api.R) and not isinstance(r, api.ImportedR)
        assert log == [("new", 5)]
        assert r.get() == 1005
        # Our borrow<r> reaches the host as its own object, a borrow of the host's `r`.
        assert instance.api.peek(r) == 5
        (kind, seen), *_ = log[1:]
        assert kind == "peek" and isinstance(seen, HostR) and seen.v == 5
        # Dropping the component's `r` drops its handle of the host's: the hook runs.
        r.close()
        assert log[-1] == ("drop", 5)
        # Records on each side: `ImportedBoxed` from the host, `Boxed` from the component.
        b = instance.api.rebox(7)
        assert type(b) is api.Boxed and isinstance(b.item, api.R) and b.tag == 8
        assert b.item.get() == 1007
        # Moved into the component (ours closed), then to the host as an `ImportedBoxed`: the
        # host gets its object back, so no drop hook.
        assert instance.api.unbox(b) == 78
        kind, seen = log[-1]
        assert kind == "unbox" and type(seen) is api.ImportedBoxed
        assert isinstance(seen.item, HostR) and seen.item.v == 7
        with pytest.raises(ValueError, match="no longer be used"):
            b.item.get()
        # A wrong side's object is refused before wasm is entered.
        with pytest.raises(TypeError):
            instance.api.peek(HostR(1))
    assert ("drop", 7) not in log and log.count(("drop", 5)) == 1


# --- world-level `use` of a resource of an interface both imported and exported ---------------
# The shapes of the jco fixtures `resource_alias_redux` and `resource_import_and_export`
# (`toplevel-export`). wasm-tools (`component wit --json`, and the types of the component it
# builds) says the world's `thing` is an import: an alias of the *imported* `alias1.thing`, so
# world-level functions take and return the host's objects. An interface that is only imported
# (`alias3`) sees the imported one too; the exported `alias2` and `alias4` see the component's.

REDUX_WIT = """
package test:redux;

interface alias1 {
  resource thing {
    constructor(v: u32);
    get: func() -> u32;
  }
  record foo { thing: thing }
  a: func(f: foo) -> list<thing>;
}

interface alias2 {
  use alias1.{foo, thing};
  record bar { thing: thing }
  b: func(f: foo, g: bar) -> list<thing>;
}

interface alias3 {
  use alias1.{thing};
  measure: func(t: borrow<thing>) -> u32;
}

interface alias4 {
  use alias1.{thing};
  keep: func(t: thing) -> thing;
}

world redux {
  use alias1.{thing, foo};
  import alias1;
  import alias2;
  import alias3;
  export alias1;
  export alias2;
  export alias4;
  import toplevel-import: func(a: thing) -> thing;
  export toplevel-export: func(a: thing) -> thing;
  export test: func(things: list<thing>) -> list<thing>;
  export take: func(t: thing) -> u32;
  export unwrap: func(f: foo) -> thing;
}
"""

REDUX_BODIES = {
    "toplevel-export": '(call $"toplevel-import" (local.get 0))',
    # The list's (pointer, length) handed back as the result: the same handles, moved out again.
    "test": """
        (local $rp i32)
        (local.set $rp (call $alloc (i32.const 8)))
        (i32.store (local.get $rp) (local.get 0))
        (i32.store offset=4 (local.get $rp) (local.get 1))
        (local.get $rp)""",
    # get() of the imported `thing` plus `alias3.measure` of it (both borrow our own handle),
    # then the handle is dropped (the host's hook runs).
    "take": """
        (local $v i32)
        (local.set $v (i32.add
          (call $"test:redux/alias1#[method]thing.get" (local.get 0))
          (call $"test:redux/alias3#measure" (local.get 0))))
        (call $"test:redux/alias1#[resource-drop]thing" (local.get 0))
        (local.get $v)""",
    "unwrap": "(local.get 0)",  # foo { thing } flattens to the one handle
    "test:redux/alias4#keep": "(local.get 0)",
    "test:redux/alias1#[constructor]thing": (
        '(call $"[export]test:redux/alias1#[resource-new]thing" (local.get 0))'
    ),
    "test:redux/alias1#[method]thing.get": "(local.get 0)",  # a borrow of its own: the rep
}


def test_world_level_use_of_a_dual_resource_is_the_imported_one(
    component_builder: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    pkg = generate_and_import(REDUX_WIT, tmp_path_factory.mktemp("redux"))
    component = component_builder(REDUX_WIT, bodies=REDUX_BODIES)
    alias1, alias2, alias3 = pkg.alias1, pkg.alias2, pkg.alias3
    # The world's types and the import-only interface's are the host's side; the exported
    # interface's own `thing` is the component's (its import-side copy is `ImportedThing`).
    assert pkg.Thing is alias1.ImportedThing and pkg.Foo is alias1.ImportedFoo
    assert alias3.Thing is alias1.ImportedThing
    assert alias2.Thing is alias1.Thing and alias2.ImportedThing is alias1.ImportedThing
    assert alias2.Bar.__annotations__["thing"] == "Thing"
    assert pkg.alias4.Thing is alias1.Thing
    dropped: list[int] = []
    seen: list[Any] = []

    class HostThing(alias1.ImportedThing):  # type: ignore[misc, name-defined]
        def __init__(self, v: int) -> None:
            self.v = v

        def get(self) -> int:
            return int(self.v)

        def drop(self) -> None:
            dropped.append(self.v)

    class Alias1Host:
        thing = HostThing

        def a(self, f: Any) -> list[Any]:
            return [f.thing]

    class Alias2Host:
        def b(self, f: Any, g: Any) -> list[Any]:
            return [f.thing, g.thing]

    class Alias3Host:
        def measure(self, t: Any) -> int:
            seen.append(t)
            return int(t.v * 10)

    class ReduxHost:
        alias1 = Alias1Host()
        alias2 = Alias2Host()
        alias3 = Alias3Host()

        def toplevel_import(self, a: Any) -> Any:
            seen.append(a)
            return HostThing(a.v + 1)

    with pkg.Redux.load(component, ReduxHost()) as instance:
        # Moved into the component, measured through `alias3` (the same host object), dropped.
        five = HostThing(5)
        assert instance.take(five) == 55
        assert seen == [five] and dropped == [5]
        # Through the component to the host's world-level import and back.
        seven = HostThing(7)
        back = instance.toplevel_export(seven)
        assert seen[-1] is seven and type(back) is HostThing and back.v == 8
        things = [HostThing(1), HostThing(2)]
        out = instance.test(things)
        assert len(out) == 2 and out[0] is things[0] and out[1] is things[1]
        three = HostThing(3)
        assert instance.unwrap(pkg.Foo(three)) is three
        assert dropped == [5]  # every other object came back to the host: no hook
        # The component's own `thing` is the other side: refused before wasm is entered.
        theirs = instance.alias1.Thing(4)
        with pytest.raises(TypeError):
            instance.take(theirs)
        # ... which the export-only interface takes and gives back.
        kept = instance.alias4.keep(theirs)
        assert isinstance(kept, instance.alias1.Thing) and kept is not theirs
        assert kept.get() == 4  # the component's `get` of its own: the rep, which is `v`
        with pytest.raises(ValueError, match="no longer be used"):
            theirs.get()  # moved into the component
        with pytest.raises(TypeError):
            instance.alias4.keep(HostThing(9))
        assert instance.take(HostThing(6)) == 66  # still usable
