-- Arithmetic: + - * / %, MOD and the math functions, over VALUES so they run on columns.
-- function: plus
SELECT a + b, a + 1, b + CAST(1 AS BIGINT) FROM (VALUES (1, 2), (2147483647, 1), (CAST(NULL AS INT), 1)) AS t(a, b);
SELECT a + b, a + a FROM (VALUES (CAST(1 AS TINYINT), CAST(2 AS SMALLINT)), (CAST(127 AS TINYINT), CAST(32767 AS SMALLINT))) AS t(a, b);
SELECT a + b FROM (VALUES (CAST(9223372036854775807 AS BIGINT), CAST(1 AS BIGINT))) AS t(a, b);
SELECT a + b, a + 1, a + 1.5, a + 1e0, b + a FROM (VALUES (CAST(1.25 AS DECIMAL(5, 2)), CAST(3.125 AS DECIMAL(10, 3)))) AS t(a, b);
SELECT a + b, a + a, b + b FROM (VALUES (CAST(1.5 AS DOUBLE), CAST(2.25 AS FLOAT))) AS t(a, b);
SELECT a + b FROM (VALUES (CAST(99999999999999999999999999999999999999 AS DECIMAL(38, 0)), CAST(1 AS DECIMAL(38, 0)))) AS t(a, b);
SELECT a + b FROM (VALUES (CAST(1.5 AS DECIMAL(38, 10)), CAST(2.25 AS DECIMAL(20, 2)))) AS t(a, b);
SELECT 1 + 1, 1.5 + 1, 1e0 + 1, 2147483648 + 1;
SELECT a + b FROM (VALUES (CAST(1 AS INT), CAST(NULL AS DOUBLE))) AS t(a, b);
-- function: minus
SELECT a - b, a - 1 FROM (VALUES (1, 2), (-2147483648, 1), (CAST(NULL AS INT), 1)) AS t(a, b);
SELECT a - b, b - a FROM (VALUES (CAST(1.25 AS DECIMAL(5, 2)), CAST(3.125 AS DECIMAL(10, 3)))) AS t(a, b);
SELECT a - b, a - 1 FROM (VALUES (CAST(0.5 AS DOUBLE), CAST(1.5 AS FLOAT))) AS t(a, b);
SELECT a - b FROM (VALUES (CAST(1 AS TINYINT), CAST(2 AS TINYINT)), (CAST(-128 AS TINYINT), CAST(1 AS TINYINT))) AS t(a, b);
-- function: times
SELECT a * b, a * 2 FROM (VALUES (3, 4), (65536, 65536), (CAST(NULL AS INT), 1)) AS t(a, b);
SELECT a * b, a * a, a * 3 FROM (VALUES (CAST(1.25 AS DECIMAL(5, 2)), CAST(3.125 AS DECIMAL(10, 3)))) AS t(a, b);
SELECT a * b FROM (VALUES (CAST(1.5 AS DECIMAL(38, 10)), CAST(2.25 AS DECIMAL(20, 2)))) AS t(a, b);
SELECT a * b FROM (VALUES (CAST(12345678901234567890.5 AS DECIMAL(38, 1)), CAST(12345678901234567890.5 AS DECIMAL(38, 1)))) AS t(a, b);
SELECT a * b, a * 2 FROM (VALUES (CAST(1.5 AS DOUBLE), CAST(2.5 AS FLOAT))) AS t(a, b);
SELECT a * b FROM (VALUES (CAST(100 AS TINYINT), CAST(2 AS TINYINT))) AS t(a, b);
-- function: divide
SELECT a / b FROM (VALUES (7, 2), (-7, 2), (7, -2), (CAST(NULL AS INT), 2), (-2147483648, -1)) AS t(a, b);
SELECT a / b FROM (VALUES (7, 0)) AS t(a, b);
SELECT a / b FROM (VALUES (CAST(7 AS TINYINT), CAST(2 AS TINYINT))) AS t(a, b);
SELECT a / b FROM (VALUES (CAST(7 AS BIGINT), 2)) AS t(a, b);
SELECT a / b, -a / b, b / b FROM (VALUES (CAST(1.5 AS DOUBLE), CAST(0.0 AS DOUBLE))) AS t(a, b);
SELECT a / b, a / 3, a / 2.0, a / 2e0 FROM (VALUES (CAST(1.25 AS DECIMAL(5, 2)), CAST(3.125 AS DECIMAL(10, 3)))) AS t(a, b);
SELECT a / b FROM (VALUES (CAST(1 AS DECIMAL(5, 2)), CAST(0 AS DECIMAL(5, 2)))) AS t(a, b);
SELECT a / b FROM (VALUES (CAST(1.5 AS DECIMAL(38, 10)), CAST(2.25 AS DECIMAL(20, 2)))) AS t(a, b);
SELECT a / b FROM (VALUES (CAST(10 AS INT), CAST(4 AS DECIMAL(3, 1)))) AS t(a, b);
SELECT a / b FROM (VALUES (CAST(10 AS FLOAT), CAST(4 AS FLOAT))) AS t(a, b);
SELECT 7 / 2, 7.0 / 2, 7 / 2e0, 1 / 3.0;
-- function: mod
SELECT a % b, MOD(a, b) FROM (VALUES (7, 3), (-7, 3), (7, -3), (CAST(NULL AS INT), 3)) AS t(a, b);
SELECT MOD(a, b) FROM (VALUES (7, 0)) AS t(a, b);
SELECT MOD(a, b), MOD(b, a) FROM (VALUES (CAST(7 AS BIGINT), CAST(3 AS TINYINT))) AS t(a, b);
SELECT MOD(a, b), MOD(a, 2) FROM (VALUES (CAST(7.5 AS DECIMAL(5, 2)), CAST(2.25 AS DECIMAL(4, 3)))) AS t(a, b);
SELECT MOD(a, b) FROM (VALUES (CAST(7.5 AS DOUBLE), CAST(2 AS DOUBLE))) AS t(a, b);
-- function: minusPrefix
SELECT -a FROM (VALUES (1), (-2147483648), (CAST(NULL AS INT))) AS t(a);
SELECT -a, -b, -c, -d FROM (VALUES (CAST(1.5 AS DECIMAL(5, 2)), CAST(0.0 AS DOUBLE), CAST(2 AS TINYINT), CAST(1.5 AS FLOAT))) AS t(a, b, c, d);
-- function: abs
SELECT ABS(a) FROM (VALUES (1), (-5), (-2147483648), (CAST(NULL AS INT))) AS t(a);
SELECT ABS(a), ABS(b), ABS(c), ABS(d), ABS(e) FROM (VALUES (CAST(-1.5 AS DECIMAL(5, 2)), CAST(-0.0 AS DOUBLE), CAST(-2 AS TINYINT), CAST(-1.5 AS FLOAT), CAST(-3 AS BIGINT))) AS t(a, b, c, d, e);
SELECT ABS(s) FROM (VALUES ('-1')) AS t(s);
-- function: power
SELECT POWER(a, b) FROM (VALUES (2, 10), (2, -1), (-8, 0), (0, 0), (CAST(NULL AS INT), 1)) AS t(a, b);
SELECT POWER(a, b), POWER(a, 0.5) FROM (VALUES (CAST(-8 AS DOUBLE), CAST(0.5 AS DECIMAL(3, 2))), (CAST(2.5 AS DOUBLE), CAST(2 AS DECIMAL(3, 2)))) AS t(a, b);
SELECT POWER(a, 2) FROM (VALUES (CAST(1.5 AS DECIMAL(5, 2)))) AS t(a);
-- function: sqrt
SELECT SQRT(a) FROM (VALUES (4.0e0), (2.0e0), (-1.0e0), (0.0e0), (CAST(NULL AS DOUBLE))) AS t(a);
SELECT SQRT(a), SQRT(b), SQRT(c) FROM (VALUES (16, CAST(2.25 AS DECIMAL(5, 2)), CAST(9 AS BIGINT))) AS t(a, b, c);
-- function: ln
SELECT LN(a) FROM (VALUES (1.0e0), (2.718281828459045e0), (0.0e0), (-1.0e0), (CAST(NULL AS DOUBLE))) AS t(a);
SELECT LN(a), LN(b) FROM (VALUES (10, CAST(2.5 AS DECIMAL(5, 2)))) AS t(a, b);
-- function: log10
SELECT LOG10(a) FROM (VALUES (1000.0e0), (0.0e0), (-1.0e0), (CAST(NULL AS DOUBLE))) AS t(a);
SELECT LOG10(a), LOG10(b) FROM (VALUES (100, CAST(0.01 AS DECIMAL(5, 2)))) AS t(a, b);
-- function: log2
SELECT LOG2(a) FROM (VALUES (8.0e0), (0.0e0), (-1.0e0), (CAST(NULL AS DOUBLE))) AS t(a);
SELECT LOG2(a), LOG2(b) FROM (VALUES (1024, CAST(0.5 AS DECIMAL(5, 2)))) AS t(a, b);
-- function: log
SELECT LOG(a), LOG(2, a), LOG(a, 8) FROM (VALUES (8.0e0), (1.0e0), (0.0e0), (CAST(NULL AS DOUBLE))) AS t(a);
SELECT LOG(a, b) FROM (VALUES (10, 1000), (CAST(2.0 AS DECIMAL(3, 1)), 1), (1, 5), (-2, 4)) AS t(a, b);
-- function: exp
SELECT EXP(a) FROM (VALUES (0.0e0), (1.0e0), (1000.0e0), (-1000.0e0), (CAST(NULL AS DOUBLE))) AS t(a);
SELECT EXP(a), EXP(b) FROM (VALUES (1, CAST(0.5 AS DECIMAL(5, 2)))) AS t(a, b);
-- function: ceil
SELECT CEIL(a), CEILING(a) FROM (VALUES (1.5e0), (-1.5e0), (-0.5e0), (CAST(NULL AS DOUBLE))) AS t(a);
SELECT CEIL(a), CEIL(b), CEIL(c), CEIL(d), CEIL(e) FROM (VALUES (CAST(1.25 AS DECIMAL(5, 2)), 7, CAST(-1.25 AS DECIMAL(5, 2)), CAST(2.5 AS FLOAT), CAST(3 AS BIGINT))) AS t(a, b, c, d, e);
SELECT CEIL(a) FROM (VALUES (CAST(99999999999999999999999999999999999.999 AS DECIMAL(38, 3)))) AS t(a);
SELECT CEIL(a), CEIL(b), CEIL(c), FLOOR(a), FLOOR(b), FLOOR(c) FROM (VALUES (CAST(1.25 AS DECIMAL(10, 4)), CAST(0.5 AS DECIMAL(3, 3)), CAST(7 AS DECIMAL(7, 0)))) AS t(a, b, c);
-- function: floor
SELECT FLOOR(a) FROM (VALUES (1.5e0), (-1.5e0), (0.5e0), (CAST(NULL AS DOUBLE))) AS t(a);
SELECT FLOOR(a), FLOOR(b), FLOOR(c), FLOOR(d), FLOOR(e) FROM (VALUES (CAST(1.25 AS DECIMAL(5, 2)), 7, CAST(-1.25 AS DECIMAL(5, 2)), CAST(2.5 AS FLOAT), CAST(3 AS SMALLINT))) AS t(a, b, c, d, e);
-- function: sin
SELECT SIN(a), SIN(b) FROM (VALUES (0.5e0, 1), (CAST(NULL AS DOUBLE), CAST(NULL AS INT))) AS t(a, b);
SELECT SIN(a) FROM (VALUES (CAST(0.5 AS DECIMAL(5, 2)))) AS t(a);
-- function: cos
SELECT COS(a), COS(b) FROM (VALUES (0.5e0, 1), (CAST(NULL AS DOUBLE), CAST(NULL AS INT))) AS t(a, b);
-- function: tan
SELECT TAN(a), TAN(b) FROM (VALUES (0.5e0, 1), (CAST(NULL AS DOUBLE), CAST(NULL AS INT))) AS t(a, b);
-- function: cot
SELECT COT(a), COT(b) FROM (VALUES (0.5e0, 1), (0.0e0, 0), (CAST(NULL AS DOUBLE), CAST(NULL AS INT))) AS t(a, b);
-- function: asin
SELECT ASIN(a), ASIN(b) FROM (VALUES (0.5e0, 1), (2.0e0, -1), (CAST(NULL AS DOUBLE), CAST(NULL AS INT))) AS t(a, b);
-- function: acos
SELECT ACOS(a), ACOS(b) FROM (VALUES (0.5e0, 1), (2.0e0, -1), (CAST(NULL AS DOUBLE), CAST(NULL AS INT))) AS t(a, b);
-- function: atan
SELECT ATAN(a), ATAN(b) FROM (VALUES (0.5e0, 1), (CAST(NULL AS DOUBLE), CAST(NULL AS INT))) AS t(a, b);
-- function: atan2
SELECT ATAN2(a, b) FROM (VALUES (1.0e0, 1.0e0), (0.0e0, -1.0e0), (-0.0e0, -1.0e0), (CAST(NULL AS DOUBLE), 1.0e0)) AS t(a, b);
SELECT ATAN2(a, b) FROM (VALUES (1, CAST(2.5 AS DECIMAL(3, 1)))) AS t(a, b);
-- function: sinh
SELECT SINH(a), SINH(b) FROM (VALUES (0.5e0, 1), (CAST(NULL AS DOUBLE), CAST(NULL AS INT))) AS t(a, b);
-- function: cosh
SELECT COSH(a), COSH(b) FROM (VALUES (0.5e0, 1), (CAST(NULL AS DOUBLE), CAST(NULL AS INT))) AS t(a, b);
-- function: tanh
SELECT TANH(a), TANH(b) FROM (VALUES (0.5e0, 1), (CAST(NULL AS DOUBLE), CAST(NULL AS INT))) AS t(a, b);
-- function: degrees
SELECT DEGREES(a), DEGREES(b) FROM (VALUES (3.141592653589793e0, 1), (CAST(NULL AS DOUBLE), CAST(NULL AS INT))) AS t(a, b);
-- function: radians
SELECT RADIANS(a), RADIANS(b) FROM (VALUES (180.0e0, 90), (CAST(NULL AS DOUBLE), CAST(NULL AS INT))) AS t(a, b);
-- function: sign
SELECT SIGN(a) FROM (VALUES (5), (-5), (0), (CAST(NULL AS INT))) AS t(a);
SELECT SIGN(a), SIGN(b), SIGN(c), SIGN(d) FROM (VALUES (CAST(-1.25 AS DECIMAL(5, 2)), -0.0e0, CAST(3 AS BIGINT), CAST(-2.5 AS FLOAT))) AS t(a, b, c, d);
-- function: round
SELECT ROUND(a), ROUND(a, 1), ROUND(a, -1) FROM (VALUES (2.5e0), (-2.5e0), (1.45e0), (15.55e0), (CAST(NULL AS DOUBLE))) AS t(a);
SELECT ROUND(a), ROUND(a, 1), ROUND(a, -1), ROUND(a, 3) FROM (VALUES (CAST(12.345 AS DECIMAL(5, 3))), (CAST(-12.355 AS DECIMAL(5, 3)))) AS t(a);
SELECT ROUND(a, -1), ROUND(a), ROUND(a, 1) FROM (VALUES (15), (-15), (2147483647)) AS t(a);
SELECT ROUND(a, 1), ROUND(b, 1), ROUND(c, -1) FROM (VALUES (CAST(1.25 AS FLOAT), CAST(125 AS BIGINT), CAST(125 AS TINYINT))) AS t(a, b, c);
SELECT ROUND(a, 2) FROM (VALUES (CAST(99.999 AS DECIMAL(5, 3)))) AS t(a);
-- function: truncate
SELECT TRUNCATE(a), TRUNCATE(a, 1), TRUNCATE(a, -1) FROM (VALUES (2.57e0), (-2.57e0), (15.55e0), (CAST(NULL AS DOUBLE))) AS t(a);
SELECT TRUNCATE(a), TRUNCATE(a, 1), TRUNCATE(a, -1) FROM (VALUES (CAST(12.345 AS DECIMAL(5, 3))), (CAST(-12.355 AS DECIMAL(5, 3)))) AS t(a);
SELECT TRUNCATE(a, -1), TRUNCATE(a) FROM (VALUES (15), (-15)) AS t(a);
-- function: pi
SELECT PI(), PI() * a FROM (VALUES (2)) AS t(a);
-- function: e
SELECT E(), E() * a FROM (VALUES (2)) AS t(a);
-- function: rand
SELECT RAND() >= 0, RAND() < 1 FROM (VALUES (1), (2)) AS t(a);
SELECT RAND(42), RAND(a) FROM (VALUES (1), (2)) AS t(a);
-- function: randInteger
SELECT RAND_INTEGER(10) >= 0, RAND_INTEGER(10) < 10 FROM (VALUES (1), (2)) AS t(a);
SELECT RAND_INTEGER(42, 10) FROM (VALUES (1), (2), (3)) AS t(a);
-- function: bin
SELECT BIN(a) FROM (VALUES (12), (0), (-1), (CAST(NULL AS INT))) AS t(a);
SELECT BIN(a), BIN(b) FROM (VALUES (CAST(-2 AS TINYINT), CAST(9223372036854775807 AS BIGINT))) AS t(a, b);
-- function: hex
SELECT HEX(a) FROM (VALUES (255), (0), (-1), (CAST(NULL AS INT))) AS t(a);
SELECT HEX(s) FROM (VALUES ('hello'), (''), ('ü'), (CAST(NULL AS STRING))) AS t(s);
SELECT HEX(a), HEX(b) FROM (VALUES (CAST(-2 AS TINYINT), CAST(X'0aff' AS BYTES))) AS t(a, b);
-- function: UNHEX
SELECT UNHEX(s) FROM (VALUES ('68656C6C6F'), ('abc'), ('zz'), (''), (CAST(NULL AS STRING))) AS t(s);
SELECT CAST(UNHEX(s) AS STRING) FROM (VALUES ('68656c6c6f')) AS t(s);
-- Comparison and logical functions.
-- function: equals
SELECT a = b, a = 1, a = 1.0, a = 1e0 FROM (VALUES (1, CAST(1 AS BIGINT)), (2, CAST(3 AS BIGINT)), (CAST(NULL AS INT), CAST(1 AS BIGINT))) AS t(a, b);
SELECT a = b, a = 0.0e0 FROM (VALUES (CAST('NaN' AS DOUBLE), CAST('NaN' AS DOUBLE)), (-0.0e0, 0.0e0)) AS t(a, b);
SELECT a = b FROM (VALUES (CAST(1.50 AS DECIMAL(5, 2)), CAST(1.5 AS DECIMAL(10, 1))), (CAST(1.50 AS DECIMAL(5, 2)), CAST(1.6 AS DECIMAL(10, 1)))) AS t(a, b);
SELECT a = b, a = 'ab' FROM (VALUES ('ab', 'ab '), ('ab', 'ab')) AS t(a, b);
SELECT a = b FROM (VALUES (TRUE, FALSE), (TRUE, TRUE), (CAST(NULL AS BOOLEAN), TRUE)) AS t(a, b);
SELECT a = b FROM (VALUES (DATE '2024-01-01', DATE '2024-01-01'), (DATE '2024-01-01', DATE '2024-01-02')) AS t(a, b);
SELECT a = '1', a = ' 1' FROM (VALUES (1), (2)) AS t(a);
SELECT a = b FROM (VALUES (CAST(1.1 AS FLOAT), CAST(1.1 AS DOUBLE))) AS t(a, b);
-- function: notEquals
SELECT a <> b, a <> 1 FROM (VALUES (1, CAST(1 AS BIGINT)), (2, CAST(3 AS BIGINT)), (CAST(NULL AS INT), CAST(1 AS BIGINT))) AS t(a, b);
SELECT a <> b FROM (VALUES (CAST('NaN' AS DOUBLE), CAST('NaN' AS DOUBLE)), (-0.0e0, 0.0e0)) AS t(a, b);
-- function: lessThan
SELECT a < b, a < 2 FROM (VALUES (1, CAST(2 AS BIGINT)), (2, CAST(1 AS BIGINT)), (CAST(NULL AS INT), CAST(1 AS BIGINT))) AS t(a, b);
SELECT a < b FROM (VALUES (CAST('NaN' AS DOUBLE), 1.0e0), (1.0e0, CAST('NaN' AS DOUBLE)), (-0.0e0, 0.0e0)) AS t(a, b);
SELECT a < b FROM (VALUES ('a', 'b'), ('B', 'a'), ('', 'a'), ('ä', 'z')) AS t(a, b);
SELECT a < b FROM (VALUES (FALSE, TRUE), (TRUE, FALSE)) AS t(a, b);
SELECT a < b FROM (VALUES (TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2024-01-01 00:00:00.001')) AS t(a, b);
SELECT a < b FROM (VALUES (CAST(1.25 AS DECIMAL(5, 2)), 2)) AS t(a, b);
-- function: lessThanOrEqual
SELECT a <= b, a <= 2 FROM (VALUES (1, CAST(2 AS BIGINT)), (2, CAST(2 AS BIGINT)), (3, CAST(2 AS BIGINT)), (CAST(NULL AS INT), CAST(1 AS BIGINT))) AS t(a, b);
SELECT a <= b FROM (VALUES (CAST('NaN' AS DOUBLE), CAST('NaN' AS DOUBLE)), (-0.0e0, 0.0e0)) AS t(a, b);
-- function: greaterThan
SELECT a > b, a > 2 FROM (VALUES (1, CAST(2 AS BIGINT)), (3, CAST(2 AS BIGINT)), (CAST(NULL AS INT), CAST(1 AS BIGINT))) AS t(a, b);
SELECT a > b FROM (VALUES (CAST('NaN' AS DOUBLE), 1.0e0), (0.0e0, -0.0e0)) AS t(a, b);
-- function: greaterThanOrEqual
SELECT a >= b, a >= 2 FROM (VALUES (1, CAST(2 AS BIGINT)), (2, CAST(2 AS BIGINT)), (CAST(NULL AS INT), CAST(1 AS BIGINT))) AS t(a, b);
SELECT a >= b FROM (VALUES (CAST('NaN' AS DOUBLE), CAST('NaN' AS DOUBLE)), (0.0e0, -0.0e0)) AS t(a, b);
-- function: between
SELECT a BETWEEN 1 AND 3, a BETWEEN 3 AND 1, a BETWEEN SYMMETRIC 3 AND 1 FROM (VALUES (0), (1), (2), (3), (CAST(NULL AS INT))) AS t(a);
SELECT a BETWEEN b AND c FROM (VALUES (2, CAST(NULL AS INT), 1), (2, CAST(NULL AS INT), 3), (2, 1, 3)) AS t(a, b, c);
SELECT a BETWEEN 1.5 AND 2.5, a BETWEEN 'a' AND 'c' FROM (VALUES (2, 'b')) AS t(a, s);
SELECT s BETWEEN 'a' AND 'c' FROM (VALUES ('b'), ('d')) AS t(s);
-- function: notBetween
SELECT a NOT BETWEEN 1 AND 3, a NOT BETWEEN SYMMETRIC 3 AND 1 FROM (VALUES (0), (2), (CAST(NULL AS INT))) AS t(a);
SELECT a NOT BETWEEN b AND c FROM (VALUES (2, CAST(NULL AS INT), 1), (2, CAST(NULL AS INT), 3)) AS t(a, b, c);
-- function: in
SELECT a IN (1, 2), a NOT IN (1, 2), a IN (1, CAST(NULL AS INT)), a NOT IN (1, CAST(NULL AS INT)) FROM (VALUES (1), (3), (CAST(NULL AS INT))) AS t(a);
SELECT a IN (1.0, 2.5), a IN (CAST(1 AS BIGINT)) FROM (VALUES (1), (2)) AS t(a);
SELECT s IN ('a', 'bc') FROM (VALUES ('a'), ('b'), ('bc')) AS t(s);
SELECT a IN (b, c) FROM (VALUES (1, 2, 1), (1, 2, 3)) AS t(a, b, c);
-- function: isNull
SELECT a IS NULL, s IS NULL FROM (VALUES (1, 'x'), (CAST(NULL AS INT), CAST(NULL AS STRING))) AS t(a, s);
-- function: isNotNull
SELECT a IS NOT NULL, s IS NOT NULL FROM (VALUES (1, 'x'), (CAST(NULL AS INT), CAST(NULL AS STRING))) AS t(a, s);
-- function: isTrue
SELECT b IS TRUE FROM (VALUES (TRUE), (FALSE), (CAST(NULL AS BOOLEAN))) AS t(b);
-- function: isNotTrue
SELECT b IS NOT TRUE FROM (VALUES (TRUE), (FALSE), (CAST(NULL AS BOOLEAN))) AS t(b);
-- function: isFalse
SELECT b IS FALSE FROM (VALUES (TRUE), (FALSE), (CAST(NULL AS BOOLEAN))) AS t(b);
-- function: isNotFalse
SELECT b IS NOT FALSE, b IS UNKNOWN, b IS NOT UNKNOWN FROM (VALUES (TRUE), (FALSE), (CAST(NULL AS BOOLEAN))) AS t(b);
-- function: and
SELECT a AND b FROM (VALUES (TRUE, TRUE), (TRUE, FALSE), (FALSE, CAST(NULL AS BOOLEAN)), (TRUE, CAST(NULL AS BOOLEAN)), (CAST(NULL AS BOOLEAN), CAST(NULL AS BOOLEAN))) AS t(a, b);
-- function: or
SELECT a OR b FROM (VALUES (FALSE, FALSE), (TRUE, FALSE), (FALSE, CAST(NULL AS BOOLEAN)), (TRUE, CAST(NULL AS BOOLEAN)), (CAST(NULL AS BOOLEAN), CAST(NULL AS BOOLEAN))) AS t(a, b);
-- function: not
SELECT NOT a FROM (VALUES (TRUE), (FALSE), (CAST(NULL AS BOOLEAN))) AS t(a);
-- function: divide
SELECT a / 2, a / -1, a / 3 FROM (VALUES (7), (-7), (CAST(NULL AS INT)), (-2147483648)) AS t(a);
SELECT a / 2 FROM (VALUES (CAST(7 AS TINYINT)), (CAST(-128 AS TINYINT))) AS t(a);
-- function: mod
SELECT MOD(a, 3), a % -3, MOD(a, 2) FROM (VALUES (7), (-7), (CAST(NULL AS INT)), (-2147483648)) AS t(a);
