-- Limit: skip=0, fetch=100001
--   Mask: name=show_first_4
--     Scan: customers v1 (1.0.0) fields=[customer_id, name] filters=[customer_id IN (3, 7, 11)] fetch=100001
SELECT t2."customer_id", t2."name"
FROM (
  SELECT t1."customer_id", CASE WHEN length(t1."name") <= 4 THEN t1."name" ELSE substr(t1."name", 1, 4) || rpad('', CAST(length(t1."name") - 4 AS integer), '*') END AS "name"
  FROM (
    SELECT s."customer_id", s."name"
    FROM lake.sales.customers AS s
    WHERE s."customer_id" IN (3, 7, 11)
    LIMIT 100001
  ) AS t1
) AS t2
LIMIT 100001
