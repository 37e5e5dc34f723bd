"""Contacts: account-wide by e-mail (case-insensitive), each with per-list memberships.

What a ``subscriber_data`` item does to a contact (vendors/ecomail.md §3, §6):
- new to the list: a membership is created with the status the endpoint decides; the profile,
  tags and defined custom fields are taken from the item;
- already in the list: nothing changes unless ``update_existing`` (then the profile and custom
  fields are merged, tags replaced only when ``tags`` is present, and ``status`` applied);
- an unsubscribed member (status 2) comes back to 1 only with ``resubscribe`` and no status or
  status 1 (an explicit other status wins); ``resubscribe`` works with or without
  ``update_existing``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .fields import email_key
from .subscriber_rules import TEXT_FIELDS

SUBSCRIBED = 1
UNSUBSCRIBED = 2
HARD_BOUNCE = 4
COMPLAINED = 5
UNCONFIRMED = 6
#: Subscriber fields kept on the contact (``vokativ`` and undocumented fields are not stored).
PROFILE_FIELDS: tuple[str, ...] = (*TEXT_FIELDS, "gender", "birthday", "nameday")


@dataclass
class Membership:
    """A contact in one list. ``status`` 0 only while the membership is being created."""

    id: int
    list_id: str
    status: int = 0
    subscribed_at: str | None = None
    unsubscribed_at: str | None = None
    source: str | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)
    groups: dict[str, Any] = field(default_factory=dict)

    def set_status(self, status: int, now: str) -> None:
        """Change the status, stamping ``subscribed_at`` / ``unsubscribed_at``."""
        if status == self.status:
            return
        if status == SUBSCRIBED:
            self.subscribed_at = now
            self.unsubscribed_at = None
        elif status == UNSUBSCRIBED:
            self.unsubscribed_at = now
        self.status = status


@dataclass
class Contact:
    """A contact of the account: profile fields, tags and memberships by list id."""

    id: int
    email: str
    inserted_at: str
    profile: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    lists: dict[str, Membership] = field(default_factory=dict)

    def apply(self, member: Membership, item: dict[str, Any], fields: dict[str, Any]) -> None:
        """Merge an item's profile, tags (when present), defined custom fields and groups."""
        for name in PROFILE_FIELDS:
            if name in item:
                if item[name] is None:
                    self.profile.pop(name, None)
                else:
                    self.profile[name] = item[name]
        if isinstance(item.get("tags"), list):
            self.tags = list(item["tags"])
        member.custom_fields.update(fields)
        if isinstance(item.get("groups"), dict):
            member.groups = dict(item["groups"])

    def to_admin(self) -> dict[str, Any]:
        """Return everything stored, for ``GET /_sandbox/data``."""
        return {
            "id": self.id,
            "email": self.email,
            "inserted_at": self.inserted_at,
            **self.profile,
            "tags": list(self.tags),
            "lists": {list_id: dataclasses.asdict(m) for list_id, m in self.lists.items()},
        }


def next_status(current: int, requested: int | None, *, resubscribe: bool) -> int:
    """The status of a member after an update asking for ``requested`` (``None``: not sent)."""
    if current == UNSUBSCRIBED and requested in (None, SUBSCRIBED):
        return SUBSCRIBED if resubscribe else UNSUBSCRIBED
    return current if requested is None else requested


class ContactBook:
    """All contacts keyed by normalised e-mail; ids keep increasing across :meth:`clear`."""

    def __init__(self) -> None:
        """Start empty."""
        self._contacts: dict[str, Contact] = {}
        self._next_contact = 1
        self._next_member = 1

    def find(self, email: str) -> Contact | None:
        """The contact with that e-mail (any case), if any."""
        return self._contacts.get(email_key(email))

    def membership(self, list_id: str, email: str) -> tuple[Contact, Membership] | None:
        """The contact and its membership of ``list_id``, if it is a member."""
        contact = self.find(email)
        if contact is None or list_id not in contact.lists:
            return None
        return contact, contact.lists[list_id]

    def subscribe(
        self,
        list_id: str,
        item: dict[str, Any],
        fields: dict[str, Any],
        *,
        new_status: int,
        update_existing: bool,
        resubscribe: bool,
        now: str,
    ) -> tuple[Contact, bool]:
        """Apply one valid item to ``list_id``; return the contact and whether it is new to the list."""
        email = str(item["email"]).strip()
        contact = self.find(email)
        if contact is None:
            contact = Contact(id=self._next_contact, email=email, inserted_at=now)
            self._next_contact += 1
            self._contacts[email_key(email)] = contact
        member = contact.lists.get(list_id)
        if member is None:
            member = Membership(id=self._next_member, list_id=list_id, source=item.get("source"))
            self._next_member += 1
            contact.lists[list_id] = member
            contact.apply(member, item, fields)
            member.set_status(new_status, now)
            return contact, True
        requested = item.get("status")
        if update_existing:
            contact.apply(member, item, fields)
            member.set_status(next_status(member.status, requested, resubscribe=resubscribe), now)
        elif resubscribe and member.status == UNSUBSCRIBED and requested in (None, SUBSCRIBED):
            member.set_status(SUBSCRIBED, now)
        return contact, False

    def update(
        self,
        list_id: str,
        email: str,
        item: dict[str, Any],
        fields: dict[str, Any],
        *,
        allow_resubscribe: bool,
        now: str,
    ) -> Contact | None:
        """Update a member of ``list_id`` (``None`` when not a member)."""
        found = self.membership(list_id, email)
        if found is None:
            return None
        contact, member = found
        contact.apply(member, item, fields)
        member.set_status(next_status(member.status, item.get("status"), resubscribe=allow_resubscribe), now)
        return contact

    def unsubscribe(self, list_id: str, email: str, now: str) -> tuple[Contact, Membership] | None:
        """Set a member's status to 2 (``None`` when not a member)."""
        found = self.membership(list_id, email)
        if found is not None:
            found[1].set_status(UNSUBSCRIBED, now)
        return found

    def delete(self, email: str) -> bool:
        """Remove a contact from the account and every list; ``False`` if unknown."""
        return self._contacts.pop(email_key(email), None) is not None

    def members(self, list_id: str) -> list[tuple[Contact, Membership]]:
        """The members of ``list_id``, oldest contact first."""
        return [(c, c.lists[list_id]) for c in self._contacts.values() if list_id in c.lists]

    def status_counts(self, list_id: str | None = None) -> Counter[int]:
        """Memberships by status, in one list or (``None``) in all."""
        return Counter(
            m.status for c in self._contacts.values() for lid, m in c.lists.items() if list_id in (None, lid)
        )

    def __len__(self) -> int:
        """The number of contacts."""
        return len(self._contacts)

    def snapshot(self) -> list[dict[str, Any]]:
        """Every contact with its memberships."""
        return [contact.to_admin() for contact in self._contacts.values()]

    def clear(self) -> None:
        """Forget every contact (ids keep increasing)."""
        self._contacts.clear()
