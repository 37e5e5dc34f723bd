"""A small shop database with the awkward parts a real one has, and the changes of a second day.

`numeric(12,2)` prices, `timestamptz` written in Europe/Prague (values on both sides of the
March and October 2026 DST changes; in October a later instant has an earlier local time),
`text[]` tags, `jsonb` attributes, NULLs, two invalid e-mails, names beyond ASCII, and a view
that nests each order's items as a JSON array. The tap reads through a role whose sessions run
in UTC (``ALTER ROLE ... SET timezone``), as the README advises.
"""

from __future__ import annotations

TAP_USER = "tap_reader"
TAP_PASSWORD = "tap-reader-secret"  # a throwaway test cluster on loopback
#: A role left in the server's zone (Europe/Prague), to show why the tap's sessions need UTC.
LOCAL_TIME_USER = "tap_local_time"

SCHEMA = f"""
CREATE DATABASE shop;
CREATE ROLE {TAP_USER} LOGIN PASSWORD '{TAP_PASSWORD}';
ALTER ROLE {TAP_USER} SET timezone = 'UTC';
CREATE ROLE {LOCAL_TIME_USER} LOGIN PASSWORD '{TAP_PASSWORD}';
\\connect shop
SET timezone = 'Europe/Prague';

CREATE TABLE customers (
    id integer PRIMARY KEY,
    email text,
    first_name text NOT NULL,
    last_name text,
    phone text,
    tags text[],
    attributes jsonb,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE TABLE products (
    sku text PRIMARY KEY,
    name text NOT NULL,
    url text NOT NULL,
    price numeric(12,2) NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE TABLE orders (
    id integer PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers,
    status text NOT NULL,
    total numeric(12,2) NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE TABLE order_items (
    order_id integer NOT NULL REFERENCES orders,
    line integer NOT NULL,
    sku text NOT NULL REFERENCES products,
    quantity integer NOT NULL,
    unit_price numeric(12,2) NOT NULL,
    PRIMARY KEY (order_id, line)
);
-- One row per order, its items nested as a JSON array (the vendors take an order with its items).
CREATE VIEW orders_with_items AS
SELECT o.id, c.email, o.status, o.total, o.created_at, o.updated_at,
       (SELECT sum(i.quantity) FROM order_items i WHERE i.order_id = o.id)::integer AS quantity,
       (SELECT json_agg(json_build_object('sku', i.sku, 'name', p.name, 'quantity', i.quantity,
                                          'unit_price', i.unit_price) ORDER BY i.line)
          FROM order_items i JOIN products p ON p.sku = i.sku
         WHERE i.order_id = o.id) AS items
  FROM orders o JOIN customers c ON c.id = o.customer_id;

INSERT INTO customers VALUES
 (1, 'jana.novakova@example.cz', 'Jana', 'Nováková', '+420 601 000 001', '{{vip,praha}}',
  '{{"loyalty_tier": "gold", "newsletter": true}}', '2026-03-29 01:30:00', '2026-10-25 02:40:00+02'),
 (2, 'lukas.dvorak@example.cz', 'Lukáš', 'Dvořák', NULL, NULL, NULL,
  '2026-03-29 03:30:00', '2026-10-25 02:10:00+01'),
 (3, 'not-an-email', 'Petr', NULL, NULL, '{{}}', '{{}}', '2026-01-10 09:00:00', '2026-01-10 09:00:00'),
 (4, 'chloé@exämple.fr', 'Chloé', 'Lefèvre', NULL, '{{fr}}', NULL, '2026-02-01 12:00:00', '2026-02-01 12:00:00'),
 (5, 'jiri.stastny@example.cz', 'Jiří', 'Šťastný', NULL, '{{"čaj"}}', '{{"loyalty_tier": "silver"}}',
  '2026-07-01 23:59:59', '2026-07-01 23:59:59');

INSERT INTO products VALUES
 ('SKU-1', 'Čaj Earl Grey', 'https://shop.example.cz/p/sku-1', 149.90, '2026-01-01 10:00:00'),
 ('SKU-2', 'Hrnek „Praha“', 'https://shop.example.cz/p/sku-2', 89.00, '2026-01-01 10:00:00'),
 ('SKU-3', 'Konvice', 'https://shop.example.cz/p/sku-3', 1234.50, '2026-01-01 10:00:00'),
 ('SKU-5', 'Dárkový poukaz', 'https://shop.example.cz/p/sku-5', 9999999999.99, '2026-01-01 10:00:00');

INSERT INTO orders VALUES
 (101, 1, 'completed', 388.80, '2026-03-29 01:30:00', '2026-10-25 02:40:00+02'),
 (102, 2, 'processing', 1234.50, '2026-03-29 03:30:00', '2026-10-25 02:10:00+01'),
 (103, 3, 'pending', 89.00, '2026-01-10 09:05:00', '2026-01-10 09:05:00'),
 (104, 5, 'completed', 0.10, '2026-07-01 23:59:59', '2026-07-02 00:00:00');
INSERT INTO order_items VALUES
 (101, 1, 'SKU-1', 2, 149.90), (101, 2, 'SKU-2', 1, 89.00),
 (102, 1, 'SKU-3', 1, 1234.50),
 (103, 1, 'SKU-2', 1, 89.00),
 (104, 1, 'SKU-1', 1, 0.10);

GRANT SELECT ON ALL TABLES IN SCHEMA public TO {TAP_USER}, {LOCAL_TIME_USER};
"""

#: The second day: a changed customer, a changed order, a new customer with a new order and a
#: new product. Everything else is as it was.
CHANGES = """
SET timezone = 'Europe/Prague';
UPDATE customers SET last_name = 'Dvořáková', updated_at = '2026-11-02 10:00:00' WHERE id = 2;
UPDATE orders SET status = 'completed', updated_at = '2026-11-02 10:05:00' WHERE id = 102;
INSERT INTO customers VALUES
 (6, 'eva.mala@example.cz', 'Eva', 'Malá', NULL, '{new}', NULL, '2026-11-02 11:00:00', '2026-11-02 11:00:00');
INSERT INTO products VALUES
 ('SKU-4', 'Sítko', 'https://shop.example.cz/p/sku-4', 59.00, '2026-11-02 09:00:00');
INSERT INTO orders VALUES (105, 6, 'processing', 266.90, '2026-11-02 11:10:00', '2026-11-02 11:10:00');
INSERT INTO order_items VALUES (105, 1, 'SKU-4', 1, 59.00), (105, 2, 'SKU-1', 1, 207.90);
"""
