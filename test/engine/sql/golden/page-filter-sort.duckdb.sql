-- Project: order_id, total_amount, order_date
--   Limit: skip=0, fetch=4
--     Sort: total_amount DESC, order_id ASC, fetch=4
--       Scan: orders v2 (2.1.0) fields=[order_id, region, total_amount←amount, order_date] filters=[region = "EU", total_amount > 1500]
SELECT CAST(s."order_id" AS BIGINT) AS "order_id", CAST(s."amount" AS DOUBLE) AS "total_amount", s."order_date"
FROM read_parquet(['orders/part-000.parquet', 'orders/part-001.parquet']) AS s
WHERE s."region" = 'EU' AND CAST(s."amount" AS DOUBLE) > 1.5E3
ORDER BY CAST(s."amount" AS DOUBLE) DESC NULLS LAST, CAST(s."order_id" AS BIGINT) ASC NULLS LAST
LIMIT 4
