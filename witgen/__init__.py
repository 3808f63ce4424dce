"""witgen: a pure-Python toolchain for WIT, the interface language of the WebAssembly Component Model."""

__version__ = "0.1.0"
