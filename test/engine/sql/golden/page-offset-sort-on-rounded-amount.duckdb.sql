-- Limit: skip=40, fetch=21
--   Sort: total_amount DESC, created_at ASC, order_id ASC, fetch=61
--     Mask: total_amount=round(100)
--       Scan: orders v2 (2.1.0) fields=[order_id, total_amount←amount, created_at]
SELECT t2."order_id", t2."total_amount", t2."created_at"
FROM (
  SELECT t1."order_id", sign(t1."total_amount") * ((floor(abs(t1."total_amount") / 1E2) + CASE WHEN abs(t1."total_amount") / 1E2 - floor(abs(t1."total_amount") / 1E2) >= 5E-1 THEN 1E0 ELSE 0E0 END) * 1E2) AS "total_amount", t1."created_at"
  FROM (
    SELECT CAST(s."order_id" AS BIGINT) AS "order_id", CAST(s."amount" AS DOUBLE) AS "total_amount", CAST(s."created_at" AS TIMESTAMPTZ) AS "created_at"
    FROM read_parquet(['orders/part-000.parquet', 'orders/part-001.parquet']) AS s
  ) AS t1
) AS t2
ORDER BY t2."total_amount" DESC NULLS LAST, t2."created_at" ASC NULLS LAST, t2."order_id" ASC NULLS LAST
LIMIT 21 OFFSET 40
