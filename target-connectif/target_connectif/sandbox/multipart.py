"""``multipart/form-data`` request bodies, parsed with the standard library's e-mail parser."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

FORM_TYPE = "multipart/form-data"


class MultipartError(ValueError):
    """The body is not a well-formed ``multipart/form-data`` form."""


@dataclass(frozen=True)
class FormPart:
    """One form field: its name, raw bytes and, for a file, the file name and content type."""

    name: str
    data: bytes
    filename: str | None = None
    content_type: str = "text/plain"

    @property
    def text(self) -> str:
        """Return the value as text (UTF-8; undecodable bytes are replaced)."""
        return self.data.decode("utf-8", "replace")


def is_form_content_type(value: str | None) -> bool:
    """Accept ``multipart/form-data`` (with its ``boundary`` parameter), case-insensitive."""
    return value is not None and value.split(";", 1)[0].strip().lower() == FORM_TYPE


def parse_form(content_type: str, body: bytes) -> dict[str, FormPart]:
    """Return the parts of a form by name (the first of repeated names wins).

    Raises :class:`MultipartError` when the boundary is missing or the parts cannot be found.
    """
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not message.is_multipart() or message.defects:
        raise MultipartError("Request body is not a valid multipart/form-data form")
    parts: dict[str, FormPart] = {}
    for part in message.iter_parts():
        if not isinstance(part, EmailMessage):
            continue
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or name in parts:
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        parts[name] = FormPart(name, data, part.get_filename(), part.get_content_type())
    return parts
