-- Limit: skip=0, fetch=6
--   Sort: order_date ASC, order_id ASC, fetch=6
--     Filter: quantity IN (3, 6)
--       Mask: customer_id=round(10), quantity=round(3), total_amount=round(25), status=show_last_4, currency=email_domain, email=redact, notes=show_first_4, is_gift=null, order_date=year, created_at=redact
--         Scan: orders v2 (2.1.0) fields=[order_id, customer_id, region, status, total_amount←amount, currency, quantity, email, notes, order_date, created_at, is_gift] rowFilter=[quantity >= 2 AND status NOT IN ("cancelled")]
SELECT t2."order_id", t2."customer_id", t2."region", t2."status", t2."total_amount", t2."currency", t2."quantity", t2."email", t2."notes", t2."order_date", t2."created_at", t2."is_gift"
FROM (
  SELECT t1."order_id", sign(t1."customer_id") * ((abs(t1."customer_id") + 5) / 10 * 10) AS "customer_id", t1."region", CASE WHEN length(t1."status") <= 4 THEN t1."status" ELSE rpad('', CAST(length(t1."status") - 4 AS integer), '*') || substr(t1."status", length(t1."status") - 3) END AS "status", sign(t1."total_amount") * ((floor(abs(t1."total_amount") / 2.5E1) + CASE WHEN abs(t1."total_amount") / 2.5E1 - floor(abs(t1."total_amount") / 2.5E1) >= 5E-1 THEN 1E0 ELSE 0E0 END) * 2.5E1) AS "total_amount", CASE WHEN strpos(t1."currency", '@') = 0 THEN '***' ELSE '***@' || reverse(split_part(reverse(t1."currency"), '@', 1)) END AS "currency", sign(CAST(t1."quantity" AS bigint)) * ((abs(CAST(t1."quantity" AS bigint)) + 1) / 3 * 3) AS "quantity", CASE WHEN t1."email" IS NULL THEN NULL ELSE '***' END AS "email", CASE WHEN length(t1."notes") <= 4 THEN t1."notes" ELSE substr(t1."notes", 1, 4) || rpad('', CAST(length(t1."notes") - 4 AS integer), '*') END AS "notes", CAST(date_trunc('year', t1."order_date") AS date) AS "order_date", CASE WHEN t1."created_at" IS NULL THEN NULL ELSE TIMESTAMP '1970-01-01 00:00:00.000000 UTC' END AS "created_at", CAST(NULL AS boolean) AS "is_gift"
  FROM (
    SELECT s."order_id", s."customer_id", s."region", s."status", CAST(s."amount" AS double) AS "total_amount", s."currency", s."quantity", s."email", s."notes", s."order_date", s."created_at", s."is_gift"
    FROM lake.sales.orders AS s
    WHERE s."quantity" >= 2 AND s."status" NOT IN ('cancelled')
  ) AS t1
) AS t2
WHERE t2."quantity" IN (3, 6)
ORDER BY t2."order_date" ASC NULLS LAST, t2."order_id" ASC NULLS LAST
LIMIT 6
