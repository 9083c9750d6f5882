-- Sort: segment ASC
--   Aggregate: groupBy=[segment] aggregates=[count(*), sum(lifetime_value), avg(lifetime_value), min(signup_date), max(name)] maxGroups=1000
--     Mask: name=show_first_4, lifetime_value=round(1000)
--       Scan: customers v1 (1.0.0) fields=[name, segment, signup_date, lifetime_value]
SELECT t5."segment", t5."count(*)", t5."sum(lifetime_value)", t5."avg(lifetime_value)", t5."min(signup_date)", t5."max(name)", t5."$groups"
FROM (
  SELECT t4."segment", count(*) AS "count(*)", CAST(sum(CASE WHEN (abs(t4."lifetime_value") < 9.44473296573929E21 AND t4."lifetime_value$c3" = trunc(t4."lifetime_value$c3")) THEN CAST(t4."lifetime_value$c1" AS bigint) ELSE 0 END) AS varchar) || ' ' || CAST(sum(CASE WHEN (abs(t4."lifetime_value") < 9.44473296573929E21 AND t4."lifetime_value$c3" = trunc(t4."lifetime_value$c3")) THEN CAST(t4."lifetime_value$c2" AS bigint) ELSE 0 END) AS varchar) || ' ' || CAST(sum(CASE WHEN (abs(t4."lifetime_value") < 9.44473296573929E21 AND t4."lifetime_value$c3" = trunc(t4."lifetime_value$c3")) THEN CAST(t4."lifetime_value$c3" AS bigint) ELSE 0 END) AS varchar) || ' ' || CAST(count(CASE WHEN NOT (abs(t4."lifetime_value") < 9.44473296573929E21 AND t4."lifetime_value$c3" = trunc(t4."lifetime_value$c3")) THEN 1 END) AS varchar) || ' ' || CAST(count(t4."lifetime_value") AS varchar) || ' ' || CAST(sum(t4."lifetime_value") AS varchar) AS "sum(lifetime_value)", CAST(sum(CASE WHEN (abs(t4."lifetime_value") < 9.44473296573929E21 AND t4."lifetime_value$c3" = trunc(t4."lifetime_value$c3")) THEN CAST(t4."lifetime_value$c1" AS bigint) ELSE 0 END) AS varchar) || ' ' || CAST(sum(CASE WHEN (abs(t4."lifetime_value") < 9.44473296573929E21 AND t4."lifetime_value$c3" = trunc(t4."lifetime_value$c3")) THEN CAST(t4."lifetime_value$c2" AS bigint) ELSE 0 END) AS varchar) || ' ' || CAST(sum(CASE WHEN (abs(t4."lifetime_value") < 9.44473296573929E21 AND t4."lifetime_value$c3" = trunc(t4."lifetime_value$c3")) THEN CAST(t4."lifetime_value$c3" AS bigint) ELSE 0 END) AS varchar) || ' ' || CAST(count(CASE WHEN NOT (abs(t4."lifetime_value") < 9.44473296573929E21 AND t4."lifetime_value$c3" = trunc(t4."lifetime_value$c3")) THEN 1 END) AS varchar) || ' ' || CAST(count(t4."lifetime_value") AS varchar) || ' ' || CAST(sum(t4."lifetime_value") AS varchar) AS "avg(lifetime_value)", min(t4."signup_date") AS "min(signup_date)", max(t4."name") AS "max(name)", count(*) OVER () AS "$groups"
  FROM (
    SELECT t3."name", t3."segment", t3."signup_date", t3."lifetime_value", t3."lifetime_value$c1", trunc(t3."lifetime_value$r1" * 8.589934592E9) AS "lifetime_value$c2", (t3."lifetime_value$r1" - trunc(t3."lifetime_value$r1" * 8.589934592E9) * 1.1641532182693481E-10) * 7.737125245533627E25 AS "lifetime_value$c3"
    FROM (
      SELECT t2."name", t2."segment", t2."signup_date", t2."lifetime_value", trunc(t2."lifetime_value" * 9.5367431640625E-7) AS "lifetime_value$c1", t2."lifetime_value" - trunc(t2."lifetime_value" * 9.5367431640625E-7) * 1.048576E6 AS "lifetime_value$r1"
      FROM (
        SELECT CASE WHEN length(t1."name") <= 4 THEN t1."name" ELSE substr(t1."name", 1, 4) || rpad('', CAST(length(t1."name") - 4 AS INTEGER), '*') END AS "name", t1."segment", t1."signup_date", sign(t1."lifetime_value") * ((floor(abs(t1."lifetime_value") / 1E3) + CASE WHEN abs(t1."lifetime_value") / 1E3 - floor(abs(t1."lifetime_value") / 1E3) >= 5E-1 THEN 1E0 ELSE 0E0 END) * 1E3) AS "lifetime_value"
        FROM (
          SELECT s."name", s."segment", s."signup_date", CAST(s."lifetime_value" AS DOUBLE) AS "lifetime_value"
          FROM read_parquet(['customers/part-000.parquet', 'customers/part-001.parquet']) AS s
        ) AS t1
      ) AS t2
    ) AS t3
  ) AS t4
  GROUP BY t4."segment"
) AS t5
ORDER BY t5."segment" ASC NULLS LAST
