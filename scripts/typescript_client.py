"""Regenerate the TypeScript client (`make client`): write the merged OpenAPI document to
`clients/typescript/openapi.json`, then its types to `clients/typescript/src/schema.d.ts`
with `openapi-typescript` (the versions `clients/typescript/package-lock.json` pins,
installed with `npm ci` into `clients/typescript/node_modules` when that is missing or
installed from another lock).

`python scripts/typescript_client.py [OUT_DIR]` writes both files under OUT_DIR (same
names) instead: the tests generate into a temporary folder and compare.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
CLIENT = ROOT / "clients" / "typescript"
LOCK = CLIENT / "package-lock.json"
NODE_MODULES = CLIENT / "node_modules"
STAMP = NODE_MODULES / ".installed-from-lock"
DOCUMENT = Path("openapi.json")
SCHEMA = Path("src") / "schema.d.ts"


class NodeMissing(RuntimeError):
    """`npm` is not on PATH (Node.js 20 brings it)."""


def _export_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "export_openapi", ROOT / "scripts/export_openapi.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ensure_node_modules() -> Path:
    """`clients/typescript/node_modules` as the lock pins it: `npm ci` unless it was
    installed from this very lock. One process installs at a time (tests run in two)."""
    if shutil.which("npm") is None:
        raise NodeMissing("npm is not installed (Node.js 20 brings it)")
    wanted = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    CLIENT.joinpath(".build").mkdir(exist_ok=True)
    with open(CLIENT / ".build" / "npm.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        if not STAMP.exists() or STAMP.read_text().strip() != wanted:
            subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=CLIENT,
                check=True,
                timeout=600,
            )
            STAMP.write_text(wanted + "\n")
    return NODE_MODULES


def tool(name: str) -> str:
    """The path of an installed package's command (`tsc`, `spectral`)."""
    return str(ensure_node_modules() / ".bin" / name)


def generate(out_dir: Path) -> None:
    """Write the merged document and the types generated from it under `out_dir`."""
    export = _export_module()
    document = out_dir / DOCUMENT
    schema = out_dir / SCHEMA
    schema.parent.mkdir(parents=True, exist_ok=True)
    document.write_text(export.dumps(export.merged_document()), encoding="utf-8")
    subprocess.run(
        # A default makes a field optional to send, not required (`queue` of a publish).
        [
            tool("openapi-typescript"),
            str(document),
            "--default-non-nullable=false",
            "--output",
            str(schema),
        ],
        cwd=CLIENT,
        check=True,
        capture_output=True,
        timeout=300,
    )


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else CLIENT)
