-- Aggregate: groupBy=[] aggregates=[count(*), sum(order_id), sum(quantity), sum(total_amount), avg(quantity), min(created_at), max(order_date)] maxGroups=1000
--   Scan: orders v2 (2.1.0) fields=[order_id, region, total_amount←amount, quantity, order_date, created_at] filters=[region IN ("EU", "US")]
SELECT count(*) AS "count(*)", sum(CAST(s."order_id" AS BIGINT)) AS "sum(order_id)", sum(CAST(s."quantity" AS INTEGER)) AS "sum(quantity)", fsum(CAST(s."amount" AS DOUBLE)) AS "sum(total_amount)", CAST(sum(CAST(s."quantity" AS INTEGER)) AS DOUBLE) / count(CAST(s."quantity" AS INTEGER)) AS "avg(quantity)", min(CAST(s."created_at" AS TIMESTAMPTZ)) AS "min(created_at)", max(s."order_date") AS "max(order_date)"
FROM read_parquet(['orders/part-000.parquet', 'orders/part-001.parquet']) AS s
WHERE s."region" IN ('EU', 'US')
