-- Count
--   Scan: orders v2 (2.1.0) fields=[currency, email, notes, is_gift] filters=[email <> "a@example.com", notes NOT CONTAINS "50%_off\\", is_gift <> true, currency NOT IN ()]
SELECT count(*) AS "count"
FROM read_parquet(['orders/part-000.parquet', 'orders/part-001.parquet']) AS s
WHERE s."email" <> 'a@example.com' AND NOT contains(s."notes", '50%_off\') AND s."is_gift" <> TRUE AND s."currency" IS NOT NULL
