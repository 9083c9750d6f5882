-- Count
--   Scan: orders v2 (2.1.0) fields=[currency, email, notes, is_gift] filters=[email <> "a@example.com", notes NOT CONTAINS "50%_off\\", is_gift <> true, currency NOT IN ()]
SELECT count(*) AS "count"
FROM lake.sales.orders AS s
WHERE s."email" <> 'a@example.com' AND NOT (s."notes" LIKE '%50\%\_off\\%' ESCAPE '\') AND s."is_gift" <> TRUE AND s."currency" IS NOT NULL
