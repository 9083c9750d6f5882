-- Project: order_id, created_at, email, customer_id
--   Limit: skip=0, fetch=100001
--     Mask: email=hash
--       Sort: created_at DESC, order_id ASC, fetch=100001
--         Scan: orders v2 (2.1.0) fields=[order_id, customer_id, region, email, created_at] rowFilter=[region IN ("EU", "US")] filters=[customer_id IN (3, 7)]
SELECT t2."order_id", t2."created_at", t2."email", t2."customer_id"
FROM (
  SELECT t1."order_id", t1."customer_id", t1."region", lake.governance.sluice_hash(t1."email") AS "email", t1."created_at"
  FROM (
    SELECT s."order_id", s."customer_id", s."region", s."email", s."created_at"
    FROM lake.sales.orders AS s
    WHERE s."region" IN ('EU', 'US') AND s."customer_id" IN (3, 7)
    ORDER BY s."created_at" DESC NULLS LAST, s."order_id" ASC NULLS LAST
    LIMIT 100001
  ) AS t1
) AS t2
ORDER BY t2."created_at" DESC NULLS LAST, t2."order_id" ASC NULLS LAST
LIMIT 100001
