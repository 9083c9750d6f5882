-- Count
--   Scan: orders v2 (2.1.0) fields=[region, total_amount←amount] filters=[region = "EU", total_amount > 1500]
SELECT count(*) AS "count"
FROM lake.sales.orders AS s
WHERE s."region" = 'EU' AND CAST(s."amount" AS double) > 1.5E3
