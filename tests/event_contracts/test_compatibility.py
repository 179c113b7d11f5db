"""A change to a payload model that would break a consumer of the last release fails here.

The checker is tried on crafted before/after models, each breaking for one named reason (or
for none), then every registered topic is held to `docs/events/released/`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pytest
from event_contracts import Payload
from event_contracts.compatibility import (
    BreakingChange,
    breaking_changes,
    check_release,
    load_schemas,
)
from event_contracts.schemas import topic_schemas
from pydantic import BaseModel, Field, create_model

RELEASED = Path(__file__).resolve().parents[2] / "docs" / "events" / "released"


class Media(BaseModel):
    url: str
    width: int | None = None


class Options(BaseModel):
    mode: Literal["publish", "mass_send"] = "publish"


# The released payload: what each case changes one thing of.
RELEASED_FIELDS: dict[str, Any] = {
    "post_id": (str, ...),
    "title": (str, ...),
    "reads": (int, ...),
    "summary": (str | None, None),
    "kind": (Literal["article", "video"], ...),
    "media": (list[Media], ...),
    "options": (dict[str, Options], {}),
}


def schema_of(**changes: Any) -> dict[str, Any]:
    """The JSON Schema of the released payload with `changes` (a field set to None is
    removed), as `make schemas` writes a payload model's."""
    fields = {name: spec for name, spec in {**RELEASED_FIELDS, **changes}.items() if spec}
    model: type[BaseModel] = create_model("PostEventV1", __base__=Payload, **fields)
    return model.model_json_schema()


def nested_schema_of(media: type[BaseModel] = Media, options: type[BaseModel] = Options) -> Any:
    return schema_of(media=(list[media], ...), options=(dict[str, options], {}))  # type: ignore[valid-type]


class MediaWithoutUrl(BaseModel):
    width: int | None = None


class MediaWithTextWidth(BaseModel):
    url: str
    width: str | None = None


class OptionsOneMode(BaseModel):
    mode: Literal["publish"] = "publish"


def reasons(changes: list[BreakingChange]) -> set[tuple[str, str]]:
    return {(change.path, change.reason) for change in changes}


@pytest.mark.parametrize(
    ("changes", "path", "reason"),
    [
        pytest.param({"title": None}, "title", "removed", id="removed field"),
        pytest.param({"summary": None}, "summary", "removed", id="removed optional field"),
        pytest.param({"reads": (str, ...)}, "reads", "type_changed", id="integer to string"),
        pytest.param({"reads": (float, ...)}, "reads", "type_changed", id="integer to number"),
        pytest.param({"reads": (int | None, ...)}, "reads", "type_changed", id="now nullable"),
        pytest.param({"author_id": (str, ...)}, "author_id", "new_required", id="new required"),
        pytest.param({"summary": (str, ...)}, "summary", "new_required", id="now required"),
        pytest.param(
            {"title": (str | None, None)}, "title", "no_longer_required", id="now optional"
        ),
        pytest.param(
            {"kind": (Literal["article"], ...)}, "kind", "enum_narrowed", id="narrowed enum"
        ),
        pytest.param(
            {"kind": (Literal["article", "video", "live"], ...)},
            "kind",
            "enum_widened",
            id="widened enum",
        ),
        pytest.param({"kind": (str, ...)}, "kind", "enum_widened", id="enum to any string"),
    ],
)
def test_a_breaking_change_is_named(changes: dict[str, Any], path: str, reason: str) -> None:
    found = breaking_changes(schema_of(), schema_of(**changes))
    assert (path, reason) in reasons(found), found
    assert all(str(change).startswith(f"{path}: ") for change in found), found


@pytest.mark.parametrize(
    ("media", "options", "path", "reason"),
    [
        pytest.param(MediaWithoutUrl, Options, "media[].url", "removed", id="in a list"),
        pytest.param(
            MediaWithTextWidth, Options, "media[].width", "type_changed", id="nullable retyped"
        ),
        pytest.param(Media, OptionsOneMode, "options.*.mode", "enum_narrowed", id="in a map"),
    ],
)
def test_a_breaking_change_inside_a_nested_model_is_named(
    media: type[BaseModel], options: type[BaseModel], path: str, reason: str
) -> None:
    found = breaking_changes(nested_schema_of(), nested_schema_of(media, options))
    assert reasons(found) == {(path, reason)}, found


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({}, id="nothing"),
        pytest.param({"reading_minutes": (int | None, None)}, id="new optional field"),
        pytest.param({"tags": (list[str], [])}, id="new field with a default"),
        pytest.param(
            {"title": (str, Field(description="The post's title, as written."))},
            id="description",
        ),
        pytest.param({"summary": (str | None, "")}, id="another default"),
    ],
)
def test_an_additive_change_breaks_nothing(changes: dict[str, Any]) -> None:
    assert breaking_changes(schema_of(), schema_of(**changes)) == []


def test_a_new_field_where_the_release_allows_none_is_breaking() -> None:
    fields: dict[str, Any] = {"id": {"type": "string"}}
    grown = {**fields, "extra": {"type": "string"}}
    closed = {"type": "object", "properties": fields, "additionalProperties": False}
    assert reasons(breaking_changes(closed, {**closed, "properties": grown})) == {
        ("extra", "closed")
    }
    open_ = {"type": "object", "properties": fields}
    assert breaking_changes(open_, {**open_, "properties": grown}) == []


def test_a_recursive_model_is_compared_to_an_end() -> None:
    class Comment(BaseModel):
        text: str
        replies: list[Comment] = []

    class CommentWithoutText(BaseModel):
        replies: list[CommentWithoutText] = []

    found = breaking_changes(Comment.model_json_schema(), CommentWithoutText.model_json_schema())
    assert ("text", "removed") in reasons(found)
    assert {change.reason for change in found} == {"removed"}


def test_a_released_topic_version_no_longer_registered_is_breaking() -> None:
    schemas = topic_schemas()
    gone = "post.published.v1.schema.json"
    found = check_release(schemas, {k: v for k, v in schemas.items() if k != gone})
    assert list(found) == [gone]
    assert [change.reason for change in found[gone]] == ["topic_removed"]
    # A new topic, or a new version next to the released one, breaks nothing.
    assert check_release({k: v for k, v in schemas.items() if k != gone}, schemas) == {}


def test_a_breaking_change_of_a_topic_is_found_in_the_whole_message() -> None:
    schemas = topic_schemas()
    name = "post.published.v1.schema.json"
    current = schemas[name]
    data = current["properties"]["data"]
    without_title = {k: v for k, v in data["properties"].items() if k != "title"}
    changed = {
        **current,
        "properties": {**current["properties"], "data": {**data, "properties": without_title}},
    }
    found = check_release(schemas, {**schemas, name: changed})
    assert reasons(found[name]) == {("data.title", "removed")}


def test_every_registered_topic_is_compatible_with_the_released_schemas() -> None:
    """Fails when a payload model or the envelope changed in a way that breaks a consumer
    of the last release (docs/events/README.md, Compatibility, says what to do)."""
    released = load_schemas(RELEASED)
    assert released, f"{RELEASED} holds no released schemas: run `make schemas-release`"
    breaking = check_release(released, topic_schemas())
    assert not breaking, "\n".join(
        f"{name}: {change}" for name, changes in breaking.items() for change in changes
    )
