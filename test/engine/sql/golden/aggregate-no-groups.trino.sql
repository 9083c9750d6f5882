-- Aggregate: groupBy=[] aggregates=[count(*), sum(order_id), sum(quantity), sum(total_amount), avg(quantity), min(created_at), max(order_date)] maxGroups=1000
--   Scan: orders v2 (2.1.0) fields=[order_id, region, total_amount←amount, quantity, order_date, created_at] filters=[region IN ("EU", "US")]
SELECT count(*) AS "count(*)", sum(CAST(t3."order_id" AS decimal(38, 0))) AS "sum(order_id)", sum(CAST(t3."quantity" AS decimal(38, 0))) AS "sum(quantity)", CAST(sum(CAST(CASE WHEN (abs(t3."total_amount") < 9.44473296573929E21 AND t3."total_amount$c3" = truncate(t3."total_amount$c3")) THEN CAST(t3."total_amount$c1" AS bigint) ELSE 0 END AS decimal(38, 0))) AS varchar) || ' ' || CAST(sum(CAST(CASE WHEN (abs(t3."total_amount") < 9.44473296573929E21 AND t3."total_amount$c3" = truncate(t3."total_amount$c3")) THEN CAST(t3."total_amount$c2" AS bigint) ELSE 0 END AS decimal(38, 0))) AS varchar) || ' ' || CAST(sum(CAST(CASE WHEN (abs(t3."total_amount") < 9.44473296573929E21 AND t3."total_amount$c3" = truncate(t3."total_amount$c3")) THEN CAST(t3."total_amount$c3" AS bigint) ELSE 0 END AS decimal(38, 0))) AS varchar) || ' ' || CAST(count(CASE WHEN NOT (abs(t3."total_amount") < 9.44473296573929E21 AND t3."total_amount$c3" = truncate(t3."total_amount$c3")) THEN 1 END) AS varchar) || ' ' || CAST(count(t3."total_amount") AS varchar) || ' ' || CAST(sum(t3."total_amount") AS varchar) AS "sum(total_amount)", CAST(sum(CAST(t3."quantity" AS decimal(38, 0))) AS double) / count(t3."quantity") AS "avg(quantity)", min(t3."created_at") AS "min(created_at)", max(t3."order_date") AS "max(order_date)"
FROM (
  SELECT t2."order_id", t2."region", t2."total_amount", t2."quantity", t2."order_date", t2."created_at", t2."total_amount$c1", truncate(t2."total_amount$r1" * 8.589934592E9) AS "total_amount$c2", (t2."total_amount$r1" - truncate(t2."total_amount$r1" * 8.589934592E9) * 1.1641532182693481E-10) * 7.737125245533627E25 AS "total_amount$c3"
  FROM (
    SELECT t1."order_id", t1."region", t1."total_amount", t1."quantity", t1."order_date", t1."created_at", truncate(t1."total_amount" * 9.5367431640625E-7) AS "total_amount$c1", t1."total_amount" - truncate(t1."total_amount" * 9.5367431640625E-7) * 1.048576E6 AS "total_amount$r1"
    FROM (
      SELECT s."order_id", s."region", CAST(s."amount" AS double) AS "total_amount", s."quantity", s."order_date", s."created_at"
      FROM lake.sales.orders AS s
      WHERE s."region" IN ('EU', 'US')
    ) AS t1
  ) AS t2
) AS t3
