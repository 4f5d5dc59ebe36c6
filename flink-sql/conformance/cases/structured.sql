-- Structured types built in SQL: OBJECT_OF(class, key, value, …) and OBJECT_UPDATE(object,
-- key, value, …). A structured value prints as `(key=value, …)`.

-- function: OBJECT_OF
SELECT OBJECT_OF('com.example.User', 'name', 'Bob', 'age', 42);
SELECT OBJECT_OF('com.example.User', 'name', 'Bob', 'age', 42).name;
SELECT OBJECT_OF('com.example.User', 'name', 'Bob', 'age', 42).age + 1;
SELECT CAST(OBJECT_OF('com.example.User', 'name', 'Bob', 'age', 42) AS STRING);
SELECT OBJECT_OF('User', 'a', CAST(NULL AS INT));
SELECT OBJECT_OF('com.example.User');
SELECT OBJECT_OF('Outer', 'inner', OBJECT_OF('Inner', 'x', 1.5), 'tag', 'z');
SELECT OBJECT_OF('P', 'k', k, 'v', v) FROM (VALUES (1, 'a'), (2, CAST(NULL AS STRING))) AS t(k, v);
SELECT OBJECT_OF('P', 'k', k).k FROM (VALUES (1), (2)) AS t(k);
SELECT OBJECT_OF('User', 'name');
SELECT OBJECT_OF('User', 'a', 1, 'a', 2);
SELECT OBJECT_OF('User', 1, 2);
SELECT OBJECT_OF(c, 'a', 1) FROM (VALUES ('X')) AS t(c);
SELECT OBJECT_OF('User', k, 1) FROM (VALUES ('a')) AS t(k);
SELECT OBJECT_OF('User', 'a', ARRAY[1, 2], 'b', MAP['x', 1]);
SELECT OBJECT_OF('User', 'a', TRUE, 'b', DATE '2024-01-02', 'c', CAST(1.25 AS DECIMAL(5, 2)));

-- function: OBJECT_UPDATE
SELECT OBJECT_UPDATE(OBJECT_OF('com.example.User', 'name', 'Bob', 'age', 42), 'age', 43);
SELECT OBJECT_UPDATE(OBJECT_OF('com.example.User', 'name', 'Bob', 'age', 42), 'age', 43, 'name', 'Al');
SELECT OBJECT_UPDATE(OBJECT_OF('com.example.User', 'name', 'Bob'), 'nope', 1);
SELECT OBJECT_UPDATE(OBJECT_OF('com.example.User', 'name', 'Bob', 'age', 42), 'age', CAST(NULL AS INT));
SELECT OBJECT_UPDATE(OBJECT_OF('com.example.User', 'name', 'Bob', 'age', 42), 'age', 'old');
SELECT OBJECT_UPDATE(OBJECT_OF('U', 'age', 1), 'age', CAST(5 AS BIGINT));
SELECT OBJECT_UPDATE(OBJECT_OF('U', 'k', k), 'k', k * 10) FROM (VALUES (1), (2)) AS t(k);
SELECT OBJECT_UPDATE(OBJECT_OF('U', 'k', 1), 'k', 2).k;
SELECT OBJECT_UPDATE(ROW(1, 2), 'EXPR$0', 3);
SELECT OBJECT_UPDATE(OBJECT_OF('U', 'k', 1));
