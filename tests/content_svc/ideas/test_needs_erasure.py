"""`member.erased`: a member's questions and their part of user-need ideas are forgotten."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from content_svc.consumers import HANDLERS
from content_svc.models import Idea, MemberQuestion
from event_contracts import CloudEvent, MemberErasedV1
from servicekit.consumer import PoisonMessage
from servicekit.runtime import ServiceRuntime
from sqlalchemy import select

from tests.content_svc.factories import Workspace
from tests.content_svc.ideas.test_ideas import IDEAS, needs, question


def erased(workspace_id: str, member_id: str, *merged: str) -> CloudEvent:
    return CloudEvent.create(
        "member.erased",
        "/user-svc",
        member_id,
        workspace_id,
        MemberErasedV1(
            member_id=member_id,
            workspace_id=workspace_id,
            merged_member_ids=list(merged),
            erased_at=datetime.now(UTC),
        ),
    )


async def ask(runtime: ServiceRuntime, workspace: Workspace, *asks: tuple[str, str]) -> None:
    for member, text in asks:
        event = question(workspace.id, member, text)
        assert await runtime.consumer.apply(event, HANDLERS["interaction.received"])


async def forget(runtime: ServiceRuntime, event: CloudEvent) -> bool:
    return await runtime.consumer.apply(event, HANDLERS["member.erased"])


async def stored(runtime: ServiceRuntime) -> tuple[list[MemberQuestion], list[Idea]]:
    async with runtime.db.transaction() as session:
        questions = list((await session.scalars(select(MemberQuestion))).all())
        ideas = list((await session.scalars(select(Idea))).all())
    return questions, ideas


async def test_an_erased_asker_leaves_the_idea_and_its_samples(
    client: httpx.AsyncClient, runtime: ServiceRuntime, workspace: Workspace
) -> None:
    alice, bob, carol, dave = (str(uuid.uuid4()) for _ in range(4))
    await ask(
        runtime,
        workspace,
        (alice, "咖啡豆开封后怎么保存？"),
        (bob, "请问咖啡豆保存多久？"),
        (carol, "咖啡豆要密封保存吗？"),
        (dave, "咖啡豆放冰箱可以吗？"),
    )
    [need] = await needs(client, workspace)
    assert need["asker_count"] == 4
    assert "咖啡豆开封后怎么保存？" in need["sample_questions"]

    event = erased(workspace.id, alice)
    assert await forget(runtime, event)
    assert not await forget(runtime, event)  # a redelivery changes nothing

    [need] = await needs(client, workspace)
    assert need["asker_count"] == 3
    assert "咖啡豆开封后怎么保存？" not in need["sample_questions"]
    assert sorted(need["sample_questions"]) == sorted(
        ["请问咖啡豆保存多久？", "咖啡豆要密封保存吗？", "咖啡豆放冰箱可以吗？"]
    )
    questions, [idea] = await stored(runtime)
    assert alice not in idea.asker_ids
    assert alice not in {q.member_id for q in questions}
    assert len(questions) == 3

    # A question of hers still on its way (another topic) is not kept.
    await ask(runtime, workspace, (alice, "咖啡豆哪里买？"))
    questions, [idea] = await stored(runtime)
    assert len(questions) == 3
    assert idea.asker_count == 3


async def test_an_idea_whose_askers_all_vanish_goes_unless_an_operator_worked_on_it(
    client: httpx.AsyncClient, runtime: ServiceRuntime, workspace: Workspace
) -> None:
    # A member asked under two records that user-svc later merged into one.
    person, earlier, bob, carol = (str(uuid.uuid4()) for _ in range(4))
    await ask(
        runtime,
        workspace,
        (person, "燕麦拿铁怎么做？"),
        (earlier, "燕麦拿铁会分层吗？"),
        (bob, "燕麦拿铁有糖吗？"),
        (person, "手冲咖啡用什么水？"),
        (earlier, "手冲咖啡水温多少？"),
        (carol, "手冲咖啡怎么入门？"),
    )
    by_keyword = {need["keyword"]: need for need in await needs(client, workspace)}
    assert set(by_keyword) == {"燕麦", "手冲"}
    shortlisted = await client.patch(
        f"{IDEAS}/{by_keyword['手冲']['id']}",
        json={"status": "shortlisted"},
        headers=workspace.headers(),
    )
    assert shortlisted.status_code == 200, shortlisted.text

    assert await forget(runtime, erased(workspace.id, person, earlier))
    assert await forget(runtime, erased(workspace.id, bob))
    assert await forget(runtime, erased(workspace.id, carol))

    # The untouched idea only recorded what they asked: gone. The shortlisted one is the
    # team's now: kept, with nobody's questions.
    [kept] = await needs(client, workspace)
    assert (kept["keyword"], kept["status"]) == ("手冲", "shortlisted")
    assert (kept["asker_count"], kept["sample_questions"]) == (0, [])
    questions, ideas = await stored(runtime)
    assert questions == []
    assert [idea.asker_ids for idea in ideas] == [[]]


async def test_a_member_erased_event_of_another_workspace_is_refused(
    runtime: ServiceRuntime, workspace: Workspace, other_workspace: Workspace
) -> None:
    member = str(uuid.uuid4())
    event = erased(workspace.id, member)
    event.workspaceid = other_workspace.id
    # The runner dead-letters it; it is applied to neither workspace.
    with pytest.raises(PoisonMessage, match="workspace"):
        await forget(runtime, event)
