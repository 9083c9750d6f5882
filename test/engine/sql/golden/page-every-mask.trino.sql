-- Limit: skip=0, fetch=6
--   Sort: updated_at DESC, customer_id ASC, fetch=6
--     Filter: name STARTSWITH "Ad" OR email ENDSWITH "@example.com"
--       Mask: name=hash, country=show_first_4, segment=show_last_4, email=email_domain, signup_date=redact, lifetime_value=null, is_active=redact, updated_at=year
--         Scan: customers v1 (1.0.0) fields=[customer_id, name, email, country, segment, signup_date, lifetime_value, is_active, updated_at] rowFilter=[segment <> "smb" OR email IS NULL]
SELECT t2."customer_id", t2."name", t2."email", t2."country", t2."segment", t2."signup_date", t2."lifetime_value", t2."is_active", t2."updated_at"
FROM (
  SELECT t1."customer_id", lake.governance.sluice_hash(t1."name") AS "name", CASE WHEN strpos(t1."email", '@') = 0 THEN '***' ELSE '***@' || reverse(split_part(reverse(t1."email"), '@', 1)) END AS "email", CASE WHEN length(t1."country") <= 4 THEN t1."country" ELSE substr(t1."country", 1, 4) || rpad('', CAST(length(t1."country") - 4 AS integer), '*') END AS "country", CASE WHEN length(t1."segment") <= 4 THEN t1."segment" ELSE rpad('', CAST(length(t1."segment") - 4 AS integer), '*') || substr(t1."segment", length(t1."segment") - 3) END AS "segment", CASE WHEN t1."signup_date" IS NULL THEN NULL ELSE DATE '1970-01-01' END AS "signup_date", CAST(NULL AS double) AS "lifetime_value", CASE WHEN t1."is_active" IS NULL THEN NULL ELSE FALSE END AS "is_active", date_trunc('year', t1."updated_at" AT TIME ZONE 'UTC') AS "updated_at"
  FROM (
    SELECT s."customer_id", s."name", s."email", s."country", s."segment", s."signup_date", CAST(s."lifetime_value" AS double) AS "lifetime_value", s."is_active", s."updated_at"
    FROM lake.sales.customers AS s
    WHERE (s."segment" <> 'smb' OR s."email" IS NULL)
  ) AS t1
) AS t2
WHERE (t2."name" LIKE 'Ad%' ESCAPE '\' OR t2."email" LIKE '%@example.com' ESCAPE '\')
ORDER BY t2."updated_at" DESC NULLS LAST, t2."customer_id" ASC NULLS LAST
LIMIT 6
