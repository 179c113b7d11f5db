from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from fastapi.responses import JSONResponse
from servicekit.auth import WRITERS, Caller, require_access
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession

from metrics_svc.conversions import service
from metrics_svc.conversions.schemas import ConversionIn, ConversionOut

router = APIRouter(prefix="/conversions", tags=["conversions"])

ALREADY_REPORTED: dict[int | str, dict[str, Any]] = {
    200: {"model": ConversionOut, "description": "Already reported (same conversion_id)"}
}
Writer = Annotated[Caller, Depends(require_access(*WRITERS, scope="conversions:write"))]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ConversionOut,
    responses=ALREADY_REPORTED | problem_responses(401, 403, 422),
    summary="Report a conversion (order, sign-up, download) from the brand's shop or site",
)
async def report_conversion(body: ConversionIn, caller: Writer, session: DbSession) -> JSONResponse:
    conversion, created = await service.record(session, caller.workspace_id, body)
    return JSONResponse(
        conversion.model_dump(mode="json"),
        status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )
