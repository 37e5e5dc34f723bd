"""Downloads under ``/_files/``: the import error reports.

In reality ``errorReportFileUrl`` is a signed URL on a storage host, so these downloads need no
auth and are neither rate-limited, fault-injected nor logged.
"""

from __future__ import annotations

import re

from api_target_kit.sandbox import ApiRequest, Response

from .config import SandboxConfig
from .imports import ImportRegistry

FILES_PREFIX = "/_files/"
_ERROR_REPORT_RE = re.compile(r"/_files/import-errors/([^/]+)\.csv")


def is_file_path(path: str) -> bool:
    """Tell whether ``path`` is a download under ``/_files/``."""
    return path.startswith(FILES_PREFIX)


def _text(status: int, text: str) -> Response:
    return Response(status, text.encode("utf-8"), content_type="text/plain; charset=utf-8")


def serve_file(imports: ImportRegistry, request: ApiRequest, config: SandboxConfig) -> Response:
    """Answer a download: the error report CSV of a finished import with failed rows, or 404/405.

    ``config.error_report_status`` other than 200 answers that status instead (an expired link);
    ``config.error_report_reason_column`` names the reason column.
    """
    if request.method != "GET":
        return _text(405, "Method Not Allowed")
    match = _ERROR_REPORT_RE.fullmatch(request.path)
    job = imports.get(match.group(1)) if match else None
    if job is None or job.errors == 0:
        return _text(404, "Not Found")
    if config.error_report_status != 200:
        return _text(config.error_report_status, "Request has expired")
    return Response(200, job.error_report(config.error_report_reason_column), content_type="text/csv; charset=utf-8")
