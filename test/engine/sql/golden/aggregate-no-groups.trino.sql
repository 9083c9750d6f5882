-- Aggregate: groupBy=[] aggregates=[count(*), sum(order_id), sum(quantity), sum(total_amount), avg(quantity), min(created_at), max(order_date)] maxGroups=1000
--   Scan: orders v2 (2.1.0) fields=[order_id, region, total_amount←amount, quantity, order_date, created_at] filters=[region IN ("EU", "US")]
SELECT count(*) AS "count(*)", sum(CAST(s."order_id" AS decimal(38, 0))) AS "sum(order_id)", sum(CAST(s."quantity" AS decimal(38, 0))) AS "sum(quantity)", sum(CAST(s."amount" AS double)) AS "sum(total_amount)", CAST(sum(CAST(s."quantity" AS decimal(38, 0))) AS double) / count(s."quantity") AS "avg(quantity)", min(s."created_at") AS "min(created_at)", max(s."order_date") AS "max(order_date)"
FROM lake.sales.orders AS s
WHERE s."region" IN ('EU', 'US')
