"""Tests of the Connectif sandbox over real loopback HTTP."""

from __future__ import annotations

import csv
import io
import math
import time
from pathlib import Path
from typing import Any

import requests

from target_connectif.sandbox import ConnectifSandbox, FaultConfig

from ..sandbox_fixtures import run_sandbox_cli
from .conftest import KEY, StartSandbox

SHOP = "https://shop.example.cz"


class Client:
    """A keep-alive session on one sandbox, sending ``Authorization: apiKey KEY``."""

    def __init__(self, sandbox: ConnectifSandbox, key: str = KEY) -> None:
        self.sandbox = sandbox
        self.url = sandbox.base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"apiKey {key}"

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def patch(self, path: str, body: Any) -> requests.Response:
        return self.call("PATCH", path, json=body)

    def post(self, path: str, body: Any, **kwargs: Any) -> requests.Response:
        return self.call("POST", path, json=body, **kwargs)

    def contact(self, email: str, **fields: Any) -> requests.Response:
        return self.patch(f"/contacts/email/{email.replace('@', '%40')}", fields)

    def product(self, product_id: str, **fields: Any) -> requests.Response:
        body = {"name": f"Product {product_id}", "productDetailUrl": f"{SHOP}/p/{product_id}", "unitPrice": 10.0}
        return self.patch(f"/products/product-id/{product_id}", {**body, **fields})

    def start_import(self, content: str | bytes, import_type: str = "contacts", **form: str) -> requests.Response:
        data = {"type": import_type, "overrideExisting": "true", "updateOnlyEmptyFields": "false", "delimiter": ","}
        data.update(form)
        raw = content.encode("utf-8") if isinstance(content, str) else content
        return self.call("POST", "/imports/", data=data, files={"file": ("data.csv", raw, "text/csv")})

    def wait_import(self, import_id: str, timeout: float = 5.0) -> tuple[dict[str, Any], list[str]]:
        """Poll until the import ends; return its last body and the statuses seen."""
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            body: dict[str, Any] = self.get(f"/imports/{import_id}").json()
            if not seen or seen[-1] != body["status"]:
                seen.append(body["status"])
            if body["status"] in ("finished", "error") or time.monotonic() > deadline:
                return body, seen
            time.sleep(0.02)

    def run_import(self, content: str | bytes, import_type: str = "contacts", **form: str) -> dict[str, Any]:
        created = self.start_import(content, import_type, **form)
        assert created.status_code == 201, created.text
        return self.wait_import(created.json()["id"])[0]


def purchase(purchase_id: str, email: str, *product_ids: str, **extra: Any) -> dict[str, Any]:
    lines = [{"productId": pid, "quantity": 1, "price": 10.0, "unitPrice": 10.0} for pid in product_ids]
    return {
        "purchaseId": purchase_id,
        "contactEmail": email,
        "totalPrice": 10.0 * len(lines),
        "totalQuantity": len(lines),
        "products": lines,
        **extra,
    }


def error_list(response: requests.Response) -> list[tuple[str, str]]:
    """The 422 ``validationErrors`` as (path, reason) pairs, in order."""
    body = response.json()
    assert response.status_code == 422, body
    assert body["title"] == "Unprocessable entity"
    assert body["detail"] == "One or more validation error occurred."
    assert all(
        error["name"] == error["path"].rsplit("/", 1)[-1] or error["path"] == "/" for error in body["validationErrors"]
    )
    return [(error["path"], error["reason"]) for error in body["validationErrors"]]


def reasons(response: requests.Response) -> dict[str, str]:
    """The 422 ``validationErrors`` as path -> reason (one error per path)."""
    pairs = error_list(response)
    assert len({path for path, _ in pairs}) == len(pairs), pairs
    return dict(pairs)


def file_reasons(response: requests.Response) -> list[str]:
    """The reasons of a 422 about the import file."""
    pairs = error_list(response)
    assert {path for path, _ in pairs} == {"/file"}, pairs
    return [reason for _, reason in pairs]


def fresh_window(seconds: float, room: float) -> None:
    """Sleep until at least ``room`` seconds are left in the current fixed window."""
    left = seconds - time.time() % seconds
    if left < room:
        time.sleep(left + 0.02)


def rate_headers(response: requests.Response) -> tuple[int, int, int]:
    headers = response.headers
    return int(headers["X-RateLimit-Limit"]), int(headers["X-RateLimit-Remaining"]), int(headers["X-RateLimit-Reset"])


# ----- protocol ---------------------------------------------------------------------------


def test_401_is_plain_text_and_never_echoes_the_key(start_sandbox: StartSandbox) -> None:
    sb = start_sandbox()
    url = sb.base_url + "/contacts/a%40x.com"
    attempts = [
        requests.get(url),
        requests.get(url, headers={"Authorization": KEY}),
        requests.get(url, headers={"Authorization": f"Bearer {KEY}"}),
        requests.get(url, headers={"Authorization": "apiKey test-key-id:wrong"}),
        requests.get(url, headers={"Authorization": f"apikey {KEY}"}),
    ]
    for resp in attempts:
        assert resp.status_code == 401
        assert resp.text == "Unauthorized"
        assert resp.headers["Content-Type"].startswith("text/plain")
        assert "X-RateLimit-Remaining" in resp.headers
    assert Client(sb).get("/contacts/a%40x.com").status_code == 404
    assert [r["status"] for r in sb.request_log()] == [401] * 5 + [404]


def test_415_without_the_right_content_type(start_sandbox: StartSandbox) -> None:
    sb = start_sandbox()
    c = Client(sb)
    plain = c.call("PATCH", "/contacts/a%40x.com", data=b'{"_name": "A"}', headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415
    assert plain.json() == {"status": 415, "title": "Unsupported Media Type", "detail": plain.json()["detail"]}
    assert c.call("POST", "/purchases/", data=b"{}").status_code == 415
    json_import = c.post("/imports/", {"type": "contacts"})
    assert json_import.status_code == 415 and "multipart/form-data" in json_import.json()["detail"]
    broken = c.call("PATCH", "/contacts/a%40x.com", data=b"{", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and broken.json()["title"] == "Bad Request"
    assert sb.summary()["contacts"] == 0


def test_body_over_max_request_bytes_is_413(start_sandbox: StartSandbox) -> None:
    sb = start_sandbox(max_request_bytes=100)
    c = Client(sb)
    big = c.contact("a@x.com", _name="x" * 200)
    assert big.status_code == 413 and big.json()["title"] == "Request Entity Too Large"
    assert c.contact("a@x.com", _name="Ann").status_code == 201
    assert sb.summary()["contacts"] == 1


def test_unknown_route_404_and_wrong_method_405(start_sandbox: StartSandbox) -> None:
    c = Client(start_sandbox())
    missing = c.get("/nothing-here")
    assert missing.status_code == 404 and missing.json()["status"] == 404
    delete = c.call("DELETE", "/products/product-id/1")
    assert delete.status_code == 405 and delete.headers["Allow"] == "GET, PATCH"
    assert delete.json()["title"] == "Method Not Allowed"
    assert c.call("PUT", "/purchases/").status_code == 405


# ----- contacts ---------------------------------------------------------------------------


def test_contact_upsert_created_then_updated_with_raw_and_encoded_email(start_sandbox: StartSandbox) -> None:
    sb = start_sandbox()
    c = Client(sb)
    created = c.patch("/contacts/email/ann%40x.com", {"_name": "Ann", "_points": 5, "loyalty_tier": "gold"})
    assert created.status_code == 201
    body = created.json()
    assert body["_email"] == "ann@x.com" and body["_name"] == "Ann" and body["_points"] == 5
    assert body["loyalty_tier"] == "gold" and body["id"] and body["_createdAt"].endswith("Z")
    updated = c.patch("/contacts/ann@x.com", {"_surname": "Lee", "_birthdate": "1990-05-01T00:00:00Z"})
    assert updated.status_code == 200
    assert updated.json()["id"] == body["id"]
    assert updated.json()["_name"] == "Ann" and updated.json()["_surname"] == "Lee"
    for path in ("/contacts/ann@x.com", "/contacts/ann%40x.com", "/contacts/email/ANN%40x.com"):
        got = c.get(path)
        assert got.status_code == 200 and got.json()["_surname"] == "Lee", path
    assert c.get("/contacts/email/bob%40x.com").status_code == 404
    assert sb.summary()["contacts"] == 1


def test_contact_validation_errors_name_the_field(start_sandbox: StartSandbox) -> None:
    sb = start_sandbox(contact_fields={"age": "integer", "vip": "boolean", "hobbies": "checkbox"})
    c = Client(sb)
    bad = c.patch(
        "/contacts/email/a%40x.com",
        {
            "_emailStatus": "gone",
            "_points": "5",
            "_birthdate": "1990-05-01",
            "age": 4.5,
            "vip": "yes",
            "hobbies": ["a", 1],
            "_name": None,
            "favourite_colour": "red",
        },
    )
    assert reasons(bad) == {
        "/_emailStatus": "Value must be one of: active, bounced, paused, banned",
        "/_points": "Value must be an integer",
        "/_birthdate": "Value must be an ISO 8601 date-time such as 2024-01-31T10:00:00Z",
        "/age": "Value must be an integer",
        "/vip": "Value must be a boolean",
        "/hobbies": "Value must be an array of strings",
        "/_name": "Value must not be null",
        "/favourite_colour": "Unknown contact field",
    }
    assert reasons(c.patch("/contacts/email/not-an-email", {"_name": "x"})) == {"/email": "Value must be a valid email"}
    assert reasons(c.patch("/contacts/a%40x.com", ["_name"])) == {"/": "Value must be an object"}
    ok = c.patch("/contacts/a%40x.com", {"age": 4, "vip": True, "hobbies": ["run"], "_smsSubscriptionStatus": "none"})
    assert ok.status_code == 201
    assert sb.summary()["contacts"] == 1


def test_contact_delete(start_sandbox: StartSandbox) -> None:
    sb = start_sandbox()
    c = Client(sb)
    c.contact("a@x.com", _name="A")
    gone = c.call("DELETE", "/contacts/email/a%40x.com")
    assert gone.status_code == 204 and gone.content == b""
    assert c.call("DELETE", "/contacts/email/a%40x.com").status_code == 404
    assert c.get("/contacts/a%40x.com").status_code == 404
    assert c.call("DELETE", "/contacts/email/ghost%40x.com").status_code == 404
    summary = sb.summary()
    assert summary["contacts"] == 0 and summary["deleted_contacts"] == 2  # already gone counts too
    assert sb.snapshot()["deleted_contacts"] == ["a@x.com", "ghost@x.com"]


# ----- products ---------------------------------------------------------------------------


def test_product_required_fields_types_and_e0201(start_sandbox: StartSandbox) -> None:
    sb = start_sandbox()
    c = Client(sb)
    missing = c.patch("/products/product-id/p1", {"productDetailUrl": f"{SHOP}/p/1", "productId": "p1"})
    assert reasons(missing) == {
        "/name": "Field is required",
        "/unitPrice": "Field is required",
        "/productId": "Unknown product field",
    }
    typed = c.product("p1", unitPrice="9.90", availability="soon", categories="a/b", inStockUnits=1.5)
    assert set(reasons(typed)) == {"/unitPrice", "/availability", "/categories", "/inStockUnits"}
    foreign = c.product("p1", productDetailUrl="https://elsewhere.example.com/p/1")
    assert foreign.status_code == 400
    assert foreign.json()["code"] == "E0201" and foreign.json()["title"] == "Bad Request"
    created = c.product("p1", categories=["Kitchen/Knives"], inStockUnits=3, isBlacklisted=False)
    assert created.status_code == 201
    assert created.json()["productId"] == "p1" and created.json()["availability"] == "instock"
    updated = c.product("p1", availability="outofstock", unitPrice=8.5)
    assert updated.status_code == 200 and updated.json()["id"] == created.json()["id"]
    got = c.get("/products/product-id/p1").json()
    assert got["unitPrice"] == 8.5 and got["categories"] == ["Kitchen/Knives"]
    assert c.get("/products/product-id/p2").status_code == 404
    summary = sb.summary()
    assert summary["products"] == 1 and summary["products_out_of_stock"] == 1


# ----- purchases --------------------------------------------------------------------------


def test_purchase_validation_and_preconditions(start_sandbox: StartSandbox) -> None:
    sb = start_sandbox()
    c = Client(sb)
    invalid = c.post("/purchases/", {"purchaseId": "O1", "totalPrice": "10", "totalQuantity": 1.5, "products": []})
    assert reasons(invalid) == {
        "/totalPrice": "Value must be a number",
        "/totalQuantity": "Value must be an integer",
        "/contactEmail": "contactEmail or contactExternalId is required",
        "/products": "Value must be a non-empty array",
    }
    bad_line = purchase("O1", "a@x.com", "p1")
    bad_line["products"][0].update({"quantity": "2", "colour": "red"})
    del bad_line["products"][0]["productId"]
    assert reasons(c.post("/purchases/", bad_line)) == {
        "/products/0/productId": "Field is required",
        "/products/0/quantity": "Value must be an integer",
        "/products/0/colour": "Unknown purchase product field",
    }
    no_contact = c.post("/purchases/", purchase("O1", "a@x.com", "p1"))
    assert no_contact.status_code == 400
    assert no_contact.json() == {
        "status": 400,
        "title": "Bad Request",
        "detail": "Contact does not exist",
        "code": "E0101",
    }
    c.contact("a@x.com", _externalId="C1")
    no_products = c.post("/purchases/", purchase("O1", "a@x.com", "p1", "p2", "p1"))
    assert no_products.json()["code"] == "E0102" and no_products.json()["productIds"] == ["p1", "p2"]
    c.product("p1")
    c.product("p2")
    foreign = purchase("O1", "a@x.com", "p1", "p2")
    foreign["products"][1]["productDetailUrl"] = "https://elsewhere.example.com/p2"
    refused = c.post("/purchases/", foreign).json()
    assert refused["code"] == "E0103" and refused["productIds"] == ["p2"]
    assert refused["allowedDomains"] == ["shop.example.cz", "shop.example.it"]
    by_external_id = purchase("O2", "a@x.com", "p1")
    del by_external_id["contactEmail"]
    stored = c.post("/purchases/", {**by_external_id, "contactExternalId": "C1"})
    assert stored.status_code == 201 and stored.json()["contactEmail"] == "a@x.com"
    assert sb.summary()["purchases"] == 1


def test_purchase_repost_duplicates_then_get_and_delete(start_sandbox: StartSandbox) -> None:
    sb = start_sandbox()
    c = Client(sb)
    contact_id = c.contact("a@x.com").json()["id"]
    c.product("p1")
    first = c.post("/purchases/", purchase("O1", "a@x.com", "p1", cartId="cart-1"))
    second = c.post("/purchases/?triggerPurchaseEvent=false", purchase("O1", "a@x.com", "p1", cartId="cart-2"))
    assert first.status_code == 201 and second.status_code == 201
    body = first.json()
    assert body["id"] != second.json()["id"]
    assert body["purchaseId"] == "O1" and body["contactId"] == contact_id and body["createdAt"]
    assert body["products"][0]["productId"] == "p1" and body["products"][0]["id"]
    assert reasons(c.post("/purchases/?triggerPurchaseEvent=maybe", purchase("O9", "a@x.com", "p1"))) == {
        "/triggerPurchaseEvent": "Value must be a boolean"
    }
    summary = sb.summary()
    assert summary["purchases"] == 2 and summary["distinct_purchases"] == 1
    assert summary["duplicate_purchases"] == 1 and summary["purchase_events_triggered"] == 1
    assert c.get("/purchases/purchase-id/O1").json()["cartId"] == "cart-1"
    assert c.get(f"/purchases/{second.json()['id']}").json()["cartId"] == "cart-2"
    assert c.get("/purchases/nope").status_code == 404
    deleted = c.call("DELETE", "/purchases/purchase-id/O1")
    assert deleted.status_code == 204
    assert c.get("/purchases/purchase-id/O1").status_code == 404
    assert c.call("DELETE", "/purchases/purchase-id/O1").status_code == 404
    assert sb.summary()["purchases"] == 0 and sb.snapshot()["purchases"] == []


# ----- custom events and coupon sets ------------------------------------------------------


def test_custom_events(start_sandbox: StartSandbox) -> None:
    sb = start_sandbox(max_event_bytes=200)
    c = Client(sb)
    event = {"email": "a@x.com", "productId": "p1", "addedAt": "2024-01-01T10:00:00Z"}
    assert c.post("/custom-events/alias/unknown", event).status_code == 404
    big = c.post("/custom-events/alias/wishlist", {**event, "productId": "x" * 300})
    assert big.status_code == 413 and big.json()["title"] == "Request Entity Too Large"
    assert reasons(c.post("/custom-events/alias/wishlist", {**event, "price": 3})) == {
        "/price": "Field is not declared in the custom event type"
    }
    assert reasons(c.post("/custom-events/alias/wishlist", {"productId": "p1"})) == {"/email": "Field is required"}
    refused = c.post("/custom-events/alias/wishlist", event)
    assert refused.status_code == 400 and refused.json()["code"] == "E0501"
    assert refused.json()["detail"] == "Contact does not exist"
    created = c.post("/custom-events/alias/wishlist?createContact=true", event)
    assert created.status_code == 201 and set(created.json()) == {"id"}
    again = c.post("/custom-events/alias/wishlist", event)
    assert again.status_code == 201 and again.json()["id"] != created.json()["id"]
    summary = sb.summary()
    assert summary["custom_events"] == 2 and summary["contacts"] == 1
    assert sb.snapshot()["custom_events"][0]["fields"] == event


def test_coupon_sets(start_sandbox: StartSandbox) -> None:
    c = Client(start_sandbox(coupon_sets=["cs-a", "cs-b"]))
    listed = c.get("/coupon-sets/").json()
    assert listed["links"] == {"next": None, "prev": None}
    assert [s["id"] for s in listed["results"]] == ["cs-a", "cs-b"]
    assert listed["results"][0]["type"] == "multiple" and listed["results"][0]["assigned"] == 0
    assert c.get("/coupon-sets/cs-b").json()["quantity"] == 0
    assert c.get("/coupon-sets/cs-z").status_code == 404


# ----- imports ----------------------------------------------------------------------------


def test_contacts_import_lifecycle_and_error_report(start_sandbox: StartSandbox) -> None:
    sb = start_sandbox(import_seconds=1.0, contact_fields={"age": "integer", "hobbies": "checkbox"})
    c = Client(sb)
    content = (
        "_email;_name;_points;age;hobbies;_newsletterSubscriptionStatus\n"
        "ann@x.com;Ann;10;;run|swim;subscribed\n"
        "not-an-email;Bob;1;;;none\n"
        "cid@x.com;Cid;lots;old;;maybe\n"
        "dan@x.com;Dan\n"
        "eve@x.com;Eve;;41;;\n"
    )
    created = c.start_import(content, delimiter=";")
    assert created.status_code == 201
    job = created.json()
    assert job["status"] == "queued" and job["total"] == 5 and job["success"] == 0 and job["errors"] == 0
    assert job["type"] == "contacts" and job["origin"] == "api" and job["createdAt"]
    assert job["options"] == {
        "delimiter": ";",
        "overrideExisting": True,
        "updateOnlyEmptyFields": False,
        "couponSetId": None,
    }
    assert sb.summary()["contacts"] == 0
    done, seen = c.wait_import(job["id"])
    assert seen == ["queued", "inProgress", "finished"]
    assert (done["success"], done["errors"]) == (2, 3)
    assert done["startedAt"] and done["finishedAt"]
    assert done["errorReportFileUrl"] == f"{sb.base_url}/_files/import-errors/{job['id']}.csv"
    stored = {contact["_email"]: contact for contact in sb.snapshot()["contacts"]}
    assert stored["ann@x.com"]["_points"] == 10 and stored["ann@x.com"]["hobbies"] == ["run", "swim"]
    assert stored["eve@x.com"]["age"] == 41 and "_points" not in stored["eve@x.com"]
    report = requests.get(done["errorReportFileUrl"])  # a signed download: no auth needed
    assert report.status_code == 200 and report.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(report.text), delimiter=";"))
    assert rows[0] == ["_email", "_name", "_points", "age", "hobbies", "_newsletterSubscriptionStatus", "reason"]
    assert rows[1][:2] == ["not-an-email", "Bob"] and rows[1][-1] == "_email: Value must be a valid email"
    assert rows[2][-1] == (
        "_points: Value must be an integer; age: Value must be an integer; "
        "_newsletterSubscriptionStatus: Value must be one of: subscribed, unsubscribed, none"
    )
    assert rows[3][0] == "dan@x.com" and len(rows[3]) == 7 and rows[3][-1] == "Row has 2 columns, expected 6"
    assert all(not r["path"].startswith("/_files") for r in sb.request_log())
    assert c.get("/imports/").json()["results"][0]["id"] == job["id"]
    assert c.get("/imports/unknown").status_code == 404
    assert sb.summary()["imports"] == {"finished": 1}


def test_import_override_existing_and_update_only_empty_fields(start_sandbox: StartSandbox) -> None:
    sb = start_sandbox()
    c = Client(sb)
    c.contact("a@x.com", _name="Ann")
    kept = c.run_import("_email,_name,_surname\na@x.com,Anna,Lee\nb@x.com,Bob,Ray\n", overrideExisting="false")
    assert (kept["status"], kept["success"], kept["errors"]) == ("finished", 2, 0)
    assert "errorReportFileUrl" not in kept
    a = c.get("/contacts/a%40x.com").json()
    assert a["_name"] == "Ann" and "_surname" not in a
    assert c.get("/contacts/b%40x.com").json()["_name"] == "Bob"
    filled = c.run_import("_email,_name,_surname\na@x.com,Anna,Lee\n", updateOnlyEmptyFields="true")
    assert filled["success"] == 1
    a = c.get("/contacts/a%40x.com").json()
    assert a["_name"] == "Ann" and a["_surname"] == "Lee"
    c.run_import("_email,_name\na@x.com,Anna\n")
    assert c.get("/contacts/a%40x.com").json()["_name"] == "Anna"


def test_products_import_rows(start_sandbox: StartSandbox) -> None:
    sb = start_sandbox()
    c = Client(sb)
    content = (
        "productId,name,productDetailUrl,unitPrice,categories,inStockUnits,isBlacklisted\n"
        f"p1,Knife,{SHOP}/p/1,12.5,Kitchen/Knives|Sale,3,false\n"
        f"p2,Fork,{SHOP}/p/2,cheap,,,\n"
        "p3,Spoon,https://elsewhere.example.com/p/3,1,,,\n"
        f"p4,,{SHOP}/p/4,1,,,\n"
    )
    done = c.run_import(content, "products")
    assert (done["success"], done["errors"]) == (1, 3)
    p1 = c.get("/products/product-id/p1").json()
    assert p1["unitPrice"] == 12.5 and p1["categories"] == ["Kitchen/Knives", "Sale"]
    assert p1["inStockUnits"] == 3 and p1["isBlacklisted"] is False
    report = requests.get(done["errorReportFileUrl"]).text
    assert "unitPrice: Value must be a number" in report
    assert "productDetailUrl: Product URL domain is not authorised" in report
    assert "name: Field is required" in report
    assert sb.summary()["products"] == 1


def test_coupons_import_refuses_duplicated_codes(start_sandbox: StartSandbox) -> None:
    sb = start_sandbox()
    c = Client(sb)
    first = c.run_import("code\nA1\nB2\n", "coupons", couponSetId="cs-demo")
    assert (first["success"], first["errors"]) == (2, 0)
    assert first["options"]["couponSetId"] == "cs-demo"
    second = c.run_import("code\nB2\nC3\nC3\n\nD4\n", "coupons", couponSetId="cs-demo")
    assert (second["total"], second["success"], second["errors"]) == (4, 2, 2)
    rows = list(csv.reader(io.StringIO(requests.get(second["errorReportFileUrl"]).text)))
    assert rows == [["code", "reason"], ["B2", "duplicated code"], ["C3", "duplicated code"]]
    assert sb.snapshot()["coupons"] == {"cs-demo": ["A1", "B2", "C3", "D4"]}
    assert c.get("/coupon-sets/cs-demo").json()["quantity"] == 4
    assert sb.summary()["coupons"] == 4


def test_import_form_and_header_errors_are_422(start_sandbox: StartSandbox) -> None:
    sb = start_sandbox()
    c = Client(sb)
    no_parts = c.call("POST", "/imports/", files={"file": ("a.csv", b"_email\n", "text/csv")})
    assert set(reasons(no_parts)) == {"/type", "/overrideExisting", "/updateOnlyEmptyFields", "/delimiter"}
    assert reasons(c.start_import("_email\n", overrideExisting="false", updateOnlyEmptyFields="true")) == {
        "/updateOnlyEmptyFields": "May be true only when overrideExisting is true"
    }
    assert set(reasons(c.start_import("_email\n", "orders", delimiter="|"))) == {"/type", "/delimiter"}
    assert reasons(c.start_import("code\nA\n", "coupons")) == {"/couponSetId": "Field is required"}
    assert reasons(c.start_import("code\nA\n", "coupons", couponSetId="cs-x")) == {
        "/couponSetId": "Coupon set does not exist"
    }
    assert file_reasons(c.start_import("_name,colour,,_name\nAnn,red,,Ann\n")) == [
        "Unknown column colour",
        "Column 3 has no name",
        "Column _name appears more than once",
        "Column _email is required",
    ]
    assert file_reasons(c.start_import("productId,name\np1,x\n", "products")) == [
        "Column productDetailUrl is required",
        "Column unitPrice is required",
    ]
    assert file_reasons(c.start_import("code,value\nA,1\n", "coupons", couponSetId="cs-demo")) == [
        "Unknown column value"
    ]
    latin1 = c.start_import("_email,_name\na@x.com,Jelínková\n".encode("latin-1"))
    assert file_reasons(latin1) == ["File must be UTF-8 encoded"]
    assert file_reasons(c.start_import("")) == ["File has no header row"]
    assert sb.snapshot()["imports"] == []


def test_import_size_limit_queue_limit_and_failures(start_sandbox: StartSandbox) -> None:
    sb = start_sandbox(max_import_bytes=100, max_queued_imports=2, faults=FaultConfig(stall_imports=True))
    c = Client(sb)
    too_big = c.start_import("_email\n" + "a@x.com\n" * 20)
    assert too_big.status_code == 413 and too_big.json()["status"] == 413
    ids = [c.start_import("_email\na@x.com\n").json()["id"] for _ in range(2)]
    full = c.start_import("_email\na@x.com\n")
    assert full.status_code == 400 and full.json()["code"] == "E0401"
    time.sleep(0.15)
    assert [c.get(f"/imports/{i}").json()["status"] for i in ids] == ["inProgress", "inProgress"]
    sb.set_faults(FaultConfig(fail_imports=1))
    released, _ = c.wait_import(ids[0])
    assert released["status"] == "finished"  # stall off; fail_imports hits imports created later
    third = c.start_import("_email\nb@x.com\n").json()["id"]
    errored, _ = c.wait_import(third)
    assert errored["status"] == "error" and errored["success"] == 0 and errored["finishedAt"]
    assert c.get("/contacts/b%40x.com").status_code == 404
    assert c.get("/contacts/a%40x.com").status_code == 200
    sb.set_faults(FaultConfig(short_imports=1))
    short = c.run_import("_email\nc@x.com\nd@x.com\n")
    assert (short["status"], short["total"], short["success"], short["errors"]) == ("finished", 2, 1, 0)
    assert c.get("/contacts/c%40x.com").status_code == 404 and c.get("/contacts/d%40x.com").status_code == 200
    assert sb.summary()["imports"] == {"finished": 3, "error": 1}


# ----- rate limit and faults --------------------------------------------------------------


def test_fixed_window_headers_429_and_recovery(start_sandbox: StartSandbox) -> None:
    sb = start_sandbox(rate_limit=3, window_seconds=1.0)
    c = Client(sb)
    fresh_window(1.0, room=0.6)
    window_end = math.ceil(time.time())
    first = c.get("/contacts/a%40x.com")
    unauthorised = requests.get(sb.base_url + "/contacts/a%40x.com")
    third = c.contact("a@x.com", _name="A")
    limited = c.get("/contacts/a%40x.com")
    assert [rate_headers(r) for r in (first, unauthorised, third, limited)] == [
        (3, 2, window_end),
        (3, 1, window_end),
        (3, 0, window_end),
        (3, 0, window_end),
    ]
    assert limited.status_code == 429 and "Retry-After" not in limited.headers
    assert limited.json() == {"status": 429, "title": "Too Many Requests", "detail": "Requests rate limit reached"}
    time.sleep(max(0.0, window_end - time.time()) + 0.02)
    recovered = c.get("/contacts/a%40x.com")
    assert recovered.status_code == 200 and rate_headers(recovered) == (3, 2, window_end + 1)
    summary = sb.summary()["requests"]
    assert summary["rate_limited"] == 1 and summary["max_in_window"] == 4


def test_foreign_requests_share_the_budget(start_sandbox: StartSandbox) -> None:
    sb = start_sandbox(rate_limit=10, window_seconds=30.0, foreign_requests_per_window=7)
    c = Client(sb)
    fresh_window(30.0, room=2.0)
    remaining = [rate_headers(c.get("/coupon-sets/"))[1] for _ in range(3)]
    assert remaining == [2, 1, 0]
    assert c.get("/coupon-sets/").status_code == 429
    reset = rate_headers(c.get("/coupon-sets/"))[2]
    assert reset % 30 == 0 and 0 < reset - time.time() <= 30


def test_injected_faults_look_like_connectif(start_sandbox: StartSandbox) -> None:
    sb = start_sandbox(faults=FaultConfig(fail_next=[{"status": 503, "path": "/purchases", "count": 1}]))
    c = Client(sb)
    c.contact("a@x.com")
    c.product("p1")
    failed = c.post("/purchases/", purchase("O1", "a@x.com", "p1"))
    assert failed.status_code == 503
    assert failed.json()["status"] == 503 and failed.json()["title"] == "Service Unavailable"
    assert "X-RateLimit-Reset" in failed.headers
    assert c.post("/purchases/", purchase("O1", "a@x.com", "p1")).status_code == 201
    sb.set_faults(FaultConfig(rate_429=1.0))
    injected = c.get("/coupon-sets/")
    assert injected.status_code == 429 and "Retry-After" not in injected.headers
    assert injected.json()["detail"] == "Requests rate limit reached"
    assert int(injected.headers["X-RateLimit-Remaining"]) >= 0
    log = sb.request_log()
    assert [r["injected"] for r in log] == [False, False, True, False, True]
    assert sb.summary()["purchases"] == 1


def test_reset_clears_data_but_ids_keep_growing(start_sandbox: StartSandbox) -> None:
    sb = start_sandbox()
    c = Client(sb)
    first_id = c.contact("a@x.com").json()["id"]
    c.run_import("code\nA1\n", "coupons", couponSetId="cs-demo")
    sb.reset()
    assert sb.summary()["contacts"] == 0 and sb.summary()["coupons"] == 0
    assert sb.snapshot()["coupons"] == {"cs-demo": []} and sb.snapshot()["imports"] == []
    assert c.contact("a@x.com").json()["id"] > first_id


# ----- command line -----------------------------------------------------------------------


def test_cli_starts_and_stops_on_sigterm(tmp_path: Path) -> None:
    with run_sandbox_cli("target_connectif.sandbox", tmp_path, "--api-key", KEY) as cli:
        assert cli.banner == f"Connectif sandbox listening on {cli.url}"
        resp = requests.get(f"{cli.url}/coupon-sets/", headers={"Authorization": f"apiKey {KEY}"})
        assert resp.status_code == 200 and resp.headers["X-RateLimit-Limit"] == "100"
    assert KEY not in cli.output
