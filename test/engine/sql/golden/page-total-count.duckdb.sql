-- Count
--   Scan: orders v2 (2.1.0) fields=[region, total_amount←amount] filters=[region = "EU", total_amount > 1500]
SELECT count(*) AS "count"
FROM read_parquet(['orders/part-000.parquet', 'orders/part-001.parquet']) AS s
WHERE s."region" = 'EU' AND CAST(s."amount" AS DOUBLE) > 1.5E3
