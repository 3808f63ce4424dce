"""Stepping over core types inside instance and component types (stage 1 of reading a component).

In: a `Reader` at a `(core type ...)` declaration. Out: the reader past it; nothing is kept, as no
WIT type mentions a core type. The encodings follow wasmparser's core type readers; anything
unknown is a `BinaryError`.
"""

from __future__ import annotations

from witgen.component.byte_reader import Reader


def skip_core_type(r: Reader) -> None:
    b = r.peek()
    if b == 0x50:  # a module type
        r.pos += 1
        for _ in range(r.count("module type declaration")):
            d = r.u8()
            if d == 0x00:  # import
                r.string()
                r.string()
                _skip_core_extern(r)
            elif d == 0x01:
                _skip_rec_group(r)
            elif d == 0x02:  # outer alias
                r.u8()
                r.u8()
                r.u32()
                r.u32()
            elif d == 0x03:  # export
                r.string()
                _skip_core_extern(r)
            else:
                raise r.invalid(d, "type definition")
        return
    if b == 0x00:  # a non-final sub type, marked so it is not read as a module type
        r.pos += 1
    _skip_rec_group(r)


def _skip_core_extern(r: Reader) -> None:
    kind = r.u8()
    if kind == 0x00:  # func
        r.u32()
    elif kind == 0x01:  # table
        _skip_val_type(r)
        _skip_limits(r)
    elif kind == 0x02:  # memory
        _skip_limits(r)
    elif kind == 0x03:  # global
        _skip_val_type(r)
        r.u8()
    elif kind == 0x04:  # tag
        r.u8()
        r.u32()
    else:
        raise r.invalid(kind, "external kind")


def _skip_limits(r: Reader) -> None:
    flags = r.u8()
    r.u32() if not flags & 0x04 else _skip_u64(r)
    if flags & 0x01:
        r.u32() if not flags & 0x04 else _skip_u64(r)
    if flags & 0x08:  # custom page size
        r.u32()


def _skip_u64(r: Reader) -> None:
    while r.u8() & 0x80:
        pass


def _skip_rec_group(r: Reader) -> None:
    if r.peek() == 0x4E:
        r.pos += 1
        for _ in range(r.count("rec group type")):
            _skip_sub_type(r)
    else:
        _skip_sub_type(r)


def _skip_sub_type(r: Reader) -> None:
    b = r.peek()
    if b in (0x50, 0x4F):
        r.pos += 1
        for _ in range(r.count("supertype")):
            r.u32()
    if r.peek() == 0x65:  # shared
        r.pos += 1
    b = r.u8()
    if b == 0x60:  # func
        for _ in range(r.count("parameter")):
            _skip_val_type(r)
        for _ in range(r.count("result")):
            _skip_val_type(r)
    elif b == 0x5F:  # struct
        for _ in range(r.count("field")):
            _skip_storage_type(r)
            r.u8()
    elif b == 0x5E:  # array
        _skip_storage_type(r)
        r.u8()
    elif b == 0x5D:  # cont
        r.s33()
    else:
        raise r.invalid(b, "core composite type")


def _skip_storage_type(r: Reader) -> None:
    if r.peek() in (0x78, 0x77):  # i8, i16
        r.pos += 1
    else:
        _skip_val_type(r)


def _skip_val_type(r: Reader) -> None:
    b = r.u8()
    if b in (0x63, 0x64):  # (ref null? heaptype)
        if r.peek() == 0x65:
            r.pos += 1
        r.s33()
    elif not 0x68 <= b <= 0x7F:
        raise r.invalid(b, "core value type")
