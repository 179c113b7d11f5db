import pytest
from event_contracts import (
    TOPICS,
    CloudEvent,
    InteractionReceivedV1,
    InvalidEvent,
    Topic,
    all_topic_names,
    dlq_topic,
    get_topic,
    message_key,
    topics_consumed_by,
)

SERVICES = {"content-svc", "channel-svc", "user-svc", "metrics-svc"}
# The gateway consumes (operators' notifications, the live stream) but never produces.
CONSUMERS = {*SERVICES, "gateway"}


def test_topic_names_are_unique() -> None:
    names = [topic.name for topic in TOPICS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("topic", TOPICS, ids=lambda topic: topic.name)
def test_topic_contract_is_complete(topic: Topic) -> None:
    assert topic.producers
    assert topic.consumers
    assert set(topic.producers) <= SERVICES
    assert set(topic.consumers) <= CONSUMERS
    assert not set(topic.producers) & set(topic.consumers)
    assert topic.version == 1
    assert topic.partitions == 3
    assert topic.key in topic.payload_model.model_fields
    assert topic.payload_model.model_fields[topic.key].annotation is str
    assert "workspace_id" in topic.payload_model.model_fields
    assert topic.description


def test_get_topic_and_unknown_topic() -> None:
    assert get_topic("stats.ingested").key == "batch_id"
    with pytest.raises(KeyError, match=r"post\.deleted.*post\.published"):
        get_topic("post.deleted")


def test_dlq_names() -> None:
    assert dlq_topic("post.published") == "post.published.dlq"
    names = all_topic_names()
    assert len(names) == 2 * len(TOPICS)
    for topic in TOPICS:
        assert topic.name in names
        assert f"{topic.name}.dlq" in names
    assert all_topic_names(include_dlq=False) == [topic.name for topic in TOPICS]


def test_topics_consumed_by() -> None:
    assert {t.name for t in topics_consumed_by("channel-svc")} == {
        "post.published",
        "post.channel.revised",
        "wordlist.changed",
        "campaign.changed",
        "inbox.answer.requested",
        "segment.tag.requested",
        # Only for webhook subscriptions (channel-svc's own topics reach them as emitted).
        "interaction.received",
        "member.erased",
        "stats.ingested",
        "post.review.changed",
        "inbox.item.assigned",
        "alert.raised",
    }
    assert {t.name for t in topics_consumed_by("content-svc")} == {
        "distribution.succeeded",
        "distribution.failed",
        "interaction.received",
        "member.erased",
        "stats.ingested",
        "channel.changed",
    }
    assert topics_consumed_by("nobody-svc") == []


def test_message_key_uses_the_registered_key_field() -> None:
    topic = get_topic("interaction.received")
    interaction = InteractionReceivedV1.model_validate(topic.example)
    event = CloudEvent.create(
        topic.name, "/user-svc", interaction.interaction_id, interaction.workspace_id, interaction
    )
    assert topic.key == "member_id"
    assert message_key(event) == interaction.member_id.encode("utf-8")
    assert message_key(event) != interaction.interaction_id.encode("utf-8")


@pytest.mark.parametrize("topic", TOPICS, ids=lambda topic: topic.name)
def test_message_key_of_every_topic(topic: Topic) -> None:
    payload = topic.payload_model.model_validate(topic.example)
    event = CloudEvent.create(
        topic.name, f"/{topic.producers[0]}", "s", topic.example["workspace_id"], payload
    )
    assert message_key(event) == topic.example[topic.key].encode("utf-8")


def test_message_key_of_an_event_without_its_key_is_an_invalid_event() -> None:
    event = CloudEvent(source="/x", type="post.published", workspaceid="w", data={})
    with pytest.raises(InvalidEvent, match="post_id"):
        message_key(event)
