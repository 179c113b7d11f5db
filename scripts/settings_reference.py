"""Print every setting of every process as Markdown: `python scripts/settings_reference.py`.

Read from the settings classes themselves, so the operations guide cannot drift from the
code (tests/scripts/test_settings_reference.py checks the guide against this output).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from pydantic_settings import BaseSettings
from servicekit import apps
from servicekit.settings import SharedSettings

APPS = [(app.name, f"{app.module}.settings") for app in apps.APPS]


def _default(field: Any) -> str:
    if field.default_factory is not None:
        return "(computed)"
    value = field.default
    if value is None or value == "":
        return "(unset)"
    return f"`{value}`"


def _rows(settings: type[BaseSettings], prefix: str) -> list[str]:
    rows = []
    for name, field in settings.model_fields.items():
        if name == "shared":
            continue
        annotation = field.annotation
        kind = (
            annotation.__name__
            if isinstance(annotation, type)
            else str(annotation)
            .replace("typing.", "")
            .replace("pathlib.", "")
            .replace("pydantic.types.", "")
        ).replace(" | ", " or ")
        rows.append(f"| `{prefix}{name.upper()}` | {kind} | {_default(field)} |")
    return rows


def reference() -> str:
    lines = [
        "Every process reads the shared `MEDIAOPS_` settings and its own prefixed ones from",
        "the environment. Database URLs default to SQLite files under `MEDIAOPS_DATA_DIR`.",
        "",
        "### Shared (`MEDIAOPS_`)",
        "",
        "| variable | type | default |",
        "| --- | --- | --- |",
        *_rows(SharedSettings, "MEDIAOPS_"),
    ]
    for app, module in APPS:
        settings = importlib.import_module(module).Settings
        prefix = str(settings.model_config.get("env_prefix", ""))
        lines += [
            "",
            f"### {app} (`{prefix}`)",
            "",
            "| variable | type | default |",
            "| --- | --- | --- |",
            *_rows(settings, prefix),
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(reference())
