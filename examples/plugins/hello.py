"""The hello-world plugin: a component of the world `plugin` (`wit/plugin.wit`), written in Python.

Build it with `witgen build wit/plugin.wit examples/plugins/hello.py -o hello.wasm`.
"""

from plugin_guest import Plugin
from plugin_guest.imports import host


class Hello(Plugin):
    def run(self, param: str) -> str:
        host.log(f"got {param}")
        return f"Hello, {param}"
