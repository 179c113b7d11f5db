"""The operations guide lists every setting the code reads, with today's defaults."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_guide_holds_the_generated_settings_reference() -> None:
    spec = importlib.util.spec_from_file_location(
        "settings_reference", ROOT / "scripts" / "settings_reference.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    reference = module.reference()
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert reference in guide, "run: python scripts/settings_reference.py, paste into the guide"
    assert "CHANNEL_CREDENTIALS_KEY" in reference
    assert "GATEWAY_REDIS_URL" in reference
