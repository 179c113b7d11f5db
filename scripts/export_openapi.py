"""Write the merged OpenAPI document the gateway serves at `/openapi.json`:
`python scripts/export_openapi.py clients/typescript/openapi.json`.

Built in this process from the gateway's and every service's app, with the gateway's own
merge (`gateway.openapi.service.merge_documents`), so nothing has to run; a test holds it
equal to what a running gateway serves. `make client` writes it and generates the
TypeScript client from it.
"""

from __future__ import annotations

import importlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from gateway.app import create_app as create_gateway
from gateway.openapi.service import merge_documents
from gateway.settings import Settings as GatewaySettings
from servicekit import apps
from servicekit.settings import SharedSettings


def _service_document(app: apps.App, data_dir: Path, shared: SharedSettings) -> dict[str, Any]:
    settings_cls: Any = importlib.import_module(f"{app.module}.settings").Settings
    module: Any = importlib.import_module(f"{app.module}.app")
    settings = settings_cls(
        database_url=f"sqlite+aiosqlite:///{data_dir}/{app.key}.db", shared=shared
    )
    document: dict[str, Any] = module.create_app(module.create_runtime(settings)).openapi()
    return document


def merged_document() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mediaops-openapi-") as folder:
        data_dir = Path(folder)
        shared = SharedSettings(environment="test", data_dir=data_dir, log_level="WARNING")
        settings = GatewaySettings(
            database_url=f"sqlite+aiosqlite:///{data_dir}/gateway.db",
            jwt_key_dir=data_dir / "keys",
            shared=shared,
        )
        gateway = create_gateway(settings, configure_logs=False)
        upstreams = gateway.state.runtime.openapi.upstreams
        documents = {
            app.key: _service_document(app, data_dir, shared)
            for app in apps.SERVICES
            if app.key in upstreams
        }
        return merge_documents(gateway, upstreams, documents)


def dumps(document: dict[str, Any]) -> str:
    """The document as the checked-in file holds it."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)  # noqa: T201
        return 2
    Path(argv[1]).write_text(dumps(merged_document()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
