from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession

from metrics_svc.access import CALLER_PROBLEMS, ConversionWriter
from metrics_svc.conversions import service
from metrics_svc.conversions.schemas import ConversionCreate, ConversionRead

router = APIRouter(prefix="/conversions", tags=["conversions"], responses=CALLER_PROBLEMS)

ALREADY_REPORTED: dict[int | str, dict[str, Any]] = {
    200: {"model": ConversionRead, "description": "Already reported (same conversion_id)"}
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ConversionRead,
    responses=ALREADY_REPORTED | problem_responses(403, 422),
    summary="Report a conversion (order, sign-up, download) from the brand's shop or site",
)
async def report_conversion(
    body: ConversionCreate, caller: ConversionWriter, session: DbSession
) -> JSONResponse:
    conversion, created = await service.record(session, caller.workspace_id, body)
    return JSONResponse(
        conversion.model_dump(mode="json"),
        status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )
