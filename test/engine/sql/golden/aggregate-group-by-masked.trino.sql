-- Sort: segment ASC
--   Aggregate: groupBy=[segment] aggregates=[count(*), sum(lifetime_value), avg(lifetime_value), min(signup_date), max(name)] maxGroups=1000
--     Mask: name=show_first_4, lifetime_value=round(1000)
--       Scan: customers v1 (1.0.0) fields=[name, segment, signup_date, lifetime_value]
SELECT t3."segment", t3."count(*)", t3."sum(lifetime_value)", t3."avg(lifetime_value)", t3."min(signup_date)", t3."max(name)", t3."$groups"
FROM (
  SELECT t2."segment", count(*) AS "count(*)", sum(t2."lifetime_value") AS "sum(lifetime_value)", sum(t2."lifetime_value") / count(t2."lifetime_value") AS "avg(lifetime_value)", min(t2."signup_date") AS "min(signup_date)", max(t2."name") AS "max(name)", count(*) OVER () AS "$groups"
  FROM (
    SELECT CASE WHEN length(t1."name") <= 4 THEN t1."name" ELSE substr(t1."name", 1, 4) || rpad('', CAST(length(t1."name") - 4 AS integer), '*') END AS "name", t1."segment", t1."signup_date", sign(t1."lifetime_value") * ((floor(abs(t1."lifetime_value") / 1E3) + CASE WHEN abs(t1."lifetime_value") / 1E3 - floor(abs(t1."lifetime_value") / 1E3) >= 5E-1 THEN 1E0 ELSE 0E0 END) * 1E3) AS "lifetime_value"
    FROM (
      SELECT s."name", s."segment", s."signup_date", CAST(s."lifetime_value" AS double) AS "lifetime_value"
      FROM lake.sales.customers AS s
    ) AS t1
  ) AS t2
  GROUP BY t2."segment"
) AS t3
ORDER BY t3."segment" ASC NULLS LAST
