"""The demo shop as target-ecomail reads it: ``demo/ecomail/*.jsonl`` and ``expected.json``.

Same customers, catalogue and orders as the rfmcube files, shaped as Ecomail's
subscribers, transactions, events, coupons and automation triggers, with a few
deliberate defects (one record each) and source deletes. The view's choices come from
its own ``random.Random(ECOMAIL_SEED)``; ``generate.py`` writes the files.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from generate import (
    END,
    SEED,
    SHOP_NAMES,
    STOREFRONTS,
    CustomerDraft,
    JsonObject,
    JsonValue,
    OrderDraft,
    Product,
    Shop,
    StreamFile,
    VendorView,
    category_names,
    delete_line,
    format_timestamp,
    in_deletion_order,
    money,
    order_totals,
    product_title,
    random_moment,
    unit_price,
    url_slug,
    varied_timestamp,
    vat_part,
    weighted,
)

ECOMAIL_SEED = SEED + 1

N_DELETED_SUBSCRIBERS = 10
N_DELETED_TRANSACTIONS = 5
N_BASKET_EVENTS = 238
N_VIEW_EVENTS = 60
N_COUPONS = 500
N_DELETED_COUPONS = 5
N_TRIGGERS = 20

GENDER_SHARE = 0.9
LOCAL_EVENT_SHARE = 0.1
EVENT_WINDOW = timedelta(days=120)
COUPON_FOLDERS = {101: "welcome", 102: "black-friday"}
PIPELINES = (1, 2)
COUPON_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
STRANGER = "stranger@example.com"
LONG_DESCRIPTION_CHARS = 21_000

#: Deliberate subscriber defects and the field each reject must name.
SUBSCRIBER_DEFECTS = {
    "missing_email": "email",
    "bad_email": "email",
    "long_tag": "tags",
    "long_custom_fields": "custom_fields",
    "colliding_custom_fields": "custom_fields",
    "bad_birthday": "birthday",
    "bad_nameday": "nameday",
}
TRANSACTION_DEFECTS = {
    "missing_order_id": "order_id",
    "item_without_code": "transaction_items",
    "unknown_status": "status",
    "bad_email": "email",
}

#: Czech name days (MM-DD) of the first names the Czech shop uses; others have none here.
NAMEDAYS = {
    "Jiří": "04-24", "Jan": "06-24", "Petr": "06-29", "Josef": "03-19", "Pavel": "06-29",
    "Martin": "11-11", "Tomáš": "03-07", "Jaroslav": "04-27", "Miroslav": "03-06",
    "Zdeněk": "06-23", "Václav": "09-28", "Michal": "09-29", "František": "10-04",
    "Jakub": "07-25", "Lukáš": "10-18", "Ondřej": "11-30", "Vojtěch": "04-23",
    "Matěj": "02-24", "Radek": "03-21", "Štěpán": "12-26",
    "Jana": "05-24", "Marie": "09-12", "Eva": "12-24", "Hana": "08-15", "Anna": "07-26",
    "Lenka": "02-21", "Kateřina": "11-25", "Lucie": "12-13", "Věra": "10-08",
    "Alena": "08-13", "Veronika": "02-07", "Markéta": "07-13", "Tereza": "10-15",
    "Zuzana": "08-11", "Jitka": "12-05", "Barbora": "12-04", "Eliška": "10-05",
    "Šárka": "06-30", "Dagmar": "12-20",
}  # fmt: skip

#: Custom-field keys as different shop exports spell them; Ecomail trims and lower-cases.
SHOP_KEYS = ("SHOP", "Shop", "shop ", "shop")
TIER_KEYS = (" Loyalty_Tier ", "LOYALTY_TIER", "loyalty_tier", "Loyalty_Tier")
COUNT_KEYS = ("orders_count", "Orders_Count ", "ORDERS_COUNT")
LANGUAGE_KEYS = ("Language", " language", "LANGUAGE")


@dataclass
class Subscriber:
    """A subscriber record with the customer it shows."""

    customer: CustomerDraft
    record: JsonObject
    defect: str | None = None


# -------------------------------------------------------------------- subscribers


def custom_fields(rng: random.Random, customer: CustomerDraft, shop: Shop) -> JsonObject:
    """The shop's custom fields, with key spellings that differ from record to record."""
    profile = shop.profiles[customer.cid]
    return {
        rng.choice(SHOP_KEYS): SHOP_NAMES[customer.market.country],
        rng.choice(TIER_KEYS): profile.tier,
        rng.choice(COUNT_KEYS): profile.order_count,
        rng.choice(LANGUAGE_KEYS): customer.market.language,
    }


def subscriber_tags(customer: CustomerDraft, shop: Shop) -> list[JsonValue]:
    """Tags: the shop, newsletter consent, and vip for gold and platinum customers."""
    tags: list[JsonValue] = [f"eshop-{customer.market.country.lower()}"]
    if customer.subscribed:
        tags.append("newsletter")
    if shop.profiles[customer.cid].tier in ("gold", "platinum"):
        tags.append("vip")
    return tags


def subscriber_record(rng: random.Random, customer: CustomerDraft, shop: Shop) -> JsonObject:
    """Serialise a shop customer as an Ecomail subscriber."""
    profile = shop.profiles[customer.cid]
    record: JsonObject = {
        "email": customer.email,
        "name": customer.firstname,
        "surname": customer.lastname,
        "city": customer.place.city,
        "street": profile.street,
        "zip": profile.postcode,
        "country": customer.market.country,
        "phone": customer.phone,
        "source": "eshop",
        "custom_fields": custom_fields(rng, customer, shop),
        "tags": subscriber_tags(customer, shop),
        "updated_at": format_timestamp(customer.updated, customer.local_dates),
    }
    if rng.random() < GENDER_SHARE:
        record["gender"] = "female" if profile.female else "male"
    if profile.company is not None:
        record["company"] = profile.company
    if profile.birthday is not None:
        record["birthday"] = profile.birthday.isoformat()
    nameday = NAMEDAYS.get(customer.firstname)
    if customer.market.country == "CZ" and nameday is not None:
        record["nameday"] = nameday
    return record


def break_subscriber(record: JsonObject, defect: str) -> None:
    """Break a subscriber record in the one field the defect names."""
    fields = record["custom_fields"]
    assert isinstance(fields, dict)
    if defect == "missing_email":
        del record["email"]
    elif defect == "bad_email":
        record["email"] = "not-an-email"
    elif defect == "long_tag":
        tags = record["tags"]
        assert isinstance(tags, list)
        tags.append(("outdoor-weekend-trips-" * 3)[:60])
    elif defect == "long_custom_fields":
        fields["Notes"] = ("Preferisce la consegna al punto di ritiro. " * 150)[:6000]
    elif defect == "colliding_custom_fields":
        shop_name = next(v for k, v in fields.items() if k.strip().lower() == "shop")
        record["custom_fields"] = {"SHOP": shop_name, " shop": shop_name} | {
            k: v for k, v in fields.items() if k.strip().lower() != "shop"
        }
    elif defect == "bad_birthday":
        record["birthday"] = "31/12/1990"
    elif defect == "bad_nameday":
        record["nameday"] = "1-5"


def pick_subscriber_defects(rng: random.Random, shop: Shop) -> dict[str, str]:
    """Choose one customer without orders per defect (a Czech one for the name day)."""
    candidates = shop.orderless_customers()
    rng.shuffle(candidates)
    chosen: dict[str, str] = {}
    for defect in SUBSCRIBER_DEFECTS:
        wanted = "CZ" if defect == "bad_nameday" else None
        customer = next(c for c in candidates if wanted in (None, c.market.country) and c.cid not in chosen)
        chosen[customer.cid] = defect
    return chosen


def build_subscribers(rng: random.Random, shop: Shop) -> tuple[StreamFile, list[CustomerDraft]]:
    """One subscriber per customer; return the file and the subscribers left subscribed."""
    defects = pick_subscriber_defects(rng, shop)
    deleted = shop.deleted_customers()[:N_DELETED_SUBSCRIBERS]
    subscribers = []
    for customer in shop.customers:
        record = subscriber_record(rng, customer, shop)
        defect = defects.get(customer.cid)
        if defect is not None:
            break_subscriber(record, defect)
        subscribers.append(Subscriber(customer, record, defect))
    subscribers.sort(key=lambda s: (s.customer.updated, s.customer.cid))
    stream = StreamFile("subscribers", records=[s.record for s in subscribers])
    stream.defects = [(s.record.get("email"), SUBSCRIBER_DEFECTS[s.defect]) for s in subscribers if s.defect]
    by_cid = {s.customer.cid: s.record for s in subscribers}
    for index, customer in enumerate(deleted):
        when = format_timestamp(customer.deleted_at or END, False)
        stream.deletes.append(delete_line(by_cid[customer.cid], ("email",), when, full=index % 2 == 1))
    gone = {c.cid for c in deleted} | set(defects)
    return stream, [c for c in shop.customers if c.cid not in gone]


# ------------------------------------------------------------------- transactions


def source_status(order: OrderDraft) -> str:
    """The status as the shop spells it.

    The Italian shop spelled "complete" and "cancelled" until its 2024 upgrade; an
    order waiting for payment that someone has since touched is "processing".
    """
    legacy = order.market.country == "IT" and order.created.year < 2024
    if order.status == "completed":
        return "complete" if legacy else "completed"
    if order.status == "canceled":
        return "cancelled" if legacy else "canceled"
    return "processing" if order.updated > order.created else "pending"


def transaction_items(order: OrderDraft, shop: Shop) -> list[JsonValue]:
    """The order lines: product code, title, category path, unit price and quantity."""
    language = order.market.language
    return [
        {
            "code": str(line.product.id),
            "title": product_title(line.product, language),
            "categories": list[JsonValue](category_names(shop.catalogue, line.product.category, language)),
            "price": money(unit_price(line.product, order.market)),
            "amount": line.quantity,
        }
        for line in order.lines
    ]


def transaction_record(rng: random.Random, order: OrderDraft, shop: Shop) -> JsonObject:
    """Serialise an order as an Ecomail transaction (amounts in the shop's currency)."""
    amount, shipping, _ = order_totals(order)
    return {
        "order_id": order.oid,
        "email": order.email,
        "shop": SHOP_NAMES[order.market.country],
        "amount": money(amount),
        "tax": money(vat_part(amount, order.market)),
        "shipping": money(shipping),
        "city": order.delivery.city,
        "country": order.market.country,
        "timestamp": varied_timestamp(rng, order.created, order.local_dates),
        "status": source_status(order),
        "transaction_items": transaction_items(order, shop),
    }


def break_transaction(record: JsonObject, defect: str) -> None:
    """Break a transaction record in the one field the defect names."""
    if defect == "missing_order_id":
        del record["order_id"]
    elif defect == "item_without_code":
        items = record["transaction_items"]
        assert isinstance(items, list) and isinstance(items[0], dict)
        del items[0]["code"]
    elif defect == "unknown_status":
        record["status"] = "lost-in-mail"
    elif defect == "bad_email":
        record["email"] = "nobody"


def build_transactions(rng: random.Random, shop: Shop) -> StreamFile:
    """The orders of registered customers, a few broken, a few deleted afterwards."""
    orders = [o for o in shop.orders if o.customer_id is not None]
    special = rng.sample(orders, len(TRANSACTION_DEFECTS) + N_DELETED_TRANSACTIONS)
    defects = dict(zip((o.oid for o in special[: len(TRANSACTION_DEFECTS)]), TRANSACTION_DEFECTS, strict=True))
    deleted = sorted(special[len(TRANSACTION_DEFECTS) :], key=lambda o: o.oid)
    stream = StreamFile("transactions")
    records: dict[str, JsonObject] = {}
    for order in orders:  # already in creation order
        record = transaction_record(rng, order, shop)
        defect = defects.get(order.oid)
        if defect is not None:
            break_transaction(record, defect)
            stream.defects.append((record.get("order_id"), TRANSACTION_DEFECTS[defect]))
        records[order.oid] = record
        stream.records.append(record)
    removals = []
    for index, order in enumerate(deleted):
        when = random_moment(rng, min(order.updated + timedelta(hours=1), END), END)
        line = delete_line(records[order.oid], ("order_id",), format_timestamp(when, False), full=index % 2 == 0)
        removals.append((when, order.oid, line))
    stream.deletes = in_deletion_order(removals)
    return stream


# ------------------------------------------------------------------------- events


def storefront_product(product: Product, customer: CustomerDraft, shop: Shop) -> JsonObject:
    """A catalogue product as the customer's shop shows it in a basket event."""
    market = customer.market
    title = product_title(product, market.language)
    category = category_names(shop.catalogue, product.category, market.language)[-1]
    if market.language == "it":
        description = f"{category} del marchio {product.brand}."
    else:
        description = f"{category} značky {product.brand}."
    return {
        "productId": str(product.id),
        "img_url": f"{STOREFRONTS[market.country]}/img/p/{product.id}.jpg",
        "url": f"{STOREFRONTS[market.country]}/p/{url_slug(title)}",
        "name": title,
        "price": money(unit_price(product, market)),
        "description": description,
    }


def basket_products(rng: random.Random, shop: Shop) -> list[Product]:
    """1-3 distinct catalogue products, favouring best sellers."""
    products = shop.catalogue.products
    wanted = weighted(rng, (1, 2, 3), (60, 28, 12))
    chosen: list[Product] = []
    while len(chosen) < wanted:
        product = weighted(rng, products, [p.popularity for p in products])
        if product not in chosen:
            chosen.append(product)
    return chosen


def basket_event(rng: random.Random, customer: CustomerDraft, shop: Shop, email: str) -> JsonObject:
    """An abandoned-basket event with catalogue products."""
    products: list[JsonValue] = [storefront_product(p, customer, shop) for p in basket_products(rng, shop)]
    data: JsonObject = {"action": "Basket", "products": products}
    return {
        "email": email,
        "category": "ue",
        "action": "Basket",
        "label": "Basket",
        "value": {"data": {"data": data}},
    }


def view_event(rng: random.Random, shop: Shop, email: str) -> JsonObject:
    """A product view: the action is the viewed product's id."""
    products = shop.catalogue.products
    product = weighted(rng, products, [p.popularity for p in products])
    return {"email": email, "category": "ECM_PRODUCT_VIEW", "action": str(product.id)}


def lengthen_description(event: JsonObject) -> None:
    """Give the basket's first product a description that takes the value over 20,000 characters."""
    value = event["value"]
    assert isinstance(value, dict) and isinstance(value["data"], dict)
    data = value["data"]["data"]
    assert isinstance(data, dict) and isinstance(data["products"], list)
    product = data["products"][0]
    assert isinstance(product, dict)
    product["description"] = ("Materiale traspirante, cuciture rinforzate. " * 500)[:LONG_DESCRIPTION_CHARS]


def event_moment(rng: random.Random, customer: CustomerDraft) -> datetime:
    """A moment in the last months before the reference date, after the sign-up."""
    return random_moment(rng, max(customer.created, END - EVENT_WINDOW), END)


def build_events(rng: random.Random, shop: Shop, members: list[CustomerDraft]) -> StreamFile:
    """Basket and product-view events of subscribed customers, plus two broken ones."""
    drafts: list[tuple[datetime, JsonObject, str | None]] = []
    kinds = ["basket"] * N_BASKET_EVENTS + ["view"] * N_VIEW_EVENTS + ["stranger", "too_long"]
    for kind in kinds:
        customer = rng.choice(members)
        email = STRANGER if kind == "stranger" else customer.email
        if kind == "view":
            event = view_event(rng, shop, email)
        else:
            event = basket_event(rng, customer, shop, email)
        if kind == "too_long":
            lengthen_description(event)
        moment = event_moment(rng, customer)
        local = rng.random() < LOCAL_EVENT_SHARE
        event["occurred_at"] = format_timestamp(moment, local)
        field = {"stranger": "email", "too_long": "value"}.get(kind)
        drafts.append((moment, event, field))
    drafts.sort(key=lambda d: d[0])  # stable: equal moments keep their draw order
    stream = StreamFile("events")
    for number, (_, event, field) in enumerate(drafts, start=1):
        event["event_id"] = f"EV{number:06d}"
        stream.records.append(event)
        if field is not None:
            stream.defects.append((event["event_id"], field))
    return stream


# ------------------------------------------------------------------------ coupons


def coupon_code(rng: random.Random, taken: set[str]) -> str:
    """A unique code such as SHOP-7K2Q-M4XT."""
    while True:
        code = "SHOP-" + "".join(rng.choices(COUPON_ALPHABET, k=4)) + "-" + "".join(rng.choices(COUPON_ALPHABET, k=4))
        if code not in taken:
            taken.add(code)
            return code


def coupon_expiry(rng: random.Random, folder: int) -> date:
    """Black Friday codes run to the end of November; welcome codes for months."""
    if COUPON_FOLDERS[folder] == "black-friday":
        return date(END.year, 11, 30)
    return END.date() + timedelta(days=rng.randint(60, 365))


def build_coupons(rng: random.Random) -> StreamFile:
    """Coupon codes in two folders, two broken, five deleted afterwards."""
    taken: set[str] = set()
    coupons: list[JsonObject] = []
    for _ in range(N_COUPONS):
        folder = rng.choice(list(COUPON_FOLDERS))
        expiry = coupon_expiry(rng, folder)
        coupons.append({"code": coupon_code(rng, taken), "folder_id": folder, "valid_until": expiry.isoformat()})
    coupons.sort(key=lambda c: str(c["code"]))
    special = rng.sample(coupons, 2 + N_DELETED_COUPONS)
    stream = StreamFile("coupons")
    missing, tomorrow = special[0], special[1]
    stream.defects = [(None, "code"), (tomorrow["code"], "valid_until")]
    del missing["code"]
    tomorrow["valid_until"] = "tomorrow"
    stream.records = sorted(coupons, key=lambda c: str(c.get("code", "")))  # the one without code first
    removals = []
    for coupon in special[2:]:
        when = random_moment(rng, END - timedelta(days=30), END)
        line = delete_line(coupon, ("code",), format_timestamp(when, False), full=True)
        removals.append((when, str(coupon["code"]), line))
    stream.deletes = in_deletion_order(removals)
    return stream


# ------------------------------------------------------------ automation triggers


def build_triggers(rng: random.Random, members: list[CustomerDraft]) -> StreamFile:
    """Automation triggers of subscribed customers, in two pipelines."""
    chosen = rng.sample(members, N_TRIGGERS)
    records: list[JsonObject] = [
        {"trigger_id": f"TRG-{number:04d}", "pipeline_id": rng.choice(PIPELINES), "email": customer.email}
        for number, customer in enumerate(chosen, start=1)
    ]
    return StreamFile("automation_triggers", records=records)


# ---------------------------------------------------------------------------- view


def build_view(shop: Shop) -> VendorView:
    """The Ecomail demo directory: five streams and the figures the sandbox must reach."""
    rng = random.Random(ECOMAIL_SEED)
    subscribers, members = build_subscribers(rng, shop)
    transactions = build_transactions(rng, shop)
    events = build_events(rng, shop, members)
    coupons = build_coupons(rng)
    triggers = build_triggers(rng, members)
    streams = (subscribers, transactions, events, coupons, triggers)
    sandbox: JsonObject = {
        "subscribers_subscribed": len(subscribers.records) - len(subscribers.defects) - len(subscribers.deletes),
        "subscribers_deleted": len(subscribers.deletes),
        "transactions": len(transactions.records) - len(transactions.defects) - len(transactions.deletes),
        "events": len(events.records) - len(events.defects),
        "coupons": len(coupons.records) - len(coupons.defects) - len(coupons.deletes),
        "automation_triggers": len(triggers.records),
    }
    return VendorView("ecomail", streams, sandbox)
