"""Deterministic generator of e-commerce demo data for target-rfmcube.

Running ``python demo/generate.py`` (re)writes, next to this file:

- ``customers.jsonl``: Italian and Czech shop customers, sorted by ``id``;
- ``orders.jsonl``: their orders plus a few guest orders, sorted by ``createdAt``;
- ``expected.json``: the input counts and the counts the loaded Rfmcube account
  (the sandbox) must end with;
- ``ecomail/`` and ``connectif/``: the same shop seen by target-ecomail and
  target-connectif (see ``ecomail_view.py`` and ``connectif_view.py``), each with its
  own ``expected.json``.

The shop comes from one ``random.Random(SEED)`` and a fixed reference date. The facts
only the vendor views need (birthdays, streets...) and the views' own choices come from
separate ``random.Random`` instances with their own seeds, so they never shift the
shop's sequence. Two runs write byte-identical files. Only the standard library is used.
"""

from __future__ import annotations

import json
import random
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TypeAlias, TypeVar

JsonValue: TypeAlias = bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"] | None
JsonObject: TypeAlias = dict[str, JsonValue]
T = TypeVar("T")

SEED = 20261123
REFERENCE_DATE = datetime(2026, 11, 1, tzinfo=UTC)
START = datetime(2023, 1, 1, tzinfo=UTC)
END = REFERENCE_DATE - timedelta(seconds=1)
OUT_DIR = Path(__file__).resolve().parent

N_CUSTOMERS = 2000
N_DELETED = 12
N_GUEST_ORDERS = 6
CUSTOMER_DEFECTS = ("missing_createdAt", "missing_email", "bad_updatedAt")
ORDER_DEFECTS = ("missing_amount", "comma_amount", "missing_createdAt", "missing_id")

LOCAL_DATE_SHARE = 0.10
COUPON_SHARE = 0.10
STATUS_WEIGHTS = {"completed": 80, "pending": 12, "canceled": 8}
CENT = Decimal("0.01")


# --------------------------------------------------------------------------- models


@dataclass(frozen=True)
class Category:
    """A node of the product category tree, named in both shop languages."""

    id: int
    parent: int | None
    name_it: str
    name_cs: str


@dataclass(frozen=True)
class Product:
    """A catalogue product with its price in each shop currency."""

    id: int
    name_it: str
    name_cs: str
    brand: str
    category: int
    price_eur: Decimal
    price_czk: Decimal
    popularity: float


@dataclass(frozen=True)
class Catalogue:
    """The fixed product catalogue and its category tree."""

    categories: dict[int, Category]
    products: tuple[Product, ...]


@dataclass(frozen=True)
class Place:
    """A city with its province code (IT) or region name (CZ)."""

    city: str
    area: str
    weight: int


@dataclass(frozen=True)
class Coupon:
    """A percentage coupon; seasonal ones are used only around Black Friday."""

    code: str
    percent: int
    seasonal: bool = False


@dataclass(frozen=True)
class Market:
    """Everything that differs between the Italian and the Czech shops."""

    country: str
    language: str
    currency: str
    area_key: str
    domain: str
    places: tuple[Place, ...]
    male_first: tuple[str, ...]
    female_first: tuple[str, ...]
    surnames: tuple[tuple[str, str], ...]
    statuses: tuple[tuple[str, str, str], ...]
    coupons: tuple[Coupon, ...]
    shipping_fee: Decimal
    free_shipping_from: Decimal


@dataclass
class CustomerDraft:
    """A customer before serialisation, with dates kept as UTC datetimes."""

    market: Market
    firstname: str
    lastname: str
    email: str
    phone: str
    place: Place
    created: datetime
    updated: datetime
    subscribed: bool
    local_dates: bool
    cid: str = ""
    deleted_at: datetime | None = None
    defect: str | None = None


@dataclass(frozen=True)
class Buyer:
    """Who places an order: a registered customer, or a guest without ``customer_id``."""

    market: Market
    email: str
    customer_id: str | None
    home: Place


@dataclass(frozen=True)
class OrderLine:
    """One product line of an order."""

    product: Product
    quantity: int


@dataclass
class OrderDraft:
    """An order before serialisation; ids are assigned once all orders are sorted."""

    market: Market
    email: str
    customer_id: str | None
    created: datetime
    updated: datetime
    status: str
    lines: tuple[OrderLine, ...]
    delivery: Place
    coupon: Coupon | None
    local_dates: bool
    defect: str | None = None
    oid: str = ""
    reference: str = ""
    first_item_id: int = 0


# ------------------------------------------------------------------- fixed tables

CATEGORIES = (
    Category(1, None, "Abbigliamento", "Oblečení"),
    Category(11, 1, "Scarpe", "Obuv"),
    Category(111, 11, "Running", "Běžecké boty"),
    Category(112, 11, "Trekking", "Trekové boty"),
    Category(113, 11, "Sneakers", "Tenisky"),
    Category(12, 1, "Giacche", "Bundy"),
    Category(121, 12, "Impermeabili", "Nepromokavé bundy"),
    Category(122, 12, "Piumini", "Péřové bundy"),
    Category(13, 1, "Magliette", "Trička"),
    Category(14, 1, "Pantaloni", "Kalhoty"),
    Category(2, None, "Attrezzatura", "Vybavení"),
    Category(21, 2, "Zaini", "Batohy"),
    Category(22, 2, "Campeggio", "Kempování"),
    Category(221, 22, "Tende", "Stany"),
    Category(222, 22, "Sacchi a pelo", "Spací pytle"),
    Category(23, 2, "Bastoncini", "Trekové hole"),
    Category(3, None, "Accessori", "Doplňky"),
    Category(31, 3, "Borracce", "Láhve"),
    Category(32, 3, "Cappelli e guanti", "Čepice a rukavice"),
    Category(33, 3, "Orologi sportivi", "Sportovní hodinky"),
)

BRANDS = (
    "Alpestra",
    "Correre",
    "Dolomia",
    "Lagofino",
    "Bora",
    "Šumava",
    "Sněžka",
    "Vltava",
)

# leaf id, product count, (type IT, type CS) choices, EUR price range, brand indexes
LeafTemplate: TypeAlias = tuple[int, int, tuple[tuple[str, str], ...], tuple[int, int], tuple[int, ...]]
LEAF_TEMPLATES: tuple[LeafTemplate, ...] = (
    (111, 11, (("Scarpe running", "Běžecké boty"),), (79, 169), (1, 3, 7)),
    (112, 9, (("Scarponi da trekking", "Trekové boty"),), (99, 229), (0, 2, 5, 6)),
    (113, 9, (("Sneakers", "Tenisky"),), (59, 129), (3, 4, 7)),
    (121, 9, (("Giacca impermeabile", "Nepromokavá bunda"),), (89, 259), (0, 2, 5)),
    (122, 8, (("Piumino", "Péřová bunda"),), (129, 349), (0, 3, 6)),
    (13, 11, (("Maglietta tecnica", "Funkční tričko"),), (19, 49), (1, 3, 4, 7)),
    (14, 9, (("Pantaloni outdoor", "Outdoorové kalhoty"),), (49, 119), (0, 2, 5, 7)),
    (21, 9, (("Zaino", "Batoh"),), (39, 179), (0, 2, 5, 6)),
    (221, 7, (("Tenda", "Stan"),), (119, 499), (2, 5, 6)),
    (222, 7, (("Sacco a pelo", "Spací pytel"),), (59, 259), (0, 5, 6)),
    (23, 7, (("Bastoncini da trekking", "Trekové hole"),), (29, 129), (0, 2, 6)),
    (31, 9, (("Borraccia", "Láhev"),), (9, 39), (3, 4, 5)),
    (32, 9, (("Berretto", "Čepice"), ("Guanti", "Rukavice")), (12, 45), (3, 4, 6, 7)),
    (33, 6, (("Orologio GPS", "GPS hodinky"),), (149, 499), (1, 4)),
)

MODEL_NAMES = (
    "Vetta", "Sentiero", "Cresta", "Brezza", "Aria", "Lince", "Falco", "Orso",
    "Tempo", "Onda", "Vítr", "Mlha", "Skála", "Hřeben", "Rys", "Jestřáb",
    "Horizon", "Trail", "Summit", "Nova",
)  # fmt: skip
MODEL_SUFFIXES = ("", "", "", " 2", " 3", " Pro", " Lite", " GTX", " Evo")

IT_PLACES = (
    Place("Milano", "MI", 14), Place("Roma", "RM", 14), Place("Torino", "TO", 8),
    Place("Napoli", "NA", 8), Place("Bologna", "BO", 6), Place("Firenze", "FI", 6),
    Place("Genova", "GE", 5), Place("Palermo", "PA", 5), Place("Bari", "BA", 4),
    Place("Verona", "VR", 4), Place("Padova", "PD", 4), Place("Brescia", "BS", 3),
    Place("Bergamo", "BG", 3), Place("Catania", "CT", 3), Place("Trieste", "TS", 3),
    Place("Cagliari", "CA", 3), Place("Parma", "PR", 3), Place("Lecce", "LE", 2),
    Place("Forlì", "FC", 2), Place("Cantù", "CO", 1),
)  # fmt: skip
CZ_PLACES = (
    Place("Praha", "Hlavní město Praha", 25),
    Place("Brno", "Jihomoravský kraj", 10),
    Place("Ostrava", "Moravskoslezský kraj", 7),
    Place("Plzeň", "Plzeňský kraj", 5),
    Place("Liberec", "Liberecký kraj", 3),
    Place("Olomouc", "Olomoucký kraj", 3),
    Place("České Budějovice", "Jihočeský kraj", 3),
    Place("Hradec Králové", "Královéhradecký kraj", 3),
    Place("Ústí nad Labem", "Ústecký kraj", 3),
    Place("Pardubice", "Pardubický kraj", 3),
    Place("Zlín", "Zlínský kraj", 2),
    Place("Kladno", "Středočeský kraj", 2),
    Place("Mladá Boleslav", "Středočeský kraj", 1),
    Place("Jihlava", "Kraj Vysočina", 2),
    Place("Karlovy Vary", "Karlovarský kraj", 2),
    Place("Frýdek-Místek", "Moravskoslezský kraj", 1),
)

IT_MALE = (
    "Niccolò", "Nicolò", "Lorenzo", "Alessandro", "Francesco", "Matteo", "Leonardo",
    "Andrea", "Gabriele", "Riccardo", "Tommaso", "Edoardo", "Giuseppe", "Luca",
    "Marco", "Davide", "Federico", "Mattia", "Giacomo", "Pietro",
)  # fmt: skip
IT_FEMALE = (
    "Ludovica", "Giulia", "Sofia", "Aurora", "Alice", "Ginevra", "Emma", "Giorgia",
    "Beatrice", "Martina", "Chiara", "Francesca", "Anna", "Elena", "Sara", "Noemi",
    "Vittoria", "Greta", "Bianca", "Caterina",
)  # fmt: skip
IT_SURNAME_LIST = (
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo",
    "Ricci", "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini",
    "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana",
    "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini",
    "Leone", "Longo", "Gentile", "Martinelli", "Vitale", "Serra", "Coppola",
    "De Santis", "D'Angelo", "Marchetti", "Parisi", "Cattaneo", "Fabbri",
)  # fmt: skip
IT_SURNAMES = tuple((name, name) for name in IT_SURNAME_LIST)
CZ_MALE = (
    "Jiří", "Jan", "Petr", "Josef", "Pavel", "Martin", "Tomáš", "Jaroslav",
    "Miroslav", "Zdeněk", "Václav", "Michal", "František", "Jakub", "Lukáš",
    "Ondřej", "Vojtěch", "Matěj", "Radek", "Štěpán",
)  # fmt: skip
CZ_FEMALE = (
    "Jana", "Marie", "Eva", "Hana", "Anna", "Lenka", "Kateřina", "Lucie", "Věra",
    "Alena", "Petra", "Veronika", "Markéta", "Tereza", "Zuzana", "Jitka", "Barbora",
    "Eliška", "Šárka", "Dagmar",
)  # fmt: skip
CZ_SURNAMES = (
    ("Novák", "Nováková"), ("Svoboda", "Svobodová"), ("Novotný", "Novotná"),
    ("Dvořák", "Dvořáková"), ("Černý", "Černá"), ("Procházka", "Procházková"),
    ("Kučera", "Kučerová"), ("Veselý", "Veselá"), ("Horák", "Horáková"),
    ("Němec", "Němcová"), ("Marek", "Marková"), ("Pospíšil", "Pospíšilová"),
    ("Pokorný", "Pokorná"), ("Hájek", "Hájková"), ("Král", "Králová"),
    ("Jelínek", "Jelínková"), ("Růžička", "Růžičková"), ("Beneš", "Benešová"),
    ("Fiala", "Fialová"), ("Sedláček", "Sedláčková"), ("Doležal", "Doležalová"),
    ("Zeman", "Zemanová"), ("Kolář", "Kolářová"), ("Navrátil", "Navrátilová"),
    ("Čermák", "Čermáková"), ("Šťastný", "Šťastná"), ("Urban", "Urbanová"),
    ("Vaněk", "Vaňková"), ("Blažek", "Blažková"), ("Kříž", "Křížová"),
    ("Kovář", "Kovářová"), ("Bartoš", "Bartošová"), ("Vlček", "Vlčková"),
    ("Polák", "Poláková"), ("Musil", "Musilová"), ("Šimek", "Šimková"),
    ("Konečný", "Konečná"), ("Malý", "Malá"), ("Holub", "Holubová"),
    ("Štěpánek", "Štěpánková"),
)  # fmt: skip

MARKETS = {
    "IT": Market(
        country="IT",
        language="it",
        currency="EUR",
        area_key="province",
        domain="example.it",
        places=IT_PLACES,
        male_first=IT_MALE,
        female_first=IT_FEMALE,
        surnames=IT_SURNAMES,
        statuses=(
            ("completed", "5", "Completato"),
            ("pending", "2", "In attesa di pagamento"),
            ("canceled", "6", "Annullato"),
        ),
        coupons=(
            Coupon("BENVENUTO10", 10),
            Coupon("ESTATE15", 15),
            Coupon("AMICI5", 5),
            Coupon("BLACKFRIDAY20", 20, seasonal=True),
        ),
        shipping_fee=Decimal("5.90"),
        free_shipping_from=Decimal(59),
    ),
    "CZ": Market(
        country="CZ",
        language="cs",
        currency="CZK",
        area_key="region",
        domain="example.cz",
        places=CZ_PLACES,
        male_first=CZ_MALE,
        female_first=CZ_FEMALE,
        surnames=CZ_SURNAMES,
        statuses=(
            ("completed", "completed", "Dokončeno"),
            ("pending", "pending", "Čeká na platbu"),
            ("canceled", "canceled", "Zrušeno"),
        ),
        coupons=(
            Coupon("VITEJTE10", 10),
            Coupon("LETO15", 15),
            Coupon("PRATELE5", 5),
            Coupon("BLACKFRIDAY20", 20, seasonal=True),
        ),
        shipping_fee=Decimal(129),
        free_shipping_from=Decimal(1500),
    ),
}

# Relative order likelihood per local hour of day (night quiet, evening busy).
HOUR_WEIGHTS = (
    0.25, 0.15, 0.1, 0.1, 0.1, 0.15, 0.3, 0.5, 0.6, 0.7, 0.75, 0.8,
    0.9, 0.85, 0.75, 0.75, 0.8, 0.85, 0.9, 1.0, 1.0, 1.0, 0.8, 0.5,
)  # fmt: skip


# ------------------------------------------------------------------ time helpers


def last_sunday(year: int, month: int) -> datetime:
    """Return 01:00 UTC on the last Sunday of ``month`` (EU clock-change instant)."""
    next_month = datetime(year + month // 12, month % 12 + 1, 1, 1, tzinfo=UTC)
    last_day = next_month - timedelta(days=1)
    return last_day - timedelta(days=(last_day.weekday() + 1) % 7)


def central_europe_offset(moment: datetime) -> timedelta:
    """Return the CET/CEST offset in force in Italy and Czechia at ``moment``."""
    summer_start = last_sunday(moment.year, 3)
    summer_end = last_sunday(moment.year, 10)
    return timedelta(hours=2 if summer_start <= moment < summer_end else 1)


def format_timestamp(moment: datetime, local: bool) -> str:
    """Format a UTC moment as ISO-8601: ``...Z``, or with the shop's local offset."""
    if not local:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    offset = timezone(central_europe_offset(moment))
    return moment.astimezone(offset).isoformat(timespec="seconds")


def random_moment(rng: random.Random, low: datetime, high: datetime) -> datetime:
    """Return a whole-second moment uniformly drawn from ``[low, high]``."""
    span = max(0, int((high - low).total_seconds()))
    return low + timedelta(seconds=rng.randint(0, span))


def shop_moment(rng: random.Random, low: datetime, high: datetime) -> datetime:
    """Return a moment in ``[low, high]``, favouring busy local shopping hours."""
    moment = random_moment(rng, low, high)
    for _ in range(20):
        local_hour = (moment + central_europe_offset(moment)).hour
        if rng.random() < HOUR_WEIGHTS[local_hour]:
            break
        moment = random_moment(rng, low, high)
    return moment


def local_year(moment: datetime) -> int:
    """Return the calendar year of ``moment`` in the shops' local time."""
    return (moment + central_europe_offset(moment)).year


# ------------------------------------------------------------------- small helpers


def weighted(rng: random.Random, items: Sequence[T], weights: Sequence[float]) -> T:
    """Pick one item with the given relative weights."""
    return rng.choices(items, weights=weights)[0]


def pick_place(rng: random.Random, market: Market) -> Place:
    """Pick a city of the market, weighted by rough population."""
    return weighted(rng, market.places, [p.weight for p in market.places])


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters of ``text``: diacritics, spaces, apostrophes dropped."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if "a" <= ch <= "z")


def money(value: Decimal) -> float:
    """Round to cents and return a JSON-friendly float."""
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


# ---------------------------------------------------------------------- catalogue


def czk_price(eur: Decimal) -> Decimal:
    """Convert a EUR list price to a CZK shelf price ending in 9 (about 25 CZK/EUR)."""
    return (eur * 25 / 10).quantize(Decimal(1), rounding=ROUND_HALF_UP) * 10 - 1


def eur_price(rng: random.Random, low: int, high: int) -> Decimal:
    """Draw a EUR shelf price such as 88.90, 88.99 or 89.00."""
    below = rng.choice((Decimal("0.10"), Decimal("0.01"), Decimal(0)))
    return Decimal(rng.randint(low, high)) - below


def product_name(rng: random.Random, brand: str, taken: set[str]) -> str:
    """Draw a model name (with optional suffix) not yet used by the brand."""
    while True:
        model = rng.choice(MODEL_NAMES) + rng.choice(MODEL_SUFFIXES)
        key = f"{brand}|{model}"
        if key not in taken:
            taken.add(key)
            return model


def leaf_products(
    rng: random.Random,
    template: LeafTemplate,
    first_id: int,
    taken: set[str],
) -> list[Product]:
    """Build the products of one leaf category from its template."""
    leaf, count, kinds, (low, high), brand_indexes = template
    products = []
    for offset in range(count):
        kind_it, kind_cs = rng.choice(kinds)
        brand = BRANDS[rng.choice(brand_indexes)]
        model = product_name(rng, brand, taken)
        price = eur_price(rng, low, high)
        products.append(
            Product(
                id=first_id + offset,
                name_it=f"{kind_it} {brand} {model}",
                name_cs=f"{kind_cs} {brand} {model}",
                brand=brand,
                category=leaf,
                price_eur=price,
                price_czk=czk_price(price),
                popularity=0.0,
            )
        )
    return products


def with_popularity(rng: random.Random, products: list[Product]) -> list[Product]:
    """Give products Zipf-like popularity so that a few are best sellers."""
    ranks = list(range(1, len(products) + 1))
    rng.shuffle(ranks)
    return [replace(product, popularity=1 / rank**0.9) for product, rank in zip(products, ranks, strict=True)]


def build_catalogue(rng: random.Random) -> Catalogue:
    """Build the fixed catalogue of about 120 products across 8 brands."""
    products: list[Product] = []
    taken: set[str] = set()
    for template in LEAF_TEMPLATES:
        products.extend(leaf_products(rng, template, 40001 + len(products), taken))
    categories = {c.id: c for c in CATEGORIES}
    return Catalogue(categories, tuple(with_popularity(rng, products)))


# ---------------------------------------------------------------------- customers

EMAIL_PATTERNS: tuple[Callable[[str, str], str], ...] = (
    lambda first, last: f"{first}.{last}",
    lambda first, last: f"{first}{last}",
    lambda first, last: f"{first[0]}.{last}",
    lambda first, last: f"{last}.{first}",
    lambda first, last: f"{first}_{last}",
)


def make_email(rng: random.Random, market: Market, first: str, last: str, taken: set[str]) -> str:
    """Derive a unique lower-case ASCII e-mail address from a name and a number."""
    first_slug, last_slug = ascii_slug(first), ascii_slug(last)
    while True:
        local = rng.choice(EMAIL_PATTERNS)(first_slug, last_slug)
        number = rng.randint(1, 99) if rng.random() < 0.6 else rng.randint(1955, 2006)
        domain = market.domain if rng.random() < 0.7 else "example.com"
        email = f"{local}{number}@{domain}"
        if email not in taken:
            taken.add(email)
            return email


def phone_number(rng: random.Random, country: str) -> str:
    """Draw a mobile number in the usual national format."""
    if country == "IT":
        return f"+39 3{rng.randint(20, 99)} {rng.randint(0, 9_999_999):07d}"
    prefix = f"{rng.choice('67')}{rng.randint(0, 99):02d}"
    return f"+420 {prefix} {rng.randint(0, 999):03d} {rng.randint(0, 999):03d}"


def pick_name(rng: random.Random, market: Market) -> tuple[str, str]:
    """Draw a first name and a matching (gendered, for Czech) surname."""
    female = rng.random() < 0.5
    first = rng.choice(market.female_first if female else market.male_first)
    male_surname, female_surname = rng.choice(market.surnames)
    return first, female_surname if female else male_surname


def signup_moment(rng: random.Random) -> datetime:
    """Draw a customer creation moment; sign-ups roughly double over the period."""
    latest = END - timedelta(days=3)
    span = (latest - START).total_seconds()
    growing = rng.random() < 0.35
    seconds = rng.triangular(0, span, span) if growing else rng.uniform(0, span)
    moment = START + timedelta(seconds=int(seconds))
    return shop_moment(rng, moment, moment + timedelta(hours=23))


def new_customer(rng: random.Random, market: Market, taken: set[str]) -> CustomerDraft:
    """Draw one customer of ``market``."""
    first, last = pick_name(rng, market)
    created = signup_moment(rng)
    updated = created if rng.random() < 0.4 else random_moment(rng, created, END)
    return CustomerDraft(
        market=market,
        firstname=first,
        lastname=last,
        email=make_email(rng, market, first, last, taken),
        phone=phone_number(rng, market.country),
        place=pick_place(rng, market),
        created=created,
        updated=updated,
        subscribed=rng.random() < 0.55,
        local_dates=rng.random() < LOCAL_DATE_SHARE,
    )


def mark_special(rng: random.Random, customers: list[CustomerDraft]) -> None:
    """Turn a random few customers into source deletes and invalid records."""
    chosen = rng.sample(customers, N_DELETED + len(CUSTOMER_DEFECTS))
    for customer in chosen[:N_DELETED]:
        low = min(customer.updated + timedelta(hours=1), END)
        customer.deleted_at = random_moment(rng, low, END)
    for customer, defect in zip(chosen[N_DELETED:], CUSTOMER_DEFECTS, strict=True):
        customer.defect = defect


def build_customers(rng: random.Random, taken: set[str]) -> list[CustomerDraft]:
    """Draw all customers, half per market, with ids in sign-up order."""
    countries = ["IT", "CZ"] * (N_CUSTOMERS // 2)
    rng.shuffle(countries)
    customers = [new_customer(rng, MARKETS[c], taken) for c in countries]
    customers.sort(key=lambda c: c.created)
    for number, customer in enumerate(customers, start=1):
        customer.cid = f"C{number:06d}"
    mark_special(rng, customers)
    return customers


def is_loadable(customer: CustomerDraft) -> bool:
    """Return whether the customer is valid and not a source delete."""
    return customer.deleted_at is None and customer.defect is None


# ------------------------------------------------------------------------- orders


def order_count(rng: random.Random) -> int:
    """Draw how many orders a customer wants: mostly 1-2, a few loyal 20+."""
    tier = rng.random()
    if tier < 0.02:
        return 0
    if tier < 0.41:
        return 1
    if tier < 0.64:
        return 2
    if tier < 0.82:
        return rng.randint(3, 5)
    if tier < 0.94:
        return rng.randint(6, 14)
    return rng.randint(20, 40)


def first_order_moment(rng: random.Random, signup: datetime) -> datetime:
    """Most customers order right after signing up; others come back later."""
    if rng.random() < 0.6:
        low, high = signup + timedelta(minutes=2), signup + timedelta(minutes=90)
    else:
        low, high = signup + timedelta(hours=1), signup + timedelta(days=120)
    return shop_moment(rng, min(low, END), min(high, END))


def order_moments(rng: random.Random, signup: datetime, wanted: int) -> list[datetime]:
    """Spread a customer's orders over an active period that may end early (churn)."""
    if wanted == 0:
        return []
    first = first_order_moment(rng, signup)
    loyal = wanted >= 20 or rng.random() < 0.3
    last_active = END if loyal else random_moment(rng, first, END)
    count = min(wanted, 1 + (last_active - first).days // 7)
    rest = [shop_moment(rng, first, last_active) for _ in range(count - 1)]
    return [first, *sorted(rest)]


def status_update_moment(rng: random.Random, status: str, created: datetime) -> datetime:
    """Draw the last change of an order: shipping, cancellation or nothing yet."""
    if status == "completed":
        delay = timedelta(seconds=rng.randint(3600, 10 * 86400))
    elif status == "canceled":
        delay = timedelta(seconds=rng.randint(600, 5 * 86400))
    else:
        delay = timedelta(seconds=rng.choice((0, rng.randint(60, 7200))))
    return min(created + delay, END)


def pick_lines(rng: random.Random, catalogue: Catalogue) -> tuple[OrderLine, ...]:
    """Draw 1-5 distinct products, favouring best sellers, with small quantities."""
    wanted = weighted(rng, (1, 2, 3, 4, 5), (48, 26, 14, 8, 4))
    weights = [p.popularity for p in catalogue.products]
    chosen: list[Product] = []
    while len(chosen) < wanted:
        product = weighted(rng, catalogue.products, weights)
        if product not in chosen:
            chosen.append(product)
    return tuple(OrderLine(p, weighted(rng, (1, 2, 3), (82, 13, 5))) for p in chosen)


def pick_coupon(rng: random.Random, market: Market, created: datetime) -> Coupon:
    """Pick a coupon; the Black Friday one only in late November."""
    black_friday = created.month == 11 and created.day >= 20
    return rng.choice([c for c in market.coupons if c.seasonal == black_friday])


def buyer_of(customer: CustomerDraft) -> Buyer:
    """Return the buyer details a registered customer's orders carry."""
    return Buyer(customer.market, customer.email, customer.cid, customer.place)


def new_order(rng: random.Random, buyer: Buyer, created: datetime, catalogue: Catalogue) -> OrderDraft:
    """Draw one order placed by ``buyer`` at ``created``."""
    market = buyer.market
    status = weighted(rng, list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))
    return OrderDraft(
        market=market,
        email=buyer.email,
        customer_id=buyer.customer_id,
        created=created,
        updated=status_update_moment(rng, status, created),
        status=status,
        lines=pick_lines(rng, catalogue),
        delivery=buyer.home if rng.random() < 0.85 else pick_place(rng, market),
        coupon=pick_coupon(rng, market, created) if rng.random() < COUPON_SHARE else None,
        local_dates=rng.random() < LOCAL_DATE_SHARE,
    )


def customer_orders(rng: random.Random, customer: CustomerDraft, catalogue: Catalogue) -> list[OrderDraft]:
    """Draw the (valid) orders of one loadable customer."""
    moments = order_moments(rng, customer.created, order_count(rng))
    return [new_order(rng, buyer_of(customer), moment, catalogue) for moment in moments]


def guest_orders(rng: random.Random, catalogue: Catalogue, taken: set[str]) -> list[OrderDraft]:
    """Draw orders by guests whose e-mail matches no customer (and who have no id)."""
    orders = []
    for index in range(N_GUEST_ORDERS):
        market = MARKETS["IT" if index % 2 == 0 else "CZ"]
        email = make_email(rng, market, *pick_name(rng, market), taken)
        created = shop_moment(rng, START, END)
        buyer = Buyer(market, email, None, pick_place(rng, market))
        orders.append(new_order(rng, buyer, created, catalogue))
    return orders


def invalid_orders(rng: random.Random, customers: list[CustomerDraft], catalogue: Catalogue) -> list[OrderDraft]:
    """Draw one broken order per defect, each for a different valid customer."""
    owners = rng.sample([c for c in customers if is_loadable(c)], len(ORDER_DEFECTS))
    orders = []
    for owner, defect in zip(owners, ORDER_DEFECTS, strict=True):
        created = shop_moment(rng, owner.created + timedelta(minutes=5), END)
        order = new_order(rng, buyer_of(owner), created, catalogue)
        order.defect = defect
        orders.append(order)
    return orders


def number_orders(orders: list[OrderDraft]) -> None:
    """Assign ids, per-shop yearly references and item ids in creation order."""
    per_year: dict[tuple[str, int], int] = {}
    next_item = 1
    for number, order in enumerate(orders, start=1):
        key = (order.market.country, local_year(order.created))
        per_year[key] = per_year.get(key, 0) + 1
        order.oid = f"O{number:07d}"
        order.reference = f"{key[0]}-{key[1]}-{per_year[key]:06d}"
        order.first_item_id = next_item
        next_item += len(order.lines)


def build_orders(
    rng: random.Random,
    customers: list[CustomerDraft],
    catalogue: Catalogue,
    taken: set[str],
) -> list[OrderDraft]:
    """Draw every order (valid, guest, invalid), sorted and numbered by creation."""
    orders: list[OrderDraft] = []
    for customer in customers:
        if is_loadable(customer):
            orders.extend(customer_orders(rng, customer, catalogue))
    orders.extend(guest_orders(rng, catalogue, taken))
    orders.extend(invalid_orders(rng, customers, catalogue))
    orders.sort(key=lambda o: o.created)
    number_orders(orders)
    return orders


# ------------------------------------------------------------------ serialisation


def customer_record(customer: CustomerDraft) -> JsonObject:
    """Serialise a customer, applying its deliberate defect if any."""
    local = customer.local_dates
    record: JsonObject = {
        "id": customer.cid,
        "email": customer.email,
        "firstname": customer.firstname,
        "lastname": customer.lastname,
        "createdAt": format_timestamp(customer.created, local),
        "updatedAt": format_timestamp(customer.updated, local),
        "phone": customer.phone,
        "city": customer.place.city,
        customer.market.area_key: customer.place.area,
        "country": customer.market.country,
        "isSubscribed": customer.subscribed,
        "language": customer.market.language,
    }
    if customer.deleted_at is not None:
        record["_sdc_deleted_at"] = format_timestamp(customer.deleted_at, False)
    if customer.defect == "missing_createdAt":
        del record["createdAt"]
    elif customer.defect == "missing_email":
        del record["email"]
    elif customer.defect == "bad_updatedAt":
        record["updatedAt"] = "not a date"
    return record


def category_path(catalogue: Catalogue, leaf: int) -> list[Category]:
    """Return the categories from the root down to ``leaf``."""
    path = [catalogue.categories[leaf]]
    while (parent := path[-1].parent) is not None:
        path.append(catalogue.categories[parent])
    return path[::-1]


def categories_json(catalogue: Catalogue, leaf: int, language: str) -> JsonValue:
    """Serialise a product's category with its ancestor ids, root first."""
    *ancestors, category = category_path(catalogue, leaf)
    name = category.name_it if language == "it" else category.name_cs
    return [{"id": category.id, "name": name, "tree": [a.id for a in ancestors]}]


def unit_price(product: Product, market: Market) -> Decimal:
    """Return the product's price in the market's currency."""
    return product.price_eur if market.currency == "EUR" else product.price_czk


def order_totals(order: OrderDraft) -> tuple[Decimal, Decimal, Decimal]:
    """Return (amount, shipping, discount); amount = items + shipping - discount."""
    subtotal = sum(
        (unit_price(line.product, order.market) * line.quantity for line in order.lines),
        Decimal(0),
    )
    percent = order.coupon.percent if order.coupon else 0
    discount = (subtotal * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    free = subtotal >= order.market.free_shipping_from
    shipping = Decimal(0) if free else order.market.shipping_fee
    return subtotal + shipping - discount, shipping, discount


def items_json(order: OrderDraft, catalogue: Catalogue) -> JsonValue:
    """Serialise the order lines in the shop's language and currency."""
    language = order.market.language
    return [
        {
            "item_id": order.first_item_id + index,
            "product_id": line.product.id,
            "name": line.product.name_it if language == "it" else line.product.name_cs,
            "brand": line.product.brand,
            "price": money(unit_price(line.product, order.market)),
            "quantity": line.quantity,
            "categories": categories_json(catalogue, line.product.category, language),
        }
        for index, line in enumerate(order.lines)
    ]


def status_pair(order: OrderDraft) -> tuple[str, str]:
    """Return the shop's raw status code and label for the order."""
    for status, code, label in order.market.statuses:
        if status == order.status:
            return code, label
    raise ValueError(order.status)


def apply_order_defect(record: JsonObject, defect: str | None) -> JsonObject:
    """Break an order record on purpose so that the target rejects it."""
    if defect == "missing_amount":
        del record["amount"]
    elif defect == "comma_amount":
        record["amount"] = "12,50"
    elif defect == "missing_createdAt":
        del record["createdAt"]
    elif defect == "missing_id":
        del record["id"]
    return record


def order_record(order: OrderDraft, catalogue: Catalogue) -> JsonObject:
    """Serialise an order, applying its deliberate defect if any."""
    amount, shipping, discount = order_totals(order)
    code, label = status_pair(order)
    record: JsonObject = {
        "id": order.oid,
        "orderReference": order.reference,
        "customerEmail": order.email,
        "createdAt": format_timestamp(order.created, order.local_dates),
        "updatedAt": format_timestamp(order.updated, order.local_dates),
        "amount": money(amount),
        "currency": order.market.currency,
        "status": code,
        "statusLabel": label,
        "items": items_json(order, catalogue),
        "delivery": {
            "city": order.delivery.city,
            order.market.area_key: order.delivery.area,
            "country": order.market.country,
        },
        "shipping": money(shipping),
        "discount": money(discount),
    }
    if order.customer_id is not None:
        record["customerId"] = order.customer_id
    if order.coupon is not None:
        record["coupon"] = order.coupon.code
    return apply_order_defect(record, order.defect)


# ---------------------------------------------------- shop facts for the vendor views
# The vendor views (``ecomail_view.py``, ``connectif_view.py``) show the same shop. The
# facts they need beyond the rfmcube files (birthday, street, loyalty tier...) are drawn
# here, per customer, from a ``random.Random`` seeded with the customer's id: they never
# touch the shop's sequence, and both views see the same birthday for the same person.

SHOP_NAMES = {"IT": "shop.it", "CZ": "shop.cz"}
STOREFRONTS = {"IT": "https://shop.example.it", "CZ": "https://shop.example.cz"}
VAT_PERCENT = {"IT": 22, "CZ": 21}
CZK_PER_EUR = 25
TIERS = ((20, "platinum"), (6, "gold"), (2, "silver"), (0, "bronze"))
BIRTHDAY_SHARE = 0.75
COMPANY_SHARE = 0.03

IT_STREETS = (
    "Via Roma", "Via Garibaldi", "Via Mazzini", "Via Cavour", "Corso Italia", "Via Dante",
    "Via Verdi", "Viale della Repubblica", "Via XX Settembre", "Via Marconi",
    "Via Vittorio Emanuele II", "Piazza della Libertà",
)  # fmt: skip
CZ_STREETS = (
    "Husova", "Masarykova", "Nádražní", "Palackého", "Komenského", "Školní", "Sokolská",
    "Jiráskova", "Havlíčkova", "Smetanova", "Žižkova", "Na Příkopě",
)  # fmt: skip
POSTCODES = {
    "Milano": ("20121", "20135", "20144", "20159"), "Roma": ("00184", "00153", "00197", "00162"),
    "Torino": ("10121", "10138"), "Napoli": ("80121", "80134"), "Bologna": ("40121", "40137"),
    "Firenze": ("50121", "50134"), "Genova": ("16121", "16145"), "Palermo": ("90133", "90141"),
    "Bari": ("70121", "70126"), "Verona": ("37121", "37138"), "Padova": ("35121", "35137"),
    "Brescia": ("25121", "25128"), "Bergamo": ("24121", "24128"), "Catania": ("95124", "95131"),
    "Trieste": ("34121", "34137"), "Cagliari": ("09124", "09131"), "Parma": ("43121", "43126"),
    "Lecce": ("73100",), "Forlì": ("47121", "47122"), "Cantù": ("22063",),
    "Praha": ("110 00", "120 00", "130 00", "140 00", "150 00", "160 00", "170 00", "180 00", "190 00"),
    "Brno": ("602 00", "612 00", "615 00", "625 00"), "Ostrava": ("702 00", "708 00", "709 00"),
    "Plzeň": ("301 00", "323 00", "326 00"), "Liberec": ("460 01", "460 07"), "Olomouc": ("779 00",),
    "České Budějovice": ("370 01", "370 05"), "Hradec Králové": ("500 02", "500 03"),
    "Ústí nad Labem": ("400 01", "400 03"), "Pardubice": ("530 02", "530 03"),
    "Zlín": ("760 01", "760 05"), "Kladno": ("272 01",), "Mladá Boleslav": ("293 01",),
    "Jihlava": ("586 01",), "Karlovy Vary": ("360 01", "360 17"), "Frýdek-Místek": ("738 01",),
}  # fmt: skip


@dataclass(frozen=True)
class Profile:
    """What the shop knows of a customer beyond the rfmcube export."""

    female: bool
    birthday: date | None
    street: str
    postcode: str
    company: str | None
    order_count: int
    spent_eur: Decimal
    tier: str


@dataclass(frozen=True)
class Shop:
    """The generated shop, as the vendor views read it."""

    catalogue: Catalogue
    customers: tuple[CustomerDraft, ...]
    orders: tuple[OrderDraft, ...]
    profiles: dict[str, Profile]

    def deleted_customers(self) -> list[CustomerDraft]:
        """The customers deleted at the source, in deletion order."""
        deleted = [c for c in self.customers if c.deleted_at is not None]
        return sorted(deleted, key=lambda c: (c.deleted_at or END, c.cid))

    def orderless_customers(self) -> list[CustomerDraft]:
        """Customers not deleted at the source who have no order, in id order."""
        buyers = {o.customer_id for o in self.orders}
        return [c for c in self.customers if c.deleted_at is None and c.cid not in buyers]


def fact_rng(*parts: str) -> random.Random:
    """A generator of its own for one kind of fact, seeded from SEED and ``parts``."""
    return random.Random(":".join((str(SEED), *parts)))


def birth_year(rng: random.Random, email: str) -> int:
    """The year in the e-mail address when it looks like one, else a plausible year."""
    match = re.search(r"(\d+)@", email)
    if match and 1955 <= int(match.group(1)) <= 2006:
        return int(match.group(1))
    return rng.randint(1955, 2004)


def draw_birthday(rng: random.Random, email: str) -> date | None:
    """A birthday for most customers; some never told the shop."""
    year = birth_year(rng, email)
    if rng.random() >= BIRTHDAY_SHARE:
        return None
    return date(year, 1, 1) + timedelta(days=rng.randint(0, 364))


def tier_of(order_count: int) -> str:
    """The loyalty tier earned by a number of orders."""
    return next(name for floor, name in TIERS if order_count >= floor)


def in_eur(amount: Decimal, market: Market) -> Decimal:
    """An amount of the market's currency in EUR (about 25 CZK per EUR)."""
    return amount if market.currency == "EUR" else amount / CZK_PER_EUR


def customer_profile(customer: CustomerDraft, orders: list[OrderDraft]) -> Profile:
    """Draw a customer's extra facts from a generator seeded with the customer's id."""
    rng = fact_rng("profile", customer.cid)
    market = customer.market
    birthday = draw_birthday(rng, customer.email)
    if market.country == "IT":
        street = f"{rng.choice(IT_STREETS)} {rng.randint(1, 180)}"
        company = f"{customer.lastname} S.r.l."
    else:
        street = f"{rng.choice(CZ_STREETS)} {rng.randint(100, 2999)}/{rng.randint(1, 60)}"
        company = f"{customer.lastname} s.r.o."
    postcode = rng.choice(POSTCODES[customer.place.city])
    completed = [o for o in orders if o.status == "completed"]
    spent = sum((in_eur(order_totals(o)[0], o.market) for o in completed), Decimal(0))
    return Profile(
        female=customer.firstname in market.female_first,
        birthday=birthday,
        street=street,
        postcode=postcode,
        company=company if rng.random() < COMPANY_SHARE else None,
        order_count=len(orders),
        spent_eur=spent.quantize(CENT, rounding=ROUND_HALF_UP),
        tier=tier_of(len(orders)),
    )


def build_shop(catalogue: Catalogue, customers: list[CustomerDraft], orders: list[OrderDraft]) -> Shop:
    """Bundle the shop with each customer's profile."""
    by_customer: dict[str, list[OrderDraft]] = {c.cid: [] for c in customers}
    for order in orders:
        if order.customer_id is not None:
            by_customer[order.customer_id].append(order)
    profiles = {c.cid: customer_profile(c, by_customer[c.cid]) for c in customers}
    return Shop(catalogue, tuple(customers), tuple(orders), profiles)


def product_title(product: Product, language: str) -> str:
    """The product's name in a shop language."""
    return product.name_it if language == "it" else product.name_cs


def category_names(catalogue: Catalogue, leaf: int, language: str) -> list[str]:
    """The names of the categories from the root down to ``leaf``."""
    return [c.name_it if language == "it" else c.name_cs for c in category_path(catalogue, leaf)]


def url_slug(text: str) -> str:
    """A URL slug: lower-case ASCII words joined by hyphens."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    kept = "".join(ch if ch.isascii() and ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch))
    return "-".join(kept.split())


def vat_part(amount: Decimal, market: Market) -> Decimal:
    """The VAT included in a gross amount (22% in Italy, 21% in Czechia)."""
    rate = VAT_PERCENT[market.country]
    return (amount * rate / (100 + rate)).quantize(CENT, rounding=ROUND_HALF_UP)


TIMESTAMP_STYLES = ("Z", "+00:00", "millis")
TIMESTAMP_STYLE_WEIGHTS = (85, 8, 7)


def varied_timestamp(rng: random.Random, moment: datetime, local: bool) -> str:
    """ISO-8601 in one of the forms taps produce: ``Z``, ``+00:00``, ``.000Z`` or a local offset."""
    if local:
        return format_timestamp(moment, True)
    style = weighted(rng, TIMESTAMP_STYLES, TIMESTAMP_STYLE_WEIGHTS)
    if style == "+00:00":
        return moment.isoformat(timespec="seconds")
    if style == "millis":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return format_timestamp(moment, False)


# ------------------------------------------------------------------ vendor view files


@dataclass
class StreamFile:
    """One JSONL file of a vendor view: records to load, then source deletes.

    ``defects`` lists, for each record the target must reject, its key (None when the
    key is what is missing) and the field the reject reason must name.
    """

    name: str
    records: list[JsonObject] = field(default_factory=list)
    deletes: list[JsonObject] = field(default_factory=list)
    defects: list[tuple[JsonValue, str]] = field(default_factory=list)

    def lines(self) -> list[JsonObject]:
        """The file's lines: the records, then the deletes (each already sorted)."""
        return [*self.records, *self.deletes]

    def input_counts(self) -> JsonObject:
        """Lines, records to load, deletes and deliberate defects of the file."""
        return {
            "lines": len(self.records) + len(self.deletes),
            "records": len(self.records),
            "deletes": len(self.deletes),
            "defects": len(self.defects),
        }


@dataclass(frozen=True)
class VendorView:
    """The files of one vendor's demo directory and the figures its sandbox must reach."""

    directory: str
    streams: tuple[StreamFile, ...]
    sandbox: JsonObject
    settings: JsonObject = field(default_factory=dict)

    def expected(self) -> JsonObject:
        """The ``expected.json`` document: input counts, sandbox figures, rejects."""
        defects: list[JsonObject] = [
            {"stream": s.name, "key": key, "field": name} for s in self.streams for key, name in s.defects
        ]
        defects.sort(key=lambda d: (str(d["stream"]), str(d["key"] or ""), str(d["field"])))
        expected: JsonObject = {
            "input": {s.name: s.input_counts() for s in self.streams},
            "sandbox": self.sandbox,
            "rejects": len(defects),
            "rejects_by_stream": {s.name: len(s.defects) for s in self.streams},
            "defects": list[JsonValue](defects),
        }
        if self.settings:
            expected["settings"] = self.settings
        return expected


def delete_line(record: JsonObject, keys: Sequence[str], deleted_at: str, full: bool) -> JsonObject:
    """A source delete of ``record``: its keys (or all its fields) and ``_sdc_deleted_at``."""
    kept = dict(record) if full else {k: record[k] for k in keys}
    kept["_sdc_deleted_at"] = deleted_at
    return kept


def in_deletion_order(removals: list[tuple[datetime, str, JsonObject]]) -> list[JsonObject]:
    """Delete lines sorted by deletion moment, then key: ``(moment, key, line)`` triples."""
    return [line for _, _, line in sorted(removals, key=lambda r: (r[0], r[1]))]


def write_view(view: VendorView) -> JsonObject:
    """Write a vendor view's JSONL files and expected.json; return the expectations."""
    directory = OUT_DIR / view.directory
    directory.mkdir(exist_ok=True)
    for stream in view.streams:
        write_jsonl(directory / f"{stream.name}.jsonl", stream.lines())
    expected = view.expected()
    write_json(directory / "expected.json", expected)
    return expected


def write_vendor_views(shop: Shop) -> None:
    """Build and write the Ecomail and Connectif views of the shop."""
    # The views import this module as ``generate``. Run as a script it is ``__main__``:
    # register it under its own name so that it is not loaded a second time.
    sys.modules.setdefault("generate", sys.modules[__name__])
    import connectif_view
    import ecomail_view

    for view in (ecomail_view.build_view(shop), connectif_view.build_view(shop)):
        expected = write_view(view)
        summary = {k: v for k, v in expected.items() if k != "defects"}
        print(view.directory, json.dumps(summary, sort_keys=True))


# ------------------------------------------------------------------------- output


def expected_counts(customers: list[CustomerDraft], orders: list[OrderDraft]) -> JsonObject:
    """Count the inputs and what the sandbox account must hold after the load."""
    deletes = sum(c.deleted_at is not None for c in customers)
    bad_customers = sum(c.defect is not None for c in customers)
    bad_orders = sum(o.defect is not None for o in orders)
    guests = sum(o.customer_id is None for o in orders)
    return {
        "input": {
            "customers": len(customers),
            "orders": len(orders),
            "customer_deletes": deletes,
            "invalid_customers": bad_customers,
            "invalid_orders": bad_orders,
            "guest_orders": guests,
        },
        "sandbox": {
            "customers": sum(is_loadable(c) for c in customers),
            "orders": len(orders) - bad_orders - guests,
            "orphan_orders": guests,
            "deleted_customers": deletes,
        },
        "rejects": bad_customers + bad_orders,
    }


def dump_line(record: JsonObject) -> str:
    """Serialise one record as a compact, key-sorted, UTF-8-readable JSON line."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def write_jsonl(path: Path, records: Iterable[JsonObject]) -> None:
    """Write records as JSON Lines with Unix newlines."""
    text = "".join(dump_line(record) + "\n" for record in records)
    path.write_text(text, encoding="utf-8", newline="\n")


def write_json(path: Path, value: JsonObject) -> None:
    """Write an indented, key-sorted JSON document."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    path.write_text(text, encoding="utf-8", newline="\n")


def main() -> None:
    """Generate the demo data set and write it next to this script."""
    rng = random.Random(SEED)
    catalogue = build_catalogue(rng)
    taken_emails: set[str] = set()
    customers = build_customers(rng, taken_emails)
    orders = build_orders(rng, customers, catalogue, taken_emails)
    write_jsonl(OUT_DIR / "customers.jsonl", (customer_record(c) for c in customers))
    write_jsonl(OUT_DIR / "orders.jsonl", (order_record(o, catalogue) for o in orders))
    expected = expected_counts(customers, orders)
    write_json(OUT_DIR / "expected.json", expected)
    print(json.dumps(expected, sort_keys=True))
    write_vendor_views(build_shop(catalogue, customers, orders))


if __name__ == "__main__":
    main()
