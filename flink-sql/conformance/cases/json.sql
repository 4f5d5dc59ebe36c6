-- JSON functions (Flink docs: "JSON Functions"). Recorded from Apache Flink 2.3, batch mode.

-- function: JSON_QUOTE
SELECT JSON_QUOTE(s) FROM (VALUES ('abc'), ('a"b\c'), (''), ('tab	nl
x'), ('ü€😀'), ('</script>'), (CAST(NULL AS STRING))) AS t(s);
SELECT JSON_QUOTE(s) FROM (VALUES ('[1,2]'), ('{"a":1}'), ('null'), ('/'), (U&'\0001\001F\007F')) AS t(s);

-- function: JSON_UNQUOTE
SELECT JSON_UNQUOTE(s) FROM (VALUES ('"abc"'), ('"a\"b\\c"'), ('"\u00fc\ud83d\ude00"'), ('"\n\t\/\b\f\r"'), ('abc'), ('"abc'), ('""'), (CAST(NULL AS STRING))) AS t(s);
SELECT JSON_UNQUOTE(s) FROM (VALUES ('[1,2]'), ('{"a":1}'), ('123'), ('"bad \x escape"'), ('  "x"  '), ('"a"b"'), ('"\u12"')) AS t(s);

-- function: JSON_STRING
SELECT JSON_STRING(i), JSON_STRING(d), JSON_STRING(b), JSON_STRING(s) FROM (VALUES (1, 1.5E0, TRUE, 'a"b'), (CAST(NULL AS INT), CAST(NULL AS DOUBLE), CAST(NULL AS BOOLEAN), CAST(NULL AS STRING))) AS t(i, d, b, s);
SELECT JSON_STRING(x) FROM (VALUES (CAST(12.50 AS DECIMAL(10, 2))), (CAST(-0.01 AS DECIMAL(10, 2)))) AS t(x);
SELECT JSON_STRING(x) FROM (VALUES (1.0E20), (0.1E0), (-0.0E0), (1.0E-7), (123456789.0E0)) AS t(x);
SELECT JSON_STRING(x) FROM (VALUES (CAST(1.5 AS FLOAT)), (CAST(0.1 AS FLOAT))) AS t(x);
SELECT JSON_STRING(x) FROM (VALUES (CAST(9223372036854775807 AS BIGINT)), (CAST(-1 AS BIGINT))) AS t(x);
SELECT JSON_STRING(x) FROM (VALUES (CAST(1 AS TINYINT))) AS t(x);
SELECT JSON_STRING(d), JSON_STRING(ts) FROM (VALUES (DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05.123')) AS t(d, ts);
SELECT JSON_STRING(ARRAY[1, 2]), JSON_STRING(ARRAY['a', CAST(NULL AS STRING)]);
SELECT JSON_STRING(MAP['a', 1]);
SELECT JSON_STRING(ROW(1, 'x'));
SELECT JSON_STRING(s) FROM (VALUES ('ü€😀'), ('</tab	>'), ('')) AS t(s);
SELECT JSON_STRING(CAST(x'0102' AS BYTES));
SELECT JSON_STRING(NULL);

-- function: JSON_VALUE
SELECT JSON_VALUE(s, '$.a') FROM (VALUES ('{"a":1}'), ('{"a":"x"}'), ('{"a":true}'), ('{"a":null}'), ('{"a":{"b":1}}'), ('{"a":[1,2]}'), ('{"b":1}'), ('[1]'), ('not json'), (''), (CAST(NULL AS STRING))) AS t(s);
SELECT JSON_VALUE(s, 'lax $.a') FROM (VALUES ('{"a":1}'), ('{"a":null}'), ('{"a":{"b":1}}'), ('{"a":[1,2]}'), ('{"b":1}'), ('not json'), (CAST(NULL AS STRING))) AS t(s);
SELECT JSON_VALUE(s, 'strict $.a') FROM (VALUES ('{"a":1}'), ('{"a":null}'), ('{"a":{"b":1}}'), ('{"a":[1,2]}'), ('{"b":1}'), ('not json'), (CAST(NULL AS STRING))) AS t(s);
SELECT JSON_VALUE(s, '$.a') FROM (VALUES ('{"a":1.50}'), ('{"a":1e3}'), ('{"a":1.5E-3}'), ('{"a":-0}'), ('{"a":12345678901234567890}'), ('{"a":9007199254740993}'), ('{"a":0.1}'), ('{"a":-2.0}')) AS t(s);
SELECT JSON_VALUE(s, '$.a') FROM (VALUES ('{"a":"\u00fc\n"}'), ('{"a":""}'), ('{"a":"x", "a":"y"}'), (' {"a" : 2} '), ('{"a":1} trailing'), ('{''a'':1}'), ('{a:1}')) AS t(s);
SELECT JSON_VALUE(s, p) FROM (VALUES ('{"a":{"b":[10,20,{"c":"deep"}]}}', '$.a.b[2].c'), ('{"a":{"b":[10,20]}}', '$.a.b[1]'), ('{"a":{"b":[10,20]}}', '$.a.b[5]'), ('{"a b":1}', '$[''a b'']'), ('[[1,2],[3]]', '$[1][0]'), ('{"a":1}', '$'), ('3', '$'), ('{"a":{"b":1}}', '$.a.b.c')) AS t(s, p);
SELECT JSON_VALUE(s, p) FROM (VALUES ('{"a":[1]}', '$.a[*]'), ('{"a":[1,2]}', '$.a[*]'), ('{"x":{"a":1}}', '$..a'), ('{"a":1,"b":2}', '$.*'), ('{"a":[1,2]}', '$.a.length()'), ('{"a":[1,2,3]}', '$.a[-1]'), ('{"a":[1,2,3]}', '$.a[0:1]'), ('{"a":[{"b":1}]}', '$.a[?(@.b==1)].b')) AS t(s, p);
SELECT JSON_VALUE(s, p) FROM (VALUES ('{"a":1}', 'a'), ('{"a":1}', '$.'), ('{"a":1}', ''), ('{"a":1}', 'lax'), ('{"a":1}', 'LAX $.a'), ('{"a":1}', ' strict  $.a'), ('{"a":1}', CAST(NULL AS STRING))) AS t(s, p);
SELECT JSON_VALUE(s, '$.a' RETURNING INT), JSON_VALUE(s, '$.a' RETURNING BIGINT), JSON_VALUE(s, '$.a' RETURNING DOUBLE) FROM (VALUES ('{"a":1}'), ('{"a":"12"}'), ('{"a":2.7}'), ('{"a":-2.7}'), ('{"a":"abc"}'), ('{"a":true}'), ('{"a":3000000000}'), ('{"a":{}}'), (CAST(NULL AS STRING))) AS t(s);
SELECT JSON_VALUE(s, '$.a' RETURNING BOOLEAN) FROM (VALUES ('{"a":true}'), ('{"a":"yes"}'), ('{"a":"F"}'), ('{"a":1}'), ('{"a":"maybe"}'), ('{"a":0}')) AS t(s);
SELECT JSON_VALUE(s, '$.a' RETURNING DECIMAL(5, 2)), JSON_VALUE(s, '$.a' RETURNING FLOAT), JSON_VALUE(s, '$.a' RETURNING TINYINT), JSON_VALUE(s, '$.a' RETURNING SMALLINT) FROM (VALUES ('{"a":1.005}'), ('{"a":"3.14159"}'), ('{"a":123456}'), ('{"a":200}'), ('{"a":1e2}')) AS t(s);
SELECT JSON_VALUE(s, '$.a' RETURNING STRING), JSON_VALUE(s, '$.a' RETURNING VARCHAR(3)) FROM (VALUES ('{"a":"abcdef"}'), ('{"a":12.0}'), ('{"a":false}')) AS t(s);
SELECT JSON_VALUE(s, '$.a' RETURNING DATE) FROM (VALUES ('{"a":"2024-01-02"}')) AS t(s);
SELECT JSON_VALUE(s, '$.a' RETURNING ARRAY<INT>) FROM (VALUES ('{"a":[1]}')) AS t(s);
SELECT JSON_VALUE(s, '$.a' NULL ON EMPTY), JSON_VALUE(s, '$.a' DEFAULT 'e' ON EMPTY), JSON_VALUE(s, 'lax $.a' DEFAULT 'e' ON EMPTY) FROM (VALUES ('{"a":1}'), ('{"b":1}'), ('{"a":null}'), ('bad')) AS t(s);
SELECT JSON_VALUE(s, '$.a' DEFAULT 'e' ON ERROR), JSON_VALUE(s, 'lax $.a' DEFAULT 'e' ON ERROR), JSON_VALUE(s, 'lax $.a' DEFAULT 'm' ON EMPTY DEFAULT 'e' ON ERROR) FROM (VALUES ('{"a":1}'), ('{"b":1}'), ('{"a":[1]}'), ('bad')) AS t(s);
SELECT JSON_VALUE(s, '$.a' RETURNING INT DEFAULT -1 ON EMPTY DEFAULT -2 ON ERROR) FROM (VALUES ('{"a":1}'), ('{"b":1}'), ('{"a":"x"}')) AS t(s);
SELECT JSON_VALUE(s, '$.a' ERROR ON ERROR) FROM (VALUES ('{"a":1}'), ('{"b":1}')) AS t(s);
SELECT JSON_VALUE(s, 'lax $.a' ERROR ON EMPTY) FROM (VALUES ('{"a":1}'), ('{"b":1}')) AS t(s);
SELECT JSON_VALUE(s, 'lax $.a' ERROR ON ERROR) FROM (VALUES ('{"a":1}'), ('bad')) AS t(s);

-- function: JSON_EXISTS
SELECT JSON_EXISTS(s, '$.a') FROM (VALUES ('{"a":1}'), ('{"a":null}'), ('{"a":{}}'), ('{"a":[]}'), ('{"b":1}'), ('[1]'), ('not json'), (''), (CAST(NULL AS STRING))) AS t(s);
SELECT JSON_EXISTS(s, 'lax $.a'), JSON_EXISTS(s, 'strict $.a') FROM (VALUES ('{"a":1}'), ('{"a":null}'), ('{"b":1}'), ('not json'), (CAST(NULL AS STRING))) AS t(s);
SELECT JSON_EXISTS(s, p) FROM (VALUES ('{"a":[1,2]}', '$.a[1]'), ('{"a":[1,2]}', '$.a[2]'), ('{"a":[1,2]}', 'lax $.a[2]'), ('{"a":[]}', '$.a[*]'), ('{"a":[]}', 'lax $.a[*]'), ('{"a":1}', '$'), ('{"a":1}', 'a'), ('{"a":1}', CAST(NULL AS STRING)), ('{"a":{"b":2}}', '$.a.b')) AS t(s, p);
SELECT JSON_EXISTS(s, '$.a' TRUE ON ERROR), JSON_EXISTS(s, '$.a' FALSE ON ERROR), JSON_EXISTS(s, '$.a' UNKNOWN ON ERROR) FROM (VALUES ('{"a":1}'), ('{"b":1}'), ('bad')) AS t(s);
SELECT JSON_EXISTS(s, '$.a' ERROR ON ERROR) FROM (VALUES ('{"a":1}'), ('{"b":1}')) AS t(s);

-- function: JSON_QUERY
SELECT JSON_QUERY(s, '$.a') FROM (VALUES ('{"a":{"y":1,"x":[1,"b",null,true]}}'), ('{"a":[]}'), ('{"a":{}}'), ('{"a":1}'), ('{"a":"x"}'), ('{"a":null}'), ('{"b":1}'), ('not json'), (CAST(NULL AS STRING))) AS t(s);
SELECT JSON_QUERY(s, 'lax $.a'), JSON_QUERY(s, 'strict $.a') FROM (VALUES ('{"a":[1]}'), ('{"a":1}'), ('{"b":1}'), ('bad')) AS t(s);
SELECT JSON_QUERY(s, '$') FROM (VALUES ('{"b":1.50,"a":"\u00fc\"/","c":1e3,"d":{"z":1,"y":-0.0}}'), ('[3, 1.0, 1E+2, "x"]'), ('  [ ]  '), ('"str"'), ('12')) AS t(s);
SELECT JSON_QUERY(s, p) FROM (VALUES ('{"a":[{"b":1},{"b":2}]}', '$.a[*].b'), ('{"a":[{"b":1},{"b":2}]}', '$.a[1]'), ('{"x":{"a":[1]},"a":{"z":0}}', '$..a'), ('{"a":[1,2]}', '$.a[5]')) AS t(s, p);
SELECT JSON_QUERY(s, '$.a' RETURNING STRING) FROM (VALUES ('{"a":[1]}')) AS t(s);
SELECT JSON_QUERY(s, '$.a' RETURNING ARRAY<STRING>) FROM (VALUES ('{"a":[1,"x",null,{"b":true},[2]]}'), ('{"a":{"b":1}}'), ('{"a":1}'), ('{"b":1}'), (CAST(NULL AS STRING))) AS t(s);
SELECT JSON_QUERY(s, '$.a' RETURNING ARRAY<INT>) FROM (VALUES ('{"a":[1,"2",null]}'), ('{"a":["x"]}')) AS t(s);
SELECT JSON_QUERY(s, '$.a' WITH WRAPPER), JSON_QUERY(s, '$.a' WITH CONDITIONAL ARRAY WRAPPER), JSON_QUERY(s, '$.a' WITHOUT ARRAY WRAPPER) FROM (VALUES ('{"a":[1]}'), ('{"a":1}'), ('{"a":{"b":1}}'), ('{"b":1}')) AS t(s);
SELECT JSON_QUERY(s, '$.a' WITH UNCONDITIONAL WRAPPER), JSON_QUERY(s, 'lax $.a[*]' WITH CONDITIONAL WRAPPER) FROM (VALUES ('{"a":[1,2]}'), ('{"a":"x"}')) AS t(s);
SELECT JSON_QUERY(s, '$.a' EMPTY ARRAY ON EMPTY), JSON_QUERY(s, '$.a' EMPTY OBJECT ON ERROR), JSON_QUERY(s, 'lax $.a' EMPTY OBJECT ON EMPTY) FROM (VALUES ('{"a":[1]}'), ('{"b":1}'), ('{"a":1}'), ('bad')) AS t(s);
SELECT JSON_QUERY(s, '$.a' ERROR ON ERROR) FROM (VALUES ('{"a":[1]}'), ('{"b":1}')) AS t(s);
SELECT JSON_QUERY(s, 'lax $.a' ERROR ON EMPTY) FROM (VALUES ('{"a":[1]}'), ('{"b":1}')) AS t(s);

-- function: JSON_OBJECT
SELECT JSON_OBJECT('a' VALUE i, 'b' VALUE s, 'c' VALUE d, 'd' VALUE b) FROM (VALUES (1, 'x"y', 1.5E0, TRUE), (CAST(NULL AS INT), CAST(NULL AS STRING), CAST(NULL AS DOUBLE), CAST(NULL AS BOOLEAN))) AS t(i, s, d, b);
SELECT JSON_OBJECT('a' VALUE s NULL ON NULL), JSON_OBJECT('a' VALUE s ABSENT ON NULL), JSON_OBJECT('a' VALUE s, 'b' VALUE 1 ABSENT ON NULL) FROM (VALUES ('x'), (CAST(NULL AS STRING))) AS t(s);
SELECT JSON_OBJECT(), JSON_OBJECT(NULL ON NULL), JSON_OBJECT(ABSENT ON NULL);
SELECT JSON_OBJECT(KEY 'a' VALUE 1, KEY 'b' VALUE 'x');
SELECT JSON_OBJECT('z' VALUE 1, 'a' VALUE 2, 'm' VALUE 3);
SELECT JSON_OBJECT('a' VALUE 1, 'a' VALUE 2);
SELECT JSON_OBJECT('k"ü' VALUE 'v', '' VALUE '');
SELECT JSON_OBJECT('a' VALUE JSON_OBJECT('b' VALUE 1), 'c' VALUE JSON_ARRAY(1, 'x'), 'd' VALUE '{"e":1}');
SELECT JSON_OBJECT('a' VALUE JSON('{"x": [1, 2]}'), 'b' VALUE JSON(s)) FROM (VALUES ('[true]'), (' 5 '), (CAST(NULL AS STRING))) AS t(s);
SELECT JSON_OBJECT('a' VALUE x) FROM (VALUES (CAST(12.50 AS DECIMAL(10, 2)))) AS t(x);
SELECT JSON_OBJECT('a' VALUE x) FROM (VALUES (1.0E20), (0.1E0), (1.0E-7)) AS t(x);
SELECT JSON_OBJECT('a' VALUE d, 'b' VALUE ts) FROM (VALUES (DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05.123')) AS t(d, ts);
SELECT JSON_OBJECT('a' VALUE ARRAY[1, 2], 'b' VALUE MAP['k', 'v']);
SELECT JSON_OBJECT('a' VALUE CAST(x'0102' AS BYTES));
SELECT JSON_OBJECT(k VALUE 1) FROM (VALUES ('x')) AS t(k);
SELECT JSON_OBJECT('a' VALUE NULL);
SELECT JSON_OBJECT('a' VALUE JSON_QUERY('{"b":[1]}', '$.b'));
SELECT JSON_OBJECT('a' VALUE JSON_STRING(1));

-- function: JSON_ARRAY
SELECT JSON_ARRAY(i, s, d, b) FROM (VALUES (1, 'x"y', 1.5E0, TRUE), (CAST(NULL AS INT), CAST(NULL AS STRING), CAST(NULL AS DOUBLE), CAST(NULL AS BOOLEAN))) AS t(i, s, d, b);
SELECT JSON_ARRAY(s NULL ON NULL), JSON_ARRAY(s ABSENT ON NULL), JSON_ARRAY(s, 1) FROM (VALUES ('x'), (CAST(NULL AS STRING))) AS t(s);
SELECT JSON_ARRAY(), JSON_ARRAY(NULL ON NULL), JSON_ARRAY(ABSENT ON NULL);
SELECT JSON_ARRAY(JSON_ARRAY(1), JSON_OBJECT('a' VALUE 1), '[1]', JSON('[2]'));
SELECT JSON_ARRAY(CAST(12.50 AS DECIMAL(10, 2)), 1.0E20, CAST(1 AS BIGINT), DATE '2024-01-02');
SELECT JSON_ARRAY(ARRAY[1, 2], ROW(1, 'a'));
SELECT JSON_ARRAY(NULL);
SELECT JSON_ARRAY(NULL NULL ON NULL);

-- function: JSON
SELECT JSON(s) FROM (VALUES ('{"a":1}')) AS t(s);
SELECT JSON_OBJECT('a' VALUE JSON(s)) FROM (VALUES ('{"b": 1.50, "a": [1, 2]}'), ('"x"'), ('null'), ('   ')) AS t(s);
SELECT JSON_OBJECT('a' VALUE JSON(s)) FROM (VALUES ('not json')) AS t(s);
SELECT JSON_OBJECT('a' VALUE JSON(s)) FROM (VALUES ('{"a":1} x')) AS t(s);
SELECT JSON_ARRAY(JSON(s)) FROM (VALUES ('{"b":1,"a":2}'), (CAST(NULL AS STRING))) AS t(s);

-- function: JSON_OBJECTAGG_NULL_ON_NULL
SELECT JSON_OBJECTAGG(k VALUE v) FROM (VALUES ('a', 1), ('b', CAST(NULL AS INT)), ('c', 3)) AS t(k, v);
SELECT g, JSON_OBJECTAGG(k VALUE v NULL ON NULL) FROM (VALUES (1, 'a', 'x'), (1, 'b', CAST(NULL AS STRING)), (2, 'c', 'z')) AS t(g, k, v) GROUP BY g;
SELECT JSON_OBJECTAGG(KEY k VALUE v) FROM (VALUES ('a', 1)) AS t(k, v);
SELECT JSON_OBJECTAGG(k VALUE v) FROM (VALUES ('a', 1), ('a', 2)) AS t(k, v);
SELECT JSON_OBJECTAGG(k VALUE v) FROM (VALUES ('a', 1), (CAST(NULL AS STRING), 2)) AS t(k, v);
SELECT JSON_OBJECTAGG(k VALUE v) FROM (VALUES ('a', 1)) AS t(k, v) WHERE k = 'zzz';
SELECT JSON_OBJECTAGG(k VALUE JSON_OBJECT('x' VALUE v)) FROM (VALUES ('a', 1), ('b', 2)) AS t(k, v);

-- function: JSON_OBJECTAGG_ABSENT_ON_NULL
SELECT JSON_OBJECTAGG(k VALUE v ABSENT ON NULL) FROM (VALUES ('a', 1), ('b', CAST(NULL AS INT)), ('c', 3)) AS t(k, v);
SELECT JSON_OBJECTAGG(k VALUE v ABSENT ON NULL) FROM (VALUES ('b', CAST(NULL AS INT))) AS t(k, v);

-- function: JSON_ARRAYAGG_ABSENT_ON_NULL
SELECT JSON_ARRAYAGG(v) FROM (VALUES (1), (CAST(NULL AS INT)), (3)) AS t(v);
SELECT g, JSON_ARRAYAGG(v ABSENT ON NULL) FROM (VALUES (1, 'x'), (1, CAST(NULL AS STRING)), (2, 'z'), (3, CAST(NULL AS STRING))) AS t(g, v) GROUP BY g;
SELECT JSON_ARRAYAGG(v) FROM (VALUES (1)) AS t(v) WHERE v > 5;
SELECT JSON_ARRAYAGG(JSON_ARRAY(v)) FROM (VALUES (1), (2)) AS t(v);
SELECT JSON_ARRAYAGG(v ORDER BY v) FROM (VALUES (2), (1)) AS t(v);

-- function: JSON_ARRAYAGG_NULL_ON_NULL
SELECT JSON_ARRAYAGG(v NULL ON NULL) FROM (VALUES (1), (CAST(NULL AS INT)), (3)) AS t(v);
SELECT JSON_ARRAYAGG(v NULL ON NULL) FROM (VALUES ('a"b'), ('c')) AS t(v);

-- function: IS_JSON
SELECT s IS JSON, s IS JSON VALUE, s IS JSON SCALAR, s IS JSON ARRAY, s IS JSON OBJECT FROM (VALUES ('{"a":1}'), ('[1]'), ('1'), ('"x"'), ('null'), ('bad'), (''), (CAST(NULL AS STRING))) AS t(s);
SELECT s IS NOT JSON, s IS NOT JSON OBJECT FROM (VALUES ('{"a":1}'), ('bad'), (CAST(NULL AS STRING))) AS t(s);
SELECT IS_JSON(s) FROM (VALUES ('{"a":1}')) AS t(s);

-- function: PARSE_JSON
SELECT PARSE_JSON(s) FROM (VALUES ('{"a":1}'), (CAST(NULL AS STRING))) AS t(s);
SELECT PARSE_JSON(s) FROM (VALUES ('bad')) AS t(s);

-- function: TRY_PARSE_JSON
SELECT TRY_PARSE_JSON(s) FROM (VALUES ('{"a":1}'), ('bad'), (CAST(NULL AS STRING))) AS t(s);
SELECT TRY_PARSE_JSON(s) FROM (VALUES ('{"a":1,"a":2}'), ('[1, 2'), ('1 2')) AS t(s);

-- function: PARSE_JSON
SELECT PARSE_JSON(s) FROM (VALUES ('{"b":1, "a": [1, 2.5, "x", null, true]}'), ('  12  '), ('"str"'), ('null'), ('1.0'), ('1e3'), ('{"a":{"c":1,"b":2}}'), ('[]'), ('12345678901234567890'), ('-0.0'), ('100.0'), ('0.0015'), ('1.5E-10')) AS t(s);
SELECT PARSE_JSON('{"a":"x\u00e9\n"}');
SELECT PARSE_JSON('{"a":1,"a":2}', TRUE);
SELECT PARSE_JSON('{"a":1,"a":2}');
SELECT TYPEOF(PARSE_JSON('1'));
SELECT PARSE_JSON('{"a":1}') IS NULL;
SELECT CAST(PARSE_JSON('{"a":1}') AS STRING);
SELECT PARSE_JSON(1);
