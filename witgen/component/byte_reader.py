"""Reading a component's bytes, stage 1's lowest layer: a bounds-checked cursor over a byte range.

In: bytes and a range. Out: integers (LEB128), names and sub-ranges, or a `BinaryError` at the
offset where the bytes stop making sense. Used by `section_reader` and `skip_core_types`.
"""

from __future__ import annotations


class BinaryError(Exception):
    """Malformed or unsupported bytes at `offset` (from the start of the file)."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class Reader:
    """A cursor over `data[pos:end]`; offsets in errors are positions in `data`."""

    __slots__ = ("data", "pos", "end")

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def eof(self) -> bool:
        return self.pos >= self.end

    def error(self, message: str, offset: int | None = None) -> BinaryError:
        return BinaryError(message, self.pos if offset is None else offset)

    def u8(self) -> int:
        if self.pos >= self.end:
            raise self.error("unexpected end of the input")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def peek(self) -> int:
        if self.pos >= self.end:
            raise self.error("unexpected end of the input")
        return self.data[self.pos]

    def u32(self) -> int:
        """An unsigned LEB128 of at most 32 bits (5 bytes)."""
        data, pos, end = self.data, self.pos, self.end
        if pos < end and data[pos] < 0x80:  # the common one-byte case
            self.pos = pos + 1
            return data[pos]
        result = shift = 0
        start = pos
        while True:
            if pos >= end:
                self.pos = pos
                raise self.error("unexpected end of the input")
            b = data[pos]
            pos += 1
            result |= (b & 0x7F) << shift
            if b < 0x80:
                break
            shift += 7
            if shift >= 35:
                raise self.error("invalid var_u32: integer representation too long", start)
        if result > 0xFFFFFFFF:
            raise self.error("invalid var_u32: integer too large", start)
        self.pos = pos
        return result

    def s33(self) -> int:
        """A signed LEB128 of at most 33 bits (a type index, or a negative primitive code)."""
        data, end = self.data, self.end
        start = pos = self.pos
        result = shift = 0
        while True:
            if pos >= end:
                self.pos = pos
                raise self.error("unexpected end of the input")
            b = data[pos]
            pos += 1
            result |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                break
            if shift >= 35:
                raise self.error("invalid var_s33: integer representation too long", start)
        if b & 0x40:
            result -= 1 << shift
        self.pos = pos
        return result

    def take(self, size: int) -> int:
        """Step over `size` bytes; returns where they start."""
        start = self.pos
        if size > self.end - start:
            raise self.error("unexpected end of the input")
        self.pos = start + size
        return start

    def string(self) -> str:
        size = self.u32()
        start = self.take(size)
        try:
            return self.data[start : start + size].decode("utf-8")
        except UnicodeDecodeError:
            raise self.error("malformed UTF-8 encoding", start) from None

    def count(self, what: str) -> int:
        """A vector's length, refused when it could not fit in what is left (each item takes
        at least one byte), so a corrupt count fails at once instead of looping."""
        offset = self.pos
        n = self.u32()
        if n > self.end - self.pos:
            raise self.error(f"{what} count {n} is larger than the rest of the section", offset)
        return n

    def invalid(self, byte: int, what: str, offset: int | None = None) -> BinaryError:
        where = self.pos - 1 if offset is None else offset
        return self.error(f"invalid leading byte (0x{byte:x}) for {what}", where)
