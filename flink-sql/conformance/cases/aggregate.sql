-- Aggregate functions (Flink docs: "Aggregate Functions"), over VALUES.
-- Cases without a function tag first: GROUPING / GROUPING_ID and grouping sets are not
-- listed by SHOW FUNCTIONS.
SELECT a, b, COUNT(*) AS n, GROUPING(a) AS ga, GROUPING(b) AS gb FROM (VALUES (1, 'x'), (1, 'y'), (2, 'x')) AS t(a, b) GROUP BY GROUPING SETS ((a, b), (a), ());
SELECT a, b, SUM(c) AS s, GROUPING_ID(a, b) AS g FROM (VALUES (1, 'x', 10), (1, 'y', 20), (2, 'x', 30)) AS t(a, b, c) GROUP BY ROLLUP (a, b);
SELECT a, b, COUNT(*) AS n, GROUPING_ID(a, b) AS g FROM (VALUES (1, 'x'), (1, 'y'), (2, 'x')) AS t(a, b) GROUP BY CUBE (a, b);
SELECT a, COUNT(*) AS n FROM (VALUES (1), (1), (CAST(NULL AS INT))) AS t(a) GROUP BY a;
SELECT a, b, COUNT(*) AS n FROM (VALUES (1, CAST(NULL AS STRING)), (1, 'x')) AS t(a, b) GROUP BY GROUPING SETS ((a, b), (a));

-- function: count
SELECT COUNT(*), COUNT(a), COUNT(1) FROM (VALUES (1), (CAST(NULL AS INT)), (3)) AS t(a);
SELECT COUNT(*), COUNT(a) FROM (VALUES (1), (2)) AS t(a) WHERE FALSE;
SELECT b, COUNT(*), COUNT(a) FROM (VALUES (1, 'x'), (CAST(NULL AS INT), 'x'), (CAST(NULL AS INT), 'y')) AS t(a, b) GROUP BY b;
SELECT COUNT(DISTINCT a), COUNT(a) FROM (VALUES (1), (1), (2), (CAST(NULL AS INT))) AS t(a);
SELECT b, COUNT(DISTINCT a) FROM (VALUES (1, 'x'), (1, 'x'), (2, 'x'), (3, 'y')) AS t(a, b) GROUP BY b;
SELECT COUNT(s), COUNT(DISTINCT s) FROM (VALUES ('a'), ('b'), ('a'), (CAST(NULL AS STRING))) AS t(s);
SELECT b, COUNT(a) FROM (VALUES (1, 'x'), (2, 'y')) AS t(a, b) WHERE FALSE GROUP BY b;
SELECT COUNT(a, b) FROM (VALUES (1, 'x'), (CAST(NULL AS INT), 'y'), (3, CAST(NULL AS STRING))) AS t(a, b);
SELECT COUNT(DISTINCT a, b) FROM (VALUES (1, 'x'), (1, 'x'), (1, 'y'), (CAST(NULL AS INT), 'y')) AS t(a, b);

-- function: sum
SELECT SUM(a) FROM (VALUES (1), (2), (3)) AS t(a);
SELECT SUM(a) FROM (VALUES (1), (2)) AS t(a) WHERE FALSE;
SELECT SUM(a) FROM (VALUES (CAST(NULL AS INT)), (CAST(NULL AS INT))) AS t(a);
SELECT b, SUM(a) FROM (VALUES (1, 'x'), (2, 'x'), (CAST(NULL AS INT), 'y'), (5, 'z')) AS t(a, b) GROUP BY b;
SELECT SUM(CAST(a AS TINYINT)), SUM(CAST(a AS SMALLINT)), SUM(CAST(a AS BIGINT)) FROM (VALUES (1), (2), (3)) AS t(a);
SELECT SUM(CAST(a AS DOUBLE)) FROM (VALUES (1.5), (2.25)) AS t(a);
SELECT SUM(CAST(a AS FLOAT)) FROM (VALUES (1.5), (2.25)) AS t(a);
SELECT SUM(CAST(a AS DECIMAL(10, 2))), SUM(CAST(a AS DECIMAL(5, 0))) FROM (VALUES (1.5), (2.25), (3)) AS t(a);
SELECT SUM(a) FROM (VALUES (2147483647), (1)) AS t(a);
SELECT SUM(CAST(a AS TINYINT)) FROM (VALUES (100), (100)) AS t(a);
SELECT SUM(DISTINCT a), SUM(a) FROM (VALUES (1), (1), (2)) AS t(a);
SELECT SUM(a) FROM (VALUES (1.25), (2.5)) AS t(a);
SELECT SUM(a) FROM (VALUES (CAST(9223372036854775807 AS BIGINT)), (CAST(1 AS BIGINT))) AS t(a);

-- function: avg
SELECT AVG(a) FROM (VALUES (1), (2)) AS t(a);
SELECT AVG(a), AVG(CAST(a AS DOUBLE)) FROM (VALUES (1), (2), (4)) AS t(a);
SELECT AVG(a) FROM (VALUES (-1), (-2)) AS t(a);
SELECT AVG(a) FROM (VALUES (1), (2)) AS t(a) WHERE FALSE;
SELECT AVG(a) FROM (VALUES (CAST(NULL AS INT)), (CAST(NULL AS INT))) AS t(a);
SELECT b, AVG(a) FROM (VALUES (1, 'x'), (2, 'x'), (CAST(NULL AS INT), 'x'), (7, 'y')) AS t(a, b) GROUP BY b;
SELECT AVG(CAST(a AS TINYINT)), AVG(CAST(a AS SMALLINT)), AVG(CAST(a AS BIGINT)) FROM (VALUES (1), (2), (4)) AS t(a);
SELECT AVG(CAST(a AS FLOAT)), AVG(CAST(a AS DOUBLE)) FROM (VALUES (1), (2), (4)) AS t(a);
SELECT AVG(CAST(a AS DECIMAL(10, 2))) FROM (VALUES (1), (2), (4)) AS t(a);
SELECT AVG(CAST(a AS DECIMAL(10, 0))) FROM (VALUES (1), (2)) AS t(a);
SELECT AVG(CAST(a AS DECIMAL(20, 8))) FROM (VALUES (1), (2), (2)) AS t(a);
SELECT AVG(a) FROM (VALUES (1.5), (2.25)) AS t(a);
SELECT AVG(DISTINCT a) FROM (VALUES (1), (1), (4)) AS t(a);
SELECT AVG(CAST(a AS TINYINT)) FROM (VALUES (100), (100)) AS t(a);
SELECT AVG(CAST(a AS DECIMAL(3, 1))) FROM (VALUES (0.1), (0.2), (0.2)) AS t(a);

-- function: min
SELECT MIN(a), MIN(s) FROM (VALUES (3, 'b'), (1, 'c'), (CAST(NULL AS INT), 'a')) AS t(a, s);
SELECT MIN(a) FROM (VALUES (1), (2)) AS t(a) WHERE FALSE;
SELECT b, MIN(a) FROM (VALUES (1, 'x'), (CAST(NULL AS INT), 'y'), (-5, 'x')) AS t(a, b) GROUP BY b;
SELECT MIN(CAST(a AS TINYINT)), MIN(CAST(a AS BIGINT)), MIN(CAST(a AS DOUBLE)), MIN(CAST(a AS DECIMAL(6, 2))) FROM (VALUES (3), (2)) AS t(a);
SELECT MIN(d), MIN(b) FROM (VALUES (DATE '2024-01-02', TRUE), (DATE '2023-05-06', FALSE)) AS t(d, b);
SELECT MIN(DISTINCT a) FROM (VALUES (2), (2), (5)) AS t(a);

-- function: max
SELECT MAX(a), MAX(s) FROM (VALUES (3, 'b'), (1, 'c'), (CAST(NULL AS INT), 'a')) AS t(a, s);
SELECT MAX(a) FROM (VALUES (1), (2)) AS t(a) WHERE FALSE;
SELECT b, MAX(a) FROM (VALUES (1, 'x'), (CAST(NULL AS INT), 'y'), (-5, 'x')) AS t(a, b) GROUP BY b;
SELECT MAX(CAST(a AS SMALLINT)), MAX(CAST(a AS FLOAT)), MAX(CAST(a AS DECIMAL(6, 2))) FROM (VALUES (3), (2)) AS t(a);
SELECT MAX(d), MAX(b) FROM (VALUES (DATE '2024-01-02', TRUE), (DATE '2023-05-06', FALSE)) AS t(d, b);

-- function: stddevPop
SELECT STDDEV_POP(a) FROM (VALUES (1), (2), (4)) AS t(a);
SELECT STDDEV_POP(CAST(a AS DOUBLE)) FROM (VALUES (1), (2), (4)) AS t(a);
SELECT STDDEV_POP(CAST(a AS DECIMAL(10, 2))) FROM (VALUES (1), (2), (4)) AS t(a);
SELECT STDDEV_POP(a) FROM (VALUES (1.0E0), (2.0E0)) AS t(a) WHERE FALSE;
SELECT b, STDDEV_POP(CAST(a AS DOUBLE)) FROM (VALUES (1, 'x'), (3, 'x'), (5, 'y'), (CAST(NULL AS INT), 'z')) AS t(a, b) GROUP BY b;

-- function: stddevSamp
SELECT STDDEV_SAMP(a) FROM (VALUES (1), (2), (4)) AS t(a);
SELECT STDDEV_SAMP(CAST(a AS DOUBLE)) FROM (VALUES (1), (2), (4)) AS t(a);
SELECT STDDEV_SAMP(CAST(a AS DOUBLE)) FROM (VALUES (1)) AS t(a);
SELECT STDDEV(CAST(a AS DOUBLE)) FROM (VALUES (1), (2), (4)) AS t(a);
SELECT b, STDDEV_SAMP(CAST(a AS DOUBLE)) FROM (VALUES (1, 'x'), (3, 'x'), (5, 'y')) AS t(a, b) GROUP BY b;

-- function: varPop
SELECT VAR_POP(a) FROM (VALUES (1), (2), (4)) AS t(a);
SELECT VAR_POP(CAST(a AS DOUBLE)) FROM (VALUES (1), (2), (4)) AS t(a);
SELECT VAR_POP(CAST(a AS DECIMAL(10, 2))) FROM (VALUES (1), (2), (4)) AS t(a);
SELECT b, VAR_POP(CAST(a AS DOUBLE)) FROM (VALUES (1, 'x'), (3, 'x'), (CAST(NULL AS INT), 'y')) AS t(a, b) GROUP BY b;

-- function: varSamp
SELECT VAR_SAMP(a) FROM (VALUES (1), (2), (4)) AS t(a);
SELECT VAR_SAMP(CAST(a AS DOUBLE)) FROM (VALUES (1), (2), (4)) AS t(a);
SELECT VAR_SAMP(CAST(a AS DOUBLE)) FROM (VALUES (1)) AS t(a);
SELECT VARIANCE(CAST(a AS DOUBLE)) FROM (VALUES (1), (2), (4)) AS t(a);
SELECT VAR_SAMP(CAST(a AS FLOAT)) FROM (VALUES (1), (2), (4)) AS t(a);

-- function: listAgg
SELECT LISTAGG(s) FROM (VALUES ('a'), ('a'), ('a')) AS t(s);
SELECT LISTAGG(s, '|') FROM (VALUES ('a'), ('a')) AS t(s);
SELECT b, LISTAGG(s) FROM (VALUES ('p', 1), (CAST(NULL AS STRING), 1), ('q', 2), (CAST(NULL AS STRING), 3)) AS t(s, b) GROUP BY b;
SELECT LISTAGG(s) FROM (VALUES ('a'), ('b')) AS t(s) WHERE FALSE;
SELECT a, LISTAGG(b) FROM (VALUES (1, 'x'), (1, 'x'), (2, 'z')) AS t(a, b) GROUP BY a;
SELECT LISTAGG(s, '') FROM (VALUES ('ab'), ('ab')) AS t(s);
SELECT LISTAGG(DISTINCT s) FROM (VALUES ('a'), ('a')) AS t(s);

-- function: first_value
SELECT FIRST_VALUE(a) FROM (VALUES (5), (5)) AS t(a);
SELECT b, FIRST_VALUE(a) FROM (VALUES (CAST(NULL AS INT), 'x'), (7, 'x'), (7, 'x'), (CAST(NULL AS INT), 'y')) AS t(a, b) GROUP BY b;
SELECT FIRST_VALUE(s) FROM (VALUES ('k')) AS t(s) WHERE FALSE;
SELECT FIRST_VALUE(CAST(a AS DECIMAL(5, 2))), FIRST_VALUE(CAST(a AS DOUBLE)), FIRST_VALUE(CAST(a AS BIGINT)) FROM (VALUES (3)) AS t(a);

-- function: last_value
SELECT LAST_VALUE(a) FROM (VALUES (5), (5)) AS t(a);
SELECT b, LAST_VALUE(a) FROM (VALUES (CAST(NULL AS INT), 'x'), (7, 'x'), (CAST(NULL AS INT), 'x'), (CAST(NULL AS INT), 'y')) AS t(a, b) GROUP BY b;
SELECT LAST_VALUE(s) FROM (VALUES ('k')) AS t(s) WHERE FALSE;

-- function: ARRAY_AGG
SELECT ARRAY_AGG(a) FROM (VALUES (1), (1)) AS t(a);
SELECT b, ARRAY_AGG(a) FROM (VALUES (1, 'x'), (CAST(NULL AS INT), 'x'), (2, 'y'), (CAST(NULL AS INT), 'z')) AS t(a, b) GROUP BY b;
SELECT ARRAY_AGG(a) FROM (VALUES (1)) AS t(a) WHERE FALSE;
SELECT ARRAY_AGG(DISTINCT a) FROM (VALUES (1), (1)) AS t(a);
SELECT ARRAY_AGG(s RESPECT NULLS) FROM (VALUES (CAST(NULL AS STRING)), (CAST(NULL AS STRING))) AS t(s);
SELECT ARRAY_AGG(s IGNORE NULLS) FROM (VALUES ('v'), (CAST(NULL AS STRING))) AS t(s);

-- function: collect
SELECT COLLECT(a) FROM (VALUES (1), (1)) AS t(a);

-- function: PERCENTILE
SELECT PERCENTILE(a, 0.5) FROM (VALUES (1), (2), (3), (4)) AS t(a);
SELECT PERCENTILE(a, 0.25) FROM (VALUES (1), (2), (3), (4)) AS t(a);
SELECT PERCENTILE(CAST(a AS DOUBLE), 0.9) FROM (VALUES (10), (20), (30)) AS t(a);
SELECT b, PERCENTILE(a, 1.0) FROM (VALUES (1, 'x'), (5, 'x'), (CAST(NULL AS INT), 'y')) AS t(a, b) GROUP BY b;
SELECT PERCENTILE(a, 0.5) FROM (VALUES (1)) AS t(a) WHERE FALSE;
SELECT PERCENTILE(a, ARRAY[0.0, 0.5, 1.0]) FROM (VALUES (1), (2), (5)) AS t(a);
SELECT PERCENTILE(a, 0.5, f) FROM (VALUES (1, 3), (10, 1)) AS t(a, f);
SELECT PERCENTILE(CAST(a AS DECIMAL(5, 2)), 0.5) FROM (VALUES (1), (2)) AS t(a);

-- function: sum0
SELECT $SUM0(a) FROM (VALUES (1), (2)) AS t(a);
-- function: distinct
SELECT COUNT(DISTINCT a), SUM(DISTINCT a), AVG(DISTINCT a), MIN(DISTINCT a), MAX(DISTINCT a) FROM (VALUES (1), (1), (2), (CAST(NULL AS INT))) AS t(a);
SELECT b, COUNT(DISTINCT a), SUM(DISTINCT a) FROM (VALUES (1, 'x'), (1, 'x'), (2, 'x'), (3, 'y')) AS t(a, b) GROUP BY b;
SELECT COUNT(DISTINCT a, b) FROM (VALUES (1, 'x'), (1, 'x'), (1, 'y'), (CAST(NULL AS INT), 'z')) AS t(a, b);

-- function: collect
SELECT COLLECT(a) FROM (VALUES (1), (1), (2), (CAST(NULL AS INT))) AS t(a);
SELECT g, COLLECT(s) FROM (VALUES (1, 'b'), (1, 'a'), (1, 'b'), (2, CAST(NULL AS STRING))) AS t(g, s) GROUP BY g;
SELECT COLLECT(a) FROM (VALUES (1)) AS t(a) WHERE a > 5;
SELECT CARDINALITY(COLLECT(a)) FROM (VALUES (1), (1), (2)) AS t(a);
SELECT CAST(COLLECT(a) AS STRING) FROM (VALUES (1), (1)) AS t(a);
SELECT COLLECT(DISTINCT a) FROM (VALUES (1), (1), (2)) AS t(a);
SELECT COLLECT(a) FROM (VALUES (3), (1), (2), (10), (17), (33), (-1), (100000)) AS t(a);
SELECT COLLECT(a) FROM (VALUES (CAST(1.5 AS DOUBLE)), (CAST(1.5 AS DOUBLE)), (CAST(-2.25 AS DOUBLE)), (CAST(1e10 AS DOUBLE))) AS t(a);
SELECT COLLECT(s) FROM (VALUES ('apple'), ('banana'), ('cherry'), ('date'), ('elderberry'), ('fig'), ('grape'), ('honeydew'), ('kiwi'), ('lemon'), ('mango'), ('nectarine'), ('orange'), ('papaya'), ('quince'), ('apple'), ('x'), ('yz'), ('')) AS t(s);
SELECT COLLECT(b) FROM (VALUES (TRUE), (FALSE), (TRUE)) AS t(b);
SELECT COLLECT(CAST(a AS BIGINT)) FROM (VALUES (5), (-7), (4294967296)) AS t(a);
