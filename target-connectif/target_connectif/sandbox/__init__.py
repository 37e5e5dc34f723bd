"""Local emulator ("sandbox") of the Connectif REST API, standard library only.

Usage::

    sb = ConnectifSandbox(SandboxConfig(api_key="keyId:keySecret"))
    base_url = sb.start(port=0)  # "http://127.0.0.1:<port>", paths such as /contacts/email/{email}
    ...
    sb.stop()

It implements the assumptions of the vendor reference (``vendors/connectif.md``): fixed
rate-limit windows with ``X-RateLimit-*`` headers and no ``Retry-After``, problem-details errors,
201/200 upserts, duplicated purchases on a repeated ``purchaseId``, and asynchronous CSV imports
with an error report of the failed rows. Assumptions of its own:

* e-mails are matched case-insensitively (the contact keeps the first spelling);
* ``null`` is refused (422) for every field; strict types: no numeric strings for numbers;
* ``productId`` in a product PATCH body, and ``_email`` in a contact PATCH body, are unknown
  fields (the id is in the path);
* date-times are RFC 3339 (``2024-01-31T10:00:00Z`` or with an offset); a ``date`` custom field
  also takes ``YYYY-MM-DD``; an authorised domain matches the URL host exactly;
* the error report uses the import's delimiter; its rows are cut or padded to the header's width
  and end with a ``reason`` column, ``<field>: <why>`` joined with ``; `` (coupons:
  ``duplicated code``);
* a custom event request is checked against ``max_event_bytes`` (413) before its JSON is parsed.
"""

from .app import ConnectifSandbox
from .config import FaultConfig, SandboxConfig

__all__ = ["ConnectifSandbox", "FaultConfig", "SandboxConfig"]
