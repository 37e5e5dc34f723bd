"""The JSON shapes Ecomail answers with for lists, contacts and memberships (vendors/ecomail.md §2, §3)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from .contacts import COMPLAINED, HARD_BOUNCE, SUBSCRIBED, UNCONFIRMED, UNSUBSCRIBED, Contact, Membership
from .fields import public_id


def list_summary(list_id: str) -> dict[str, Any]:
    """An entry of ``GET /lists``."""
    return {
        "id": public_id(list_id),
        "name": f"Sandbox list {list_id}",
        "from_name": "Sandbox",
        "from_email": "sandbox@example.com",
        "reply_to": "sandbox@example.com",
    }


def list_detail(list_id: str, definitions: Mapping[str, Any], statuses: Mapping[int, int]) -> dict[str, Any]:
    """The body of ``GET /lists/{list_id}``: the list with its custom fields, and member counts."""
    return {
        "list": {
            **list_summary(list_id),
            "double_optin": False,
            "custom_fields": copy.deepcopy(dict(definitions)),
            "groups": {},
            "segments": {},
            "active_subscribers": statuses.get(SUBSCRIBED, 0),
            "created": "2020-01-01 00:00:00",
        },
        "subscribers": {
            "unknown": 0,
            "subscribed": statuses.get(SUBSCRIBED, 0),
            "unsubscribed": statuses.get(UNSUBSCRIBED, 0),
            "soft_bounced": 0,
            "hard_bounced": statuses.get(HARD_BOUNCE, 0),
            "complained": statuses.get(COMPLAINED, 0),
            "unconfirmed": statuses.get(UNCONFIRMED, 0),
        },
    }


def _person(contact: Contact, *names: str) -> dict[str, Any]:
    return {"id": contact.id, "email": contact.email, **{name: contact.profile.get(name) for name in names}}


def contact_result(contact: Contact, *, bounce_key: str = "bounced_hard") -> dict[str, Any]:
    """The answer to subscribe (``bounced_hard``) and update-subscriber (``bounce_hard``)."""
    return {
        **_person(contact, "name", "surname", "gender"),
        "bounce_soft": 0,
        bounce_key: 0,
        "bounce_message": None,
        "inserted_at": contact.inserted_at,
    }


def membership_record(contact: Contact, member: Membership) -> dict[str, Any]:
    """A list-membership record (the answer to unsubscribe)."""
    return {
        "id": member.id,
        "list_id": public_id(member.list_id),
        "email": contact.email,
        "status": member.status,
        "subscribed_at": member.subscribed_at,
        "unsubscribed_at": member.unsubscribed_at,
        "custom_fields": dict(member.custom_fields),
        "source": member.source,
    }


def list_subscriber(contact: Contact, member: Membership) -> dict[str, Any]:
    """The ``subscriber`` of ``GET /lists/{list_id}/subscriber/{email}``."""
    return {
        **_person(contact, "name", "surname", "company", "city", "country", "phone", "gender", "birthday", "nameday"),
        "tags": list(contact.tags),
        "rating": None,
        **{k: v for k, v in membership_record(contact, member).items() if k not in ("id", "email")},
        "groups": copy.deepcopy(member.groups),
    }


def subscribers_entry(item: tuple[Contact, Membership]) -> dict[str, Any]:
    """An entry of ``GET /lists/{list_id}/subscribers``."""
    contact, member = item
    return {
        **{k: v for k, v in membership_record(contact, member).items() if k != "id"},
        "groups": copy.deepcopy(member.groups),
        "subscriber": _person(contact, "name", "surname", "gender", "company", "city", "country", "phone"),
    }


def account_contact(contact: Contact) -> dict[str, Any]:
    """The ``subscriber`` of ``GET /subscribers/{email}``, with its memberships under ``lists``."""
    lists = {
        list_id: {
            "id": m.id,
            "list_id": public_id(list_id),
            "email": contact.email,
            "status": m.status,
            "subscribed_at": m.subscribed_at,
            "source": m.source,
        }
        for list_id, m in contact.lists.items()
    }
    return {
        **contact_result(contact),
        **{name: value for name, value in contact.profile.items() if name not in ("name", "surname", "gender")},
        "rating": None,
        "tags": list(contact.tags),
        "lists": lists,
    }
