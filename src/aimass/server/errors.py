"""How library errors that escape a route become HTTP answers (installed by ``create_app``)."""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from starlette.responses import Response

from aimass.server.deps import WarehouseUnavailableError

__all__ = ["install_error_handlers"]


def _wants_html(request: Request) -> bool:
    path = request.url.path[len(str(request.scope.get("root_path", ""))) :]
    return not path.startswith("/v1") and "text/html" in request.headers.get("accept", "")


async def _warehouse_unavailable(request: Request, error: Exception) -> Response:
    retry_after = getattr(error, "retry_after", 2)
    headers = {"Retry-After": str(retry_after)}
    if _wants_html(request):
        from aimass.server.dashboard import render

        context = {"title": "Warehouse busy", "heading": "The warehouse is busy", "message": str(error)}
        return render(
            request, "error.html", context, status_code=status.HTTP_503_SERVICE_UNAVAILABLE, headers=headers
        )
    return JSONResponse(
        {"detail": str(error), "error": "warehouse_unavailable"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers=headers,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Answer 503 with ``Retry-After`` (JSON for the API, a page for a browser) when the warehouse is busy."""
    app.add_exception_handler(WarehouseUnavailableError, _warehouse_unavailable)
