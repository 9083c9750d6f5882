-- Project: order_id, email
--   Limit: skip=0, fetch=11
--     Sort: email ASC, order_id ASC, fetch=11
--       Filter: email >= "8" AND (email > "8f3a" OR email IS NULL OR (email = "8f3a" AND order_id > 4711))
--         Mask: email=hash
--           Scan: orders v2 (2.1.0) fields=[order_id, region, email] rowFilter=[region IN ("EU", "US")]
SELECT t2."order_id", t2."email"
FROM (
  SELECT t1."order_id", t1."region", lake.governance.sluice_hash(t1."email") AS "email"
  FROM (
    SELECT s."order_id", s."region", s."email"
    FROM lake.sales.orders AS s
    WHERE s."region" IN ('EU', 'US')
  ) AS t1
) AS t2
WHERE t2."email" >= '8' AND (t2."email" > '8f3a' OR t2."email" IS NULL OR (t2."email" = '8f3a' AND t2."order_id" > 4711))
ORDER BY t2."email" ASC NULLS LAST, t2."order_id" ASC NULLS LAST
LIMIT 11
