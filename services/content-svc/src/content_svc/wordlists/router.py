"""The word-lists endpoints: a workspace's sensitive and banned words, by category."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from servicekit.pagination import Paging
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from content_svc.access import CALLER_PROBLEMS, Reader, WordlistEditor
from content_svc.wordlists import service
from content_svc.wordlists.schemas import WordlistCreate, WordlistRead

router = APIRouter(prefix="/wordlists", tags=["wordlists"], responses=CALLER_PROBLEMS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WordlistRead,
    responses=problem_responses(403, 422),
    summary="Create a word list",
)
async def create_wordlist(
    body: WordlistCreate, caller: WordlistEditor, session: DbSession
) -> WordlistRead:
    return WordlistRead.model_validate(await service.create_wordlist(session, caller, body))


@router.get(
    "",
    response_model=Page[WordlistRead],
    responses=problem_responses(422),
    summary="The workspace's word lists, oldest first",
)
async def list_wordlists(caller: Reader, session: DbSession, paging: Paging) -> Page[WordlistRead]:
    rows, next_cursor = await service.page_of_wordlists(session, caller.workspace_id, paging)
    return Page(items=[WordlistRead.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.get(
    "/{wordlist_id}",
    response_model=WordlistRead,
    responses=problem_responses(404),
    summary="One word list",
)
async def get_wordlist(wordlist_id: str, caller: Reader, session: DbSession) -> WordlistRead:
    return WordlistRead.model_validate(await service.get_wordlist(session, caller, wordlist_id))


@router.put(
    "/{wordlist_id}",
    response_model=WordlistRead,
    responses=problem_responses(403, 404, 422),
    summary="Replace a word list's name and words",
)
async def replace_wordlist(
    wordlist_id: str, body: WordlistCreate, caller: WordlistEditor, session: DbSession
) -> WordlistRead:
    row = await service.replace_wordlist(session, caller, wordlist_id, body)
    return WordlistRead.model_validate(row)


@router.delete(
    "/{wordlist_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(403, 404),
    summary="Delete a word list",
)
async def delete_wordlist(wordlist_id: str, caller: WordlistEditor, session: DbSession) -> Response:
    await service.delete_wordlist(session, caller, wordlist_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
