"""Marks the wheel platform-specific: it ships better-sqlite3's native addon."""

import sysconfig

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class PlatformWheelHook(BuildHookInterface):
    PLUGIN_NAME = "platform-wheel"

    def initialize(self, version, build_data):
        if self.target_name != "wheel" or version == "editable":
            return
        build_data["pure_python"] = False
        platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
        # Any Python 3 will do: the addon is loaded by Node, not by Python.
        build_data["tag"] = f"py3-none-{platform}"
