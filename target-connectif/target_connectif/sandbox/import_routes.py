"""Import endpoints: ``POST /imports/`` (multipart CSV upload), ``GET /imports/{id}``, ``GET /imports/``."""

from __future__ import annotations

from api_target_kit.sandbox import Response

from .context import Call, page
from .csv_files import CsvError, header_errors, import_spec, read_csv
from .import_form import read_import_form
from .multipart import MultipartError, parse_form
from .problems import FieldError, custom_error, field_problem, not_found, problem, validation_problem


def create_import(call: Call, _params: tuple[str, ...]) -> Response:
    """Check the form and the CSV header, then queue the import: 201 with the ``Import``.

    Order: 400 malformed form, 413 file over ``max_import_bytes``, 422 form fields, 422 file
    (UTF-8, header), 400 ``E0401`` when ``max_queued_imports`` are queued or in progress.
    """
    try:
        parts = parse_form(call.request.header("content-type") or "", call.request.body or b"")
    except MultipartError as exc:
        return problem(400, str(exc))
    upload = parts.get("file")
    if upload is not None and len(upload.data) > call.config.max_import_bytes:
        return problem(413, f"The import file is larger than {call.config.max_import_bytes} bytes")
    form = read_import_form(parts, call.config.coupon_sets)
    if isinstance(form, list):
        return validation_problem(form)
    try:
        csv_file = read_csv(form.file, form.options.delimiter)
    except CsvError as exc:
        return field_problem("file", str(exc))
    spec = import_spec(form.import_type, call.config.contact_fields)
    errors = header_errors(csv_file.header, spec)
    if errors:
        return validation_problem(FieldError("file", "/file", reason) for reason in errors)
    if call.imports.active_count() >= call.config.max_queued_imports:
        return custom_error("E0401", f"There are already {call.config.max_queued_imports} imports queued")
    job = call.imports.create(
        form.import_type,
        form.options,
        csv_file,
        will_fail=call.faults.take_import_failure(),
        skip_first=call.faults.take_short_import(),
        now=call.now,
        wall=call.wall,
    )
    return Response(201, job.to_api(call.base_url))


def get_import(call: Call, params: tuple[str, ...]) -> Response:
    """``GET /imports/{id}``: status, counters and, when rows failed, ``errorReportFileUrl``."""
    job = call.imports.get(params[0])
    return not_found("Import") if job is None else Response(200, job.to_api(call.base_url))


def list_imports(call: Call, _params: tuple[str, ...]) -> Response:
    """``GET /imports/``: every import, oldest first (one page)."""
    return page([job.to_api(call.base_url) for job in call.imports.all()])
