-- Project: email
--   Limit: skip=2, fetch=3
--     Sort: order_id DESC, fetch=8
--       Project: order_id, email
--         Limit: skip=0, fetch=6
--           Mask: email=hash
--             Sort: order_id DESC, fetch=6
--               Scan: orders v2 (2.1.0) fields=[order_id, region, email] rowFilter=[region IN ("EU", "US")]
SELECT t3."email"
FROM (
  SELECT t2."order_id", t2."region", t2."email"
  FROM (
    SELECT t1."order_id", t1."region", lake.governance.sluice_hash(t1."email") AS "email"
    FROM (
      SELECT s."order_id", s."region", s."email"
      FROM lake.sales.orders AS s
      WHERE s."region" IN ('EU', 'US')
      ORDER BY s."order_id" DESC NULLS LAST
      LIMIT 6
    ) AS t1
  ) AS t2
  ORDER BY t2."order_id" DESC NULLS LAST
  LIMIT 6
) AS t3
ORDER BY t3."order_id" DESC NULLS LAST
OFFSET 2 LIMIT 3
