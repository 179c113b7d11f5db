"""Whether a topic's schema still fits the consumers and the events of the last release.

`breaking_changes(released, current)` compares two JSON Schemas of one message (as
`json_schema_for` makes them, and as `docs/events/released/` keeps them from the last
release) and names every change that breaks someone:

- a consumer built on the release reads events of the current schema, so a field it knows
  may not disappear (`removed`), stop being always there (`no_longer_required`), change
  its JSON type (`type_changed`), take values the release did not list (`enum_widened`),
  or appear where the release allows no other field (`closed`);
- current consumers read events made to the release (still on the topic, in a dead-letter
  topic, or from a producer not yet updated), so a field may not become required
  (`new_required`) and an enumeration may not lose a value (`enum_narrowed`).

What stays compatible: a new optional field, a new topic, titles, descriptions, examples
and defaults. A change that must break gets a new payload model and topic version, whose
schema has a file of its own. JSON Schema is read as pydantic writes it: local `$ref`s
into `$defs`, `anyOf` for unions (`X | None`), `enum` and `const`, `items` and
`additionalProperties` for lists and maps.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Reason = Literal[
    "removed",
    "no_longer_required",
    "new_required",
    "type_changed",
    "enum_narrowed",
    "enum_widened",
    "closed",
    "topic_removed",
]

Schema = Mapping[str, Any]

_JSON_TYPES = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
    type(None): "null",
}


@dataclass(frozen=True)
class BreakingChange:
    """One change that breaks a consumer of the release or an event made to it."""

    path: str  # where in the message: `data.title`, `data.media[].kind`, `data.variants.*`
    reason: Reason
    detail: str

    def __str__(self) -> str:
        return f"{self.path or '(message)'}: {self.detail} [{self.reason}]"


def breaking_changes(released: Schema, current: Schema) -> list[BreakingChange]:
    """Every breaking change from `released` to `current`, two schemas of one message."""
    return list(_Comparison(released, current).compare(released, current, ""))


def check_release(
    released: Mapping[str, Schema], current: Mapping[str, Schema]
) -> dict[str, list[BreakingChange]]:
    """The breaking changes of each released schema (by file name, as `schema_filename`
    names them) that the current ones break; a topic version the release has and the
    registry no longer does is one. New topics and versions break nothing."""
    found: dict[str, list[BreakingChange]] = {}
    for name, schema in sorted(released.items()):
        if name not in current:
            found[name] = [
                BreakingChange("", "topic_removed", "the release has this topic version; not now")
            ]
        elif changes := breaking_changes(schema, current[name]):
            found[name] = changes
    return found


def load_schemas(folder: Path) -> dict[str, Schema]:
    """The `*.schema.json` files of `folder`, by file name (`docs/events/released/`)."""
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.schema.json"))
    }


class _Comparison:
    """Walks two schemas side by side, each resolving `$ref`s in its own document."""

    def __init__(self, released_root: Schema, current_root: Schema) -> None:
        self.roots = (released_root, current_root)
        # The pairs of definitions being compared further up: a recursive model stops here.
        self.active: set[tuple[int, int]] = set()

    def compare(self, released: Schema, current: Schema, path: str) -> Iterator[BreakingChange]:
        old, new = _resolve(self.roots[0], released), _resolve(self.roots[1], current)
        pair = (id(old), id(new))
        if pair in self.active:
            return
        self.active.add(pair)
        try:
            yield from self._types(old, new, path)
            yield from self._enums(old, new, path)
            old_object = self._branch(self.roots[0], old, "object")
            new_object = self._branch(self.roots[1], new, "object")
            if old_object is not None and new_object is not None:
                yield from self._objects(old_object, new_object, path)
            old_array = self._branch(self.roots[0], old, "array")
            new_array = self._branch(self.roots[1], new, "array")
            if old_array is not None and new_array is not None:
                yield from self.compare(
                    old_array.get("items", {}), new_array.get("items", {}), f"{path}[]"
                )
        finally:
            self.active.discard(pair)

    def _types(self, old: Schema, new: Schema, path: str) -> Iterator[BreakingChange]:
        before, after = _types(self.roots[0], old), _types(self.roots[1], new)
        if before != after and before and after:
            yield BreakingChange(
                path,
                "type_changed",
                f"type changed from {', '.join(sorted(before))} to {', '.join(sorted(after))}",
            )

    def _enums(self, old: Schema, new: Schema, path: str) -> Iterator[BreakingChange]:
        before, after = _values(self.roots[0], old), _values(self.roots[1], new)
        if before is None and after is None:
            return
        if after is not None and (before is None or before - after):
            lost = "any other value" if before is None else _listed(before - after)
            yield BreakingChange(
                path, "enum_narrowed", f"no longer allows {lost}, which released events may hold"
            )
        if before is not None and (after is None or after - before):
            gained = "any value" if after is None else _listed(after - before)
            yield BreakingChange(
                path, "enum_widened", f"now allows {gained}, unknown to consumers of the release"
            )

    def _objects(self, old: Schema, new: Schema, path: str) -> Iterator[BreakingChange]:
        old_fields: Mapping[str, Schema] = old.get("properties", {})
        new_fields: Mapping[str, Schema] = new.get("properties", {})
        old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
        prefix = f"{path}." if path else ""
        for name, schema in old_fields.items():
            where = f"{prefix}{name}"
            if name not in new_fields:
                yield BreakingChange(where, "removed", "removed; consumers of the release read it")
                continue
            if name in old_required and name not in new_required:
                yield BreakingChange(
                    where,
                    "no_longer_required",
                    "no longer required; consumers of the release count on it",
                )
            yield from self.compare(schema, new_fields[name], where)
        for name in sorted(new_required - old_required):
            new_field = name not in old_fields
            yield BreakingChange(
                f"{prefix}{name}",
                "new_required",
                ("new required field" if new_field else "now required")
                + "; events made to the release do not always carry it",
            )
        if old.get("additionalProperties") is False:
            for name in sorted(set(new_fields) - set(old_fields)):
                yield BreakingChange(
                    f"{prefix}{name}", "closed", "new field where the release allows no other"
                )
        old_extra, new_extra = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(old_extra, Mapping) and isinstance(new_extra, Mapping):
            yield from self.compare(old_extra, new_extra, f"{prefix}*")

    @staticmethod
    def _branch(root: Schema, schema: Schema, kind: str) -> Schema | None:
        """The alternative of `schema` (itself or one of its `anyOf`/`oneOf`) of JSON type
        `kind`, resolved; None when it has none."""
        for branch in _alternatives(root, schema):
            if kind in _own_types(branch):
                return branch
        return None


def _resolve(root: Schema, schema: Schema) -> Schema:
    """`schema` with a local `$ref` (`#/$defs/Name`) replaced by what it points at (the
    definition itself when nothing stands beside the `$ref`)."""
    while "$ref" in schema:
        ref: str = schema["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are compared, not {ref!r}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        beside = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**beside, **target} if beside else target
    return schema


def _alternatives(root: Schema, schema: Schema) -> list[Schema]:
    """The alternatives a value may match: the `anyOf`/`oneOf` branches, or the schema."""
    branches = schema.get("anyOf") or schema.get("oneOf")
    if not branches:
        return [schema]
    found: list[Schema] = []
    for branch in branches:
        found.extend(_alternatives(root, _resolve(root, branch)))
    return found


def _own_types(schema: Schema) -> set[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return set(declared)
    if "properties" in schema:
        return {"object"}
    values = schema["enum"] if "enum" in schema else [schema["const"]] if "const" in schema else []
    return {_JSON_TYPES[type(value)] for value in values}


def _types(root: Schema, schema: Schema) -> set[str]:
    """The JSON types a value may have; empty when any goes."""
    found: set[str] = set()
    for branch in _alternatives(root, schema):
        own = _own_types(branch)
        if not own:
            return set()
        found |= own
    return found


def _values(root: Schema, schema: Schema) -> set[Any] | None:
    """The values a value is limited to (`enum`, `const`, and a `null` alternative), or
    None when some alternative is not so limited."""
    found: set[Any] = set()
    for branch in _alternatives(root, schema):
        if "enum" in branch:
            found |= {_hashable(value) for value in branch["enum"]}
        elif "const" in branch:
            found.add(_hashable(branch["const"]))
        elif _own_types(branch) == {"null"}:
            found.add(None)
        else:
            return None
    return found


def _hashable(value: Any) -> Any:
    return repr(value) if isinstance(value, list | dict) else value


def _listed(values: set[Any]) -> str:
    return ", ".join(sorted(repr(value) if value is not None else "null" for value in values))
