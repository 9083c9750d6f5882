-- Project: order_id, total_amount, order_date
--   Limit: skip=0, fetch=4
--     Sort: total_amount DESC, order_id ASC, fetch=4
--       Scan: orders v2 (2.1.0) fields=[order_id, region, total_amount←amount, order_date] filters=[region = "EU", total_amount > 1500]
SELECT s."order_id", CAST(s."amount" AS double) AS "total_amount", s."order_date"
FROM lake.sales.orders AS s
WHERE s."region" = 'EU' AND CAST(s."amount" AS double) > 1.5E3
ORDER BY CAST(s."amount" AS double) DESC NULLS LAST, s."order_id" ASC NULLS LAST
LIMIT 4
