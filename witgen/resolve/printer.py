"""Stage 3 output: a `Resolve` as WIT text, exactly as `wasm-tools component wit` prints it.

In: a `Resolve` and the package to print (its other packages follow as nested
`package x:y { ... }` blocks, in arena order). Out: the text.

The layout is wit-component's `WitPrinter` (printing.rs) with its two-space indentation:
* a package's interfaces, then its worlds; in the main package a blank line after each
  interface; nested packages are separated by two blank lines;
* inside an interface: `use`s (one per run of types from the same interface with the same gates),
  then type definitions (resources with their functions inside), then freestanding functions;
  every item after the first starts with a blank line, except that `use`s are never separated;
* inside a world: imported interfaces, then types, then imported functions (no blank lines
  between imports), then a blank line and the exports;
* docs as `///` lines, `@since`/`@unstable`/`@deprecated` and `@external-id` lines before an
  item, names that are keywords escaped with `%`.
WIT has no syntax for `include`s or for where a `use` was written, so the text is the elaborated
world: what the JSON has, which is also what a decoded component has.
"""

from __future__ import annotations

from witgen.resolve import model as m

# wit-component's `is_keyword`: names printed with a leading `%` (`float32`/`float64` are old
# keywords it still escapes; `get`/`set` are not keywords).
KEYWORDS = frozenset(
    """use type func u8 u16 u32 u64 s8 s16 s32 s64 f32 f64 float32 float64 char resource record
    flags variant enum bool string option result future stream list own borrow _ as from static
    interface tuple world import export package with include constructor error-context async
    map""".split()
)

# Function kinds whose first parameter, `self`, is not printed.
_SELF_KINDS = frozenset(("method", "async-method", "method-getter", "method-setter"))
_ASYNC_KINDS = frozenset(("async-freestanding", "async-method", "async-static"))
_STATIC_KINDS = frozenset(("static", "async-static", "static-getter", "static-setter"))
_GETTERS = frozenset(("getter", "method-getter", "static-getter"))
_SETTERS = frozenset(("setter", "method-setter", "static-setter"))

# Characters `@external-id("...")` prints as they are; others are escaped.
_PLAIN_ID_CHARS = frozenset("-_./: ")


def escape(name: str) -> str:
    return f"%{name}" if name in KEYWORDS else name


def doc_lines(text: str) -> list[str]:
    """Rust's `str::lines`: split at `\\n`, drop one trailing `\\r` per line and a final empty
    line (Python's `splitlines` also splits at other characters)."""
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def item_name(func: m.Function) -> str:
    """The name a function is written with inside its resource or world: `[method]r.m` -> `m`,
    `[get]p` -> `p` (wit-parser's `Function::item_name`)."""
    tag = func.kind.tag
    if tag == "constructor":
        return "constructor"
    name = func.name
    if func.kind.resource is not None:
        return name[name.index(".") + 1 :]
    if tag in ("getter", "setter"):
        return name[len("[get]") :]
    return name


def print_package(
    resolve: m.Resolve, main: m.PackageId, nested: list[m.PackageId] | None = None
) -> str:
    """`main` as a WIT file, followed by the packages `nested` (default: every other package)."""
    if nested is None:
        nested = [m.PackageId(i) for i in range(len(resolve.packages)) if i != main]
    p = Printer(resolve)
    p.package(main, True)
    for i, pid in enumerate(nested):
        if i > 0:
            p.newline()
            p.newline()
        p.package(pid, False)
    return "".join(p.out)


class Printer:
    """wit-component's `WitPrinter` over `OutputToString`."""

    def __init__(self, resolve: m.Resolve, *, docs: bool = True) -> None:
        self.resolve = resolve
        self.docs_on = docs
        self.out: list[str] = []
        self.indent = 0
        self.needs_indent = False
        self.any_items = False

    # --- output ------------------------------------------------------------------------------

    def text(self, s: str) -> None:
        """Print `s` (no newlines in it), indenting first at the start of a line."""
        if self.needs_indent:
            self.out.append("  " * self.indent)
            self.needs_indent = False
        self.out.append(s)

    def newline(self) -> None:
        self.out.append("\n")
        self.needs_indent = True

    def semicolon(self) -> None:
        self.out.append(";")
        self.newline()

    def indent_start(self) -> None:
        self.out.append(" {")
        self.indent += 1
        self.newline()

    def indent_end(self) -> None:
        self.indent = max(0, self.indent - 1)
        self.text("}")
        self.newline()

    def new_item(self) -> None:
        if self.any_items:
            self.newline()
        self.any_items = True

    def docs(self, text: str | None) -> None:
        if not self.docs_on or text is None:
            return
        for line in doc_lines(text):
            self.text("///")
            if line:
                self.out.append(" " + line)
            self.newline()

    def stability(self, stab: m.Stability) -> None:
        if stab is None:
            return
        if isinstance(stab, m.Stable):
            self.text(f"@since(version = {stab.since})")
        else:
            self.text(f"@unstable(feature = {stab.feature})")
        self.newline()
        if stab.deprecated is not None:
            self.text(f"@deprecated(version = {stab.deprecated})")
            self.newline()

    def external_id(self, value: str | None) -> None:
        if value is None:
            return
        chars = []
        for c in value:
            if (c.isascii() and c.isalnum()) or c in _PLAIN_ID_CHARS:
                chars.append(c)
            elif c == "\\":
                chars.append("\\\\")
            elif c == '"':
                chars.append('\\"')
            elif c == "\n":
                chars.append("\\n")
            elif c == "\r":
                chars.append("\\r")
            elif c == "\t":
                chars.append("\\t")
            else:
                chars.append(f"\\u{{{ord(c):x}}}")
        self.text('@external-id("')
        self.out.append("".join(chars) + '")')
        self.newline()

    # --- packages, interfaces, worlds --------------------------------------------------------

    def package(self, pid: m.PackageId, is_main: bool) -> None:
        resolve = self.resolve
        pkg = resolve.packages[pid]
        self.docs(pkg.docs)
        name = pkg.name
        version = f"@{name.version}" if name.version is not None else ""
        self.text(f"package {escape(name.namespace)}:{escape(name.name)}{version}")
        if is_main:
            self.semicolon()
            self.newline()
        else:
            self.indent_start()
        for iname, iid in pkg.interfaces.items():
            iface = resolve.interfaces[iid]
            self.docs(iface.docs)
            self.stability(iface.stability)
            self.text(f"interface {escape(iname)}")
            self.indent_start()
            self.interface(iid)
            self.indent_end()
            if is_main:
                self.newline()
        for wname, wid in pkg.worlds.items():
            world = resolve.worlds[wid]
            self.docs(world.docs)
            self.stability(world.stability)
            self.text(f"world {escape(wname)}")
            self.indent_start()
            self.world(wid)
            self.indent_end()
        if not is_main:
            self.indent_end()

    def interface(self, iid: m.InterfaceId) -> None:
        prev_items, self.any_items = self.any_items, False
        iface = self.resolve.interfaces[iid]
        resource_funcs: dict[m.TypeId, list[m.Function]] = {}
        freestanding = []
        for func in iface.functions.values():
            if func.kind.resource is not None:
                resource_funcs.setdefault(func.kind.resource, []).append(func)
            else:
                freestanding.append(func)
        self.types(m.OwnerInterface(iid), list(iface.types.items()), resource_funcs)
        for func in freestanding:
            self.new_item()
            self.docs(func.docs)
            self.stability(func.stability)
            self.external_id(func.external_id)
            self.text(f"{escape(item_name(func))}: ")
            self.function(func)
            self.semicolon()
        self.any_items = prev_items

    def world(self, wid: m.WorldId) -> None:
        prev_items, self.any_items = self.any_items, False
        world = self.resolve.worlds[wid]
        pkg = world.package
        if pkg is None:
            raise PrintError(f"world `{world.name}` belongs to no package")
        types = []
        resource_funcs: dict[m.TypeId, list[m.Function]] = {}
        functions = []
        for key, item in world.imports.items():
            if isinstance(item, m.WorldType):
                assert isinstance(key, str)
                types.append((key, item.id))
            elif isinstance(item, m.WorldFunction):
                if item.func.kind.resource is not None:
                    resource_funcs.setdefault(item.func.kind.resource, []).append(item.func)
                else:
                    functions.append((key, item))
            else:
                self.world_item(key, item, pkg, "import")
                # no blank line between imports, but one before whatever follows them
                self.any_items = True
        self.types(m.OwnerWorld(wid), types, resource_funcs)
        for key, item in functions:
            self.world_item(key, item, pkg, "import")
            self.any_items = True
        if world.exports:
            self.new_item()
        for key, item in world.exports.items():
            self.world_item(key, item, pkg, "export")
        self.any_items = prev_items

    def world_item(
        self, key: m.WorldKey, item: m.WorldItem, pkg: m.PackageId, keyword: str
    ) -> None:
        resolve = self.resolve
        if isinstance(item, m.WorldInterface):
            if item.docs is not None:
                self.docs(item.docs)
            elif isinstance(key, str):
                self.docs(resolve.interfaces[item.id].docs)
            self.stability(item.stability)
            self.external_id(item.external_id)
        else:
            assert isinstance(item, m.WorldFunction)
            self.docs(item.func.docs)
            self.stability(item.func.stability)
            self.external_id(item.func.external_id)
        self.text(f"{keyword} ")
        if isinstance(key, int):
            self.interface_path(key, pkg)
            self.semicolon()
        elif isinstance(item, m.WorldInterface):
            self.text(f"{escape(key)}: ")
            if resolve.interfaces[item.id].name is None:
                self.text("interface")
                self.indent_start()
                self.interface(item.id)
                self.indent_end()
            else:
                self.interface_path(item.id, pkg)
                self.semicolon()
        else:
            assert isinstance(item, m.WorldFunction)
            self.text(f"{escape(item_name(item.func))}: ")
            self.function(item.func)
            self.semicolon()

    def interface_path(self, iid: m.InterfaceId, pkg: m.PackageId) -> None:
        iface = self.resolve.interfaces[iid]
        if iface.name is None or iface.package is None:
            raise PrintError("a path to an interface with no name or package")
        if iface.package == pkg:
            self.text(escape(iface.name))
            return
        name = self.resolve.packages[iface.package].name
        version = f"@{name.version}" if name.version is not None else ""
        self.text(f"{escape(name.namespace)}:{escape(name.name)}/{escape(iface.name)}{version}")

    # --- types -------------------------------------------------------------------------------

    def types(
        self,
        owner: m.TypeOwner,
        types: list[tuple[str, m.TypeId]],
        resource_funcs: dict[m.TypeId, list[m.Function]],
    ) -> None:
        resolve = self.resolve
        to_declare = []
        # runs of `use`s: (the interface, the first type's gates, [(name here, name there)])
        to_import: list[tuple[m.TypeOwner, m.TypeDef, list[tuple[str, str]]]] = []
        for name, tid in types:
            ty = resolve.types[tid]
            if isinstance(ty.kind, m.AliasKind) and isinstance(ty.kind.ty, int):
                other = resolve.types[ty.kind.ty]
                if other.owner is not None and other.owner != owner:
                    if other.name is None:
                        raise PrintError("cannot import unnamed type")
                    if to_import:
                        prev_owner, prev_ty, names = to_import[-1]
                        if (
                            prev_owner == other.owner
                            and ty.stability == prev_ty.stability
                            and ty.external_id == prev_ty.external_id
                        ):
                            names.append((name, other.name))
                            continue
                    to_import.append((other.owner, ty, [(name, other.name)]))
                    continue
            to_declare.append(tid)
        my_pkg = (
            resolve.interfaces[owner.id].package
            if isinstance(owner, m.OwnerInterface)
            else resolve.worlds[owner.id].package  # type: ignore[union-attr]
        )
        if my_pkg is None:
            raise PrintError("types of an item that belongs to no package")
        for other_owner, ty, names in to_import:
            self.any_items = True
            self.stability(ty.stability)
            self.external_id(ty.external_id)
            self.text("use ")
            if not isinstance(other_owner, m.OwnerInterface):
                raise PrintError("a `use` of a type that belongs to no interface")
            self.interface_path(other_owner.id, my_pkg)
            parts = [
                escape(mine) if mine == theirs else f"{escape(theirs)} as {escape(mine)}"
                for mine, theirs in names
            ]
            self.out.append(".{" + ", ".join(parts) + "}")
            self.semicolon()
        for tid in to_declare:
            ty = resolve.types[tid]
            self.new_item()
            self.docs(ty.docs)
            self.stability(ty.stability)
            self.external_id(ty.external_id)
            if isinstance(ty.kind, m.ResourceKind):
                self.resource(ty, resource_funcs.get(tid, []))
            else:
                self.declare(ty)

    def resource(self, ty: m.TypeDef, funcs: list[m.Function]) -> None:
        if ty.name is None:
            raise PrintError("resources must be named")
        self.text(f"resource {escape(ty.name)}")
        if not funcs:
            self.semicolon()
            return
        self.indent_start()
        for func in funcs:
            self.docs(func.docs)
            self.stability(func.stability)
            self.external_id(func.external_id)
            tag = func.kind.tag
            if tag != "constructor":
                self.text(f"{escape(item_name(func))}: ")
                if tag in _STATIC_KINDS:
                    self.text("static ")
            self.function(func)
            self.semicolon()
        self.indent_end()

    def function(self, func: m.Function) -> None:
        tag = func.kind.tag
        if tag in _ASYNC_KINDS:
            self.text("async ")
        if tag == "constructor":
            self.text("constructor(")
        elif tag in _GETTERS:
            self.text("get(")
        elif tag in _SETTERS:
            self.text("set(")
        else:
            self.text("func(")
        params = func.params[1:] if tag in _SELF_KINDS else func.params
        self.out.append(
            ", ".join(f"{escape(p.name)}: {self.type_name(p.ty)}" for p in params) + ")"
        )
        if self.constructor_shorthand(func):
            return
        if func.result is not None:
            self.out.append(f" -> {self.type_name(func.result)}")

    def constructor_shorthand(self, func: m.Function) -> bool:
        """A constructor returning its own resource prints no `-> ...`."""
        if func.kind.tag != "constructor" or not isinstance(func.result, int):
            return False
        kind = self.resolve.types[func.result].kind
        return (
            isinstance(kind, m.HandleKind)
            and kind.handle == "own"
            and kind.resource == func.kind.resource
        )

    def type_name(self, ty: m.TypeRef) -> str:
        """How a type is written where it is used."""
        if isinstance(ty, str):
            return ty
        td = self.resolve.types[ty]
        if td.name is not None:
            return escape(td.name)
        k = td.kind
        if isinstance(k, m.HandleKind):
            return self.handle(k, force=False)
        if isinstance(k, m.TupleKind):
            return f"tuple<{', '.join(self.type_name(t) for t in k.types)}>"
        if isinstance(k, m.OptionKind):
            return f"option<{self.type_name(k.ty)}>"
        if isinstance(k, m.ResultKind):
            return self.result_name(k)
        if isinstance(k, m.ListKind):
            return f"list<{self.type_name(k.ty)}>"
        if isinstance(k, m.MapKind):
            return f"map<{self.type_name(k.key)}, {self.type_name(k.value)}>"
        if isinstance(k, m.FixedLengthListKind):
            return f"list<{self.type_name(k.ty)}, {k.size}>"
        if isinstance(k, m.AliasKind):
            return self.type_name(k.ty)
        if isinstance(k, (m.FutureKind, m.StreamKind)):
            word = "future" if isinstance(k, m.FutureKind) else "stream"
            return word if k.ty is None else f"{word}<{self.type_name(k.ty)}>"
        raise PrintError(f"the Resolve has an unnamed {type(k).__name__} type")

    def handle(self, k: m.HandleKind, *, force: bool) -> str:
        name = self.resolve.types[k.resource].name
        if name is None:
            raise PrintError("unnamed resource type")
        if k.handle == "borrow":
            return f"borrow<{escape(name)}>"
        return f"own<{escape(name)}>" if force else escape(name)

    def result_name(self, k: m.ResultKind) -> str:
        if k.ok is not None and k.err is not None:
            return f"result<{self.type_name(k.ok)}, {self.type_name(k.err)}>"
        if k.err is not None:
            return f"result<_, {self.type_name(k.err)}>"
        if k.ok is not None:
            return f"result<{self.type_name(k.ok)}>"
        return "result"

    def declare(self, ty: m.TypeDef) -> None:
        """A named type's definition (wit-component's `declare_type`)."""
        k = ty.kind
        if ty.name is None:
            raise PrintError("unnamed type in document")
        name = escape(ty.name)
        if isinstance(k, (m.RecordKind, m.FlagsKind, m.VariantKind, m.EnumKind)):
            word = {
                m.RecordKind: "record",
                m.FlagsKind: "flags",
                m.VariantKind: "variant",
                m.EnumKind: "enum",
            }[type(k)]
            self.text(f"{word} {name}")
            self.indent_start()
            if isinstance(k, m.RecordKind):
                for field in k.fields:
                    self.docs(field.docs)
                    self.text(f"{escape(field.name)}: {self.type_name(field.ty)},")
                    self.newline()
            elif isinstance(k, m.VariantKind):
                for case in k.cases:
                    self.docs(case.docs)
                    payload = "" if case.ty is None else f"({self.type_name(case.ty)})"
                    self.text(f"{escape(case.name)}{payload},")
                    self.newline()
            else:
                for part in k.flags if isinstance(k, m.FlagsKind) else k.cases:
                    self.docs(part.docs)
                    self.text(f"{escape(part.name)},")
                    self.newline()
            self.indent_end()
            return
        if isinstance(k, m.HandleKind):
            # `own` is written out: `type a = b` of a resource `b` is another thing
            definition = self.handle(k, force=True)
        elif isinstance(k, m.AliasKind):
            definition = self.type_name(k.ty)
        elif isinstance(k, m.TupleKind):
            definition = f"tuple<{', '.join(self.type_name(t) for t in k.types)}>"
        elif isinstance(k, m.OptionKind):
            definition = f"option<{self.type_name(k.ty)}>"
        elif isinstance(k, m.ResultKind):
            definition = self.result_name(k)
        elif isinstance(k, m.ListKind):
            definition = f"list<{self.type_name(k.ty)}>"
        elif isinstance(k, m.MapKind):
            definition = f"map<{self.type_name(k.key)}, {self.type_name(k.value)}>"
        elif isinstance(k, m.FixedLengthListKind):
            definition = f"list<{self.type_name(k.ty)}, {k.size}>"
        elif isinstance(k, (m.FutureKind, m.StreamKind)):
            word = "future" if isinstance(k, m.FutureKind) else "stream"
            definition = word if k.ty is None else f"{word}<{self.type_name(k.ty)}>"
        else:
            raise PrintError(f"cannot print the type `{ty.name}`")
        self.text(f"type {name} = {definition}")
        self.semicolon()


class PrintError(ValueError):
    """A `Resolve` that has no WIT spelling (an unnamed record, a `use` of a world's type). The
    WIT front end never makes one; a decoded component whose types WIT cannot say can."""


def package_files(resolve: m.Resolve, main: m.PackageId) -> list[tuple[str, str]]:
    """Every package as its own WIT file, laid out as `wasm-tools component wit --out-dir`
    does: (relative path, text), the main package as `NAME.wit`, the others in `deps/`.

    A file is named after its package's name; when two packages share the name, the namespace is
    added (`ns:name.wit`), and when they share namespace and name, the version
    (`name@1.0.0.wit`, `ns:name@1.0.0.wit`)."""
    counts: dict[str, dict[str, int]] = {}
    for pkg in resolve.packages:
        by_ns = counts.setdefault(pkg.name.name, {})
        by_ns[pkg.name.namespace] = by_ns.get(pkg.name.namespace, 0) + 1
    files = []
    for pid, pkg in enumerate(resolve.packages):
        name = pkg.name
        same_name = counts[name.name]
        versioned = f"{name.name}@{name.version}" if name.version is not None else name.name
        if len(same_name) == 1:
            stem = name.name if same_name[name.namespace] == 1 else versioned
        else:
            stem = f"{name.namespace}:{name.name}" if same_name[name.namespace] == 1 else str(name)
        folder = "" if pid == main else "deps/"
        files.append((f"{folder}{stem}.wit", print_package(resolve, m.PackageId(pid), [])))
    return files
