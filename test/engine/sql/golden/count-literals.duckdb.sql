-- Count
--   Scan: orders v2 (2.1.0) fields=[order_id, region, total_amount←amount, order_date, created_at, is_gift] filters=[order_date >= 2022-01-01, created_at < 2025-01-01T00:00:00.123456Z, total_amount < 0.1, total_amount <> 1e+300, order_id > -9223372036854775808, region IN ("O'Brien", "Ünïcode ✓"), is_gift <> false]
SELECT count(*) AS "count"
FROM read_parquet(['orders/part-000.parquet', 'orders/part-001.parquet']) AS s
WHERE s."order_date" >= DATE '2022-01-01' AND CAST(s."created_at" AS TIMESTAMPTZ) < TIMESTAMPTZ '2025-01-01 00:00:00.123456+00' AND CAST(s."amount" AS DOUBLE) < 1E-1 AND CAST(s."amount" AS DOUBLE) <> 1E300 AND CAST(s."order_id" AS BIGINT) > (-9223372036854775807 - 1) AND s."region" IN ('O''Brien', 'Ünïcode ✓') AND s."is_gift" <> FALSE
