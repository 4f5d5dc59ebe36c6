-- Window functions in OVER clauses (batch mode), over VALUES. Every window is ordered by
-- a key that makes its result deterministic.
-- Ranking functions first: SHOW FUNCTIONS does not list them, so they carry no function tag.
SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v) AS rn FROM (VALUES ('a', 1), ('a', 2), ('b', 5), ('a', 3)) AS t(k, v);
SELECT k, v, ROW_NUMBER() OVER (ORDER BY k, v) AS rn FROM (VALUES ('a', 1), ('b', 2), ('a', 3)) AS t(k, v);
SELECT k, v, RANK() OVER (PARTITION BY k ORDER BY v) AS r FROM (VALUES ('a', 1), ('a', 1), ('a', 2), ('b', 5)) AS t(k, v);
SELECT k, v, DENSE_RANK() OVER (PARTITION BY k ORDER BY v) AS r FROM (VALUES ('a', 1), ('a', 1), ('a', 2), ('b', 5)) AS t(k, v);
SELECT v, RANK() OVER (ORDER BY v DESC) AS r, DENSE_RANK() OVER (ORDER BY v DESC) AS d FROM (VALUES (1), (3), (3), (2)) AS t(v);
SELECT k, v, PERCENT_RANK() OVER (PARTITION BY k ORDER BY v) AS p FROM (VALUES ('a', 1), ('a', 1), ('a', 2), ('a', 4), ('b', 5)) AS t(k, v);
SELECT k, v, CUME_DIST() OVER (PARTITION BY k ORDER BY v) AS c FROM (VALUES ('a', 1), ('a', 1), ('a', 2), ('a', 4), ('b', 5)) AS t(k, v);
SELECT v, NTILE(2) OVER (ORDER BY v) AS n FROM (VALUES (1), (2), (3), (4), (5)) AS t(v);
SELECT k, v, NTILE(3) OVER (PARTITION BY k ORDER BY v) AS n FROM (VALUES ('a', 1), ('a', 2), ('a', 3), ('a', 4), ('b', 1)) AS t(k, v);
SELECT v, ROW_NUMBER() OVER (ORDER BY v) AS rn FROM (VALUES (1), (2)) AS t(v) WHERE FALSE;
SELECT v, RANK() OVER (ORDER BY v) AS r FROM (VALUES (CAST(NULL AS INT)), (1), (CAST(NULL AS INT))) AS t(v);
SELECT * FROM (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) AS rn FROM (VALUES ('a', 1), ('a', 2), ('b', 5), ('a', 3)) AS t(k, v)) WHERE rn <= 2;

-- function: lag
SELECT k, v, LAG(v) OVER (PARTITION BY k ORDER BY v) AS l FROM (VALUES ('a', 1), ('a', 2), ('a', 3), ('b', 5)) AS t(k, v);
SELECT v, LAG(v, 2) OVER (ORDER BY v) AS l FROM (VALUES (1), (2), (3), (4)) AS t(v);
SELECT v, LAG(v, 1, -1) OVER (ORDER BY v) AS l FROM (VALUES (1), (2), (3)) AS t(v);
SELECT v, LAG(s) OVER (ORDER BY v) AS l FROM (VALUES (1, 'x'), (2, CAST(NULL AS STRING)), (3, 'z')) AS t(v, s);
SELECT v, LAG(CAST(v AS BIGINT), 1, CAST(0 AS BIGINT)) OVER (ORDER BY v) AS l FROM (VALUES (1), (2)) AS t(v);
SELECT v, LAG(w, 1, CAST(0 AS BIGINT)) OVER (ORDER BY v) AS l FROM (SELECT v, CAST(v AS BIGINT) AS w FROM (VALUES (1), (2)) AS t(v));

-- function: lead
SELECT k, v, LEAD(v) OVER (PARTITION BY k ORDER BY v) AS l FROM (VALUES ('a', 1), ('a', 2), ('a', 3), ('b', 5)) AS t(k, v);
SELECT v, LEAD(v, 2) OVER (ORDER BY v) AS l FROM (VALUES (1), (2), (3), (4)) AS t(v);
SELECT v, LEAD(v, 1, 100) OVER (ORDER BY v) AS l FROM (VALUES (1), (2), (3)) AS t(v);
SELECT v, LEAD(CAST(v AS DOUBLE)) OVER (ORDER BY v) AS l FROM (VALUES (1), (2)) AS t(v);
SELECT v, LEAD(w) OVER (ORDER BY v) AS l FROM (SELECT v, CAST(v AS DOUBLE) AS w FROM (VALUES (1), (2)) AS t(v));

-- function: first_value
SELECT k, v, FIRST_VALUE(v) OVER (PARTITION BY k ORDER BY v) AS f FROM (VALUES ('a', 3), ('a', 1), ('a', 2), ('b', 5)) AS t(k, v);
SELECT v, FIRST_VALUE(v) OVER (ORDER BY v ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS f FROM (VALUES (1), (2), (3), (4)) AS t(v);

-- function: last_value
SELECT k, v, LAST_VALUE(v) OVER (PARTITION BY k ORDER BY v) AS l FROM (VALUES ('a', 3), ('a', 1), ('a', 2), ('b', 5)) AS t(k, v);
SELECT v, LAST_VALUE(v) OVER (ORDER BY v ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS l FROM (VALUES (1), (2), (3), (4)) AS t(v);
SELECT v, LAST_VALUE(v) OVER (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS l FROM (VALUES (1), (2), (3)) AS t(v);

-- function: over
SELECT k, v, SUM(v) OVER (PARTITION BY k ORDER BY v) AS s FROM (VALUES ('a', 1), ('a', 2), ('a', 2), ('b', 5)) AS t(k, v);
SELECT k, v, SUM(v) OVER (PARTITION BY k ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS s FROM (VALUES ('a', 1), ('a', 2), ('a', 3), ('b', 5)) AS t(k, v);
SELECT k, v, SUM(v) OVER (PARTITION BY k) AS s FROM (VALUES ('a', 1), ('a', 2), ('b', 5)) AS t(k, v);
SELECT v, SUM(v) OVER (ORDER BY v ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS s FROM (VALUES (1), (2), (3), (4)) AS t(v);
SELECT v, SUM(v) OVER (ORDER BY v RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) AS s FROM (VALUES (1), (2), (4), (5)) AS t(v);
SELECT v, COUNT(*) OVER (ORDER BY v) AS c, MIN(v) OVER (ORDER BY v DESC) AS m, MAX(v) OVER () AS x FROM (VALUES (1), (2), (2), (3)) AS t(v);
SELECT k, v, AVG(v) OVER (PARTITION BY k ORDER BY v) AS a FROM (VALUES ('a', 1), ('a', 2), ('b', 5)) AS t(k, v);
SELECT k, v, AVG(CAST(v AS DOUBLE)) OVER (PARTITION BY k ORDER BY v ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS a FROM (VALUES ('a', 1), ('a', 2), ('a', 4), ('b', 5)) AS t(k, v);
SELECT v, SUM(CAST(v AS DECIMAL(10, 2))) OVER (ORDER BY v) AS s FROM (VALUES (1), (2)) AS t(v);
SELECT v, SUM(w) OVER (ORDER BY v) AS s, AVG(w) OVER (ORDER BY v) AS a FROM (SELECT v, CAST(v AS DECIMAL(10, 2)) AS w FROM (VALUES (1), (2)) AS t(v));
SELECT v, COUNT(w) OVER (ORDER BY v) AS c FROM (VALUES (1, CAST(NULL AS INT)), (2, 3)) AS t(v, w);
