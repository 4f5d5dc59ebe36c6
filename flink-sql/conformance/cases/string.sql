-- String functions (Flink docs: "String Functions"), over VALUES so each runs on columns.

-- function: charLength
SELECT CHAR_LENGTH(s) FROM (VALUES ('abc'), (''), ('héllo'), ('日本語'), (CAST(NULL AS STRING))) AS t(s);
SELECT CHARACTER_LENGTH(s) FROM (VALUES ('abc'), ('😀x'), (CAST(NULL AS STRING))) AS t(s);

-- function: upper
SELECT UPPER(s) FROM (VALUES ('abc'), ('MiXeD 1'), ('straße'), ('é'), (''), (CAST(NULL AS STRING))) AS t(s);

-- function: lower
SELECT LOWER(s) FROM (VALUES ('ABC'), ('MiXeD 1'), ('ÉÀ'), (''), (CAST(NULL AS STRING))) AS t(s);

-- function: position
SELECT POSITION(a IN b) FROM (VALUES ('b', 'abc'), ('x', 'abc'), ('', 'abc'), ('c', 'abcabc'), ('é', 'aéb'), (CAST(NULL AS STRING), 'a'), ('a', CAST(NULL AS STRING))) AS t(a, b);

-- function: trim
SELECT TRIM(s) FROM (VALUES ('  ab  '), ('ab'), ('   '), (CAST(NULL AS STRING))) AS t(s);
SELECT TRIM(BOTH FROM s) FROM (VALUES ('  ab  '), (CAST(NULL AS STRING))) AS t(s);
SELECT TRIM(LEADING FROM s) FROM (VALUES ('  ab  '), (CAST(NULL AS STRING))) AS t(s);
SELECT TRIM(TRAILING FROM s) FROM (VALUES ('  ab  '), (CAST(NULL AS STRING))) AS t(s);
SELECT TRIM(BOTH 'xy' FROM s) FROM (VALUES ('xyabyx'), ('yxxab'), ('xy'), ('axyb'), (CAST(NULL AS STRING))) AS t(s);
SELECT TRIM(LEADING 'x' FROM s) FROM (VALUES ('xxaxx'), (CAST(NULL AS STRING))) AS t(s);
SELECT TRIM(TRAILING 'x' FROM s) FROM (VALUES ('xxaxx'), (CAST(NULL AS STRING))) AS t(s);
SELECT TRIM(BOTH c FROM s) FROM (VALUES ('xxaxx', 'x'), ('abc', CAST(NULL AS STRING)), ('abc', '')) AS t(s, c);
SELECT TRIM(s) FROM (VALUES (CONCAT(CHR(9), 'ab', CHR(10)))) AS t(s);

-- function: ltrim
SELECT LTRIM(s) FROM (VALUES ('  ab  '), (CAST(NULL AS STRING))) AS t(s);
SELECT LTRIM(s, c) FROM (VALUES ('xyxab', 'xy'), ('ab', CAST(NULL AS STRING)), (CAST(NULL AS STRING), 'x')) AS t(s, c);

-- function: rtrim
SELECT RTRIM(s) FROM (VALUES ('  ab  '), (CAST(NULL AS STRING))) AS t(s);
SELECT RTRIM(s, c) FROM (VALUES ('abyxy', 'xy'), ('ab', CAST(NULL AS STRING))) AS t(s, c);

-- function: BTRIM
SELECT BTRIM(s) FROM (VALUES ('  ab  '), (CAST(NULL AS STRING))) AS t(s);
SELECT BTRIM(s, c) FROM (VALUES ('xyabyx', 'xy'), ('ab', CAST(NULL AS STRING)), ('ab', '')) AS t(s, c);

-- function: repeat
SELECT REPEAT(s, n) FROM (VALUES ('ab', 3), ('ab', 0), ('ab', -1), ('', 5), (CAST(NULL AS STRING), 2), ('x', CAST(NULL AS INT))) AS t(s, n);

-- function: regexpReplace
SELECT REGEXP_REPLACE(s, 'a+', 'X') FROM (VALUES ('banana'), ('aaa'), ('xyz'), (''), (CAST(NULL AS STRING))) AS t(s);
SELECT REGEXP_REPLACE(s, '(\w+)@(\w+)', '$2 at $1') FROM (VALUES ('joe@example'), ('none')) AS t(s);
SELECT REGEXP_REPLACE(s, p, r) FROM (VALUES ('abc', 'b', CAST(NULL AS STRING)), ('abc', CAST(NULL AS STRING), 'x'), ('abc', '', '-')) AS t(s, p, r);
SELECT REGEXP_REPLACE(s, '[', 'x') FROM (VALUES ('a[b'), (CAST(NULL AS STRING))) AS t(s);
SELECT REGEXP_REPLACE(s, 'b', '\$1') FROM (VALUES ('abc')) AS t(s);
SELECT REGEXP_REPLACE(s, '(?i)A', 'x') FROM (VALUES ('aAbA')) AS t(s);
SELECT REGEXP_REPLACE(s, '\d', '#') FROM (VALUES ('a1b22')) AS t(s);

-- function: overlay
SELECT OVERLAY(s PLACING r FROM 2) FROM (VALUES ('abcdef', 'XY'), ('ab', 'XYZ'), (CAST(NULL AS STRING), 'X'), ('ab', CAST(NULL AS STRING))) AS t(s, r);
SELECT OVERLAY(s PLACING 'XY' FROM p FOR l) FROM (VALUES ('abcdef', 2, 3), ('abcdef', 2, 0), ('abcdef', 5, 10), ('abcdef', 1, 1), ('abc', 10, 1), ('abcdef', 2, CAST(NULL AS INT))) AS t(s, p, l);

-- function: substring
SELECT SUBSTRING(s FROM 2) FROM (VALUES ('abcdef'), ('a'), (''), (CAST(NULL AS STRING))) AS t(s);
SELECT SUBSTRING(s FROM p FOR l) FROM (VALUES ('abcdef', 2, 3), ('abcdef', 0, 3), ('abcdef', -2, 2), ('abcdef', -10, 3), ('abcdef', 5, 10), ('abcdef', 7, 1), ('abcdef', 2, 0), ('abcdef', 2, CAST(NULL AS INT)), ('héllo', 2, 2)) AS t(s, p, l);
SELECT SUBSTRING(s, p) FROM (VALUES ('abcdef', 0), ('abcdef', 1), ('abcdef', -3), ('abcdef', 100)) AS t(s, p);
SELECT SUBSTRING(s, 2, l) FROM (VALUES ('abcdef', -1)) AS t(s, l);

-- function: substr
SELECT SUBSTR(s, p) FROM (VALUES ('abcdef', 3), ('abcdef', 0), ('abcdef', -2), (CAST(NULL AS STRING), 1)) AS t(s, p);
SELECT SUBSTR(s, p, l) FROM (VALUES ('abcdef', 2, 2), ('abcdef', -3, 2), ('abcdef', 0, 2), ('abcdef', 1, -1)) AS t(s, p, l);

-- function: replace
SELECT REPLACE(s, a, b) FROM (VALUES ('banana', 'an', 'AN'), ('aaa', 'aa', 'b'), ('abc', '', 'x'), ('abc', 'b', ''), (CAST(NULL AS STRING), 'a', 'b'), ('abc', CAST(NULL AS STRING), 'b'), ('abc', 'b', CAST(NULL AS STRING))) AS t(s, a, b);

-- function: regexpExtract
SELECT REGEXP_EXTRACT(s, '(\d+)-(\d+)', 2) FROM (VALUES ('10-20'), ('x'), ('a1-2b3-4'), (CAST(NULL AS STRING))) AS t(s);
SELECT REGEXP_EXTRACT(s, '(\d+)-(\d+)') FROM (VALUES ('10-20'), ('x')) AS t(s);
SELECT REGEXP_EXTRACT(s, '(\d+)-(\d+)', i) FROM (VALUES ('10-20', 0), ('10-20', 3), ('10-20', -1), ('10-20', CAST(NULL AS INT))) AS t(s, i);
SELECT REGEXP_EXTRACT(s, '\d+', 0) FROM (VALUES ('ab12cd34')) AS t(s);
SELECT REGEXP_EXTRACT(s, '(a)|(b)', 2) FROM (VALUES ('a')) AS t(s);
SELECT REGEXP_EXTRACT(s, '(', 1) FROM (VALUES ('a(b')) AS t(s);
SELECT REGEXP_EXTRACT(s, p, 1) FROM (VALUES ('abc', '(b)'), ('abc', CAST(NULL AS STRING))) AS t(s, p);

-- function: REGEXP_EXTRACT_ALL
SELECT REGEXP_EXTRACT_ALL(s, '(\d+)-(\d+)', 2) FROM (VALUES ('1-2, 3-4'), ('x'), (CAST(NULL AS STRING))) AS t(s);
SELECT REGEXP_EXTRACT_ALL(s, '(\d+)') FROM (VALUES ('a1b22c333'), ('')) AS t(s);
SELECT REGEXP_EXTRACT_ALL(s, '\d', 0) FROM (VALUES ('a1b2')) AS t(s);
SELECT REGEXP_EXTRACT_ALL(s, '(\d)', 2) FROM (VALUES ('a1b2')) AS t(s);
SELECT REGEXP_EXTRACT_ALL(s, '(a)|(b)', 2) FROM (VALUES ('ab')) AS t(s);
SELECT REGEXP_EXTRACT_ALL(s, '(\d)x') FROM (VALUES ('1x2x')) AS t(s);
SELECT REGEXP_EXTRACT_ALL(s, p) FROM (VALUES ('abc', CAST(NULL AS STRING)), ('abc', '(')) AS t(s, p);

-- function: REGEXP_COUNT
SELECT REGEXP_COUNT(s, 'a') FROM (VALUES ('banana'), ('xyz'), (''), (CAST(NULL AS STRING))) AS t(s);
SELECT REGEXP_COUNT(s, 'a*') FROM (VALUES ('baa')) AS t(s);
SELECT REGEXP_COUNT(s, p) FROM (VALUES ('abc', CAST(NULL AS STRING)), ('abc', '(')) AS t(s, p);

-- function: REGEXP_INSTR
SELECT REGEXP_INSTR(s, 'an') FROM (VALUES ('banana'), ('xyz'), (''), (CAST(NULL AS STRING))) AS t(s);
SELECT REGEXP_INSTR(s, p) FROM (VALUES ('abc', CAST(NULL AS STRING)), ('abc', '(')) AS t(s, p);
SELECT REGEXP_INSTR(s, 'é') FROM (VALUES ('aéé')) AS t(s);

-- function: REGEXP_SUBSTR
SELECT REGEXP_SUBSTR(s, '\d+') FROM (VALUES ('ab12cd34'), ('xyz'), (CAST(NULL AS STRING))) AS t(s);
SELECT REGEXP_SUBSTR(s, p) FROM (VALUES ('abc', CAST(NULL AS STRING)), ('abc', '(')) AS t(s, p);

-- function: regexp
SELECT REGEXP(s, 'a.c') FROM (VALUES ('abc'), ('xabcx'), ('ab'), (CAST(NULL AS STRING))) AS t(s);
SELECT REGEXP(s, '^a') FROM (VALUES ('abc'), ('ba')) AS t(s);
SELECT REGEXP(s, p) FROM (VALUES ('abc', CAST(NULL AS STRING)), ('abc', '(')) AS t(s, p);

-- function: initCap
SELECT INITCAP(s) FROM (VALUES ('hello world'), ('hELLO wORLD'), ('a-b c_d'), ('1abc 2DEF'), ('élan vital'), (''), (CAST(NULL AS STRING))) AS t(s);

-- function: concat
SELECT CONCAT(a, b) FROM (VALUES ('x', 'y'), ('x', CAST(NULL AS STRING)), ('', '')) AS t(a, b);
SELECT CONCAT(a, b, a) FROM (VALUES ('x', 'y')) AS t(a, b);
SELECT CONCAT(a) FROM (VALUES ('x')) AS t(a);

-- function: concat_ws
SELECT CONCAT_WS(sep, a, b) FROM (VALUES ('-', 'x', 'y'), ('-', 'x', CAST(NULL AS STRING)), (CAST(NULL AS STRING), 'x', 'y'), ('', 'x', 'y'), ('-', CAST(NULL AS STRING), CAST(NULL AS STRING))) AS t(sep, a, b);
SELECT CONCAT_WS(',', a, b, 'z') FROM (VALUES ('x', 'y')) AS t(a, b);
SELECT CONCAT_WS(',', a) FROM (VALUES ('x')) AS t(a);

-- function: lpad
SELECT LPAD(s, n, p) FROM (VALUES ('hi', 5, 'xy'), ('hello', 3, 'x'), ('hi', 0, 'x'), ('hi', -1, 'x'), ('hi', 4, ''), ('', 3, 'ab'), (CAST(NULL AS STRING), 3, 'x'), ('hi', CAST(NULL AS INT), 'x'), ('hi', 3, CAST(NULL AS STRING))) AS t(s, n, p);
SELECT LPAD(s, 4, 'é') FROM (VALUES ('ab')) AS t(s);

-- function: rpad
SELECT RPAD(s, n, p) FROM (VALUES ('hi', 5, 'xy'), ('hello', 3, 'x'), ('hi', 0, 'x'), ('hi', -1, 'x'), ('hi', 4, ''), (CAST(NULL AS STRING), 3, 'x')) AS t(s, n, p);

-- function: fromBase64
SELECT FROM_BASE64(s) FROM (VALUES ('aGVsbG8='), (''), ('aGk'), ('w6k='), (CAST(NULL AS STRING))) AS t(s);
SELECT FROM_BASE64(s) FROM (VALUES ('!!!')) AS t(s);

-- function: toBase64
SELECT TO_BASE64(s) FROM (VALUES ('hello'), (''), ('é'), (CAST(NULL AS STRING))) AS t(s);

-- function: ascii
SELECT ASCII(s) FROM (VALUES ('abc'), ('A'), (''), ('é'), (CAST(NULL AS STRING))) AS t(s);

-- function: chr
SELECT CHR(n) FROM (VALUES (65), (97), (0), (255), (256), (321), (-1), (CAST(NULL AS INT))) AS t(n);
SELECT CHR(n) FROM (VALUES (CAST(66 AS BIGINT))) AS t(n);

-- function: decode
SELECT DECODE(b, 'UTF-8') FROM (VALUES (X'68656C6C6F'), (CAST(NULL AS BYTES))) AS t(b);
SELECT DECODE(b, c) FROM (VALUES (X'E9', 'ISO-8859-1'), (X'6869', 'US-ASCII'), (X'00680069', 'UTF-16BE'), (X'6869', CAST(NULL AS STRING))) AS t(b, c);
SELECT DECODE(b, 'NOPE') FROM (VALUES (X'6869')) AS t(b);

-- function: encode
SELECT ENCODE(s, 'UTF-8') FROM (VALUES ('hi'), ('é'), (CAST(NULL AS STRING))) AS t(s);
SELECT ENCODE(s, c) FROM (VALUES ('é', 'ISO-8859-1'), ('hi', 'UTF-16BE'), ('hi', 'UTF-16LE'), ('hi', 'US-ASCII'), ('hi', CAST(NULL AS STRING))) AS t(s, c);
SELECT ENCODE(s, 'NOPE') FROM (VALUES ('hi')) AS t(s);

-- function: instr
SELECT INSTR(a, b) FROM (VALUES ('abcabc', 'c'), ('abc', 'x'), ('abc', ''), ('aéb', 'b'), (CAST(NULL AS STRING), 'a'), ('a', CAST(NULL AS STRING))) AS t(a, b);

-- function: left
SELECT `LEFT`(s, n) FROM (VALUES ('abcdef', 3), ('abc', 10), ('abc', 0), ('abc', -1), (CAST(NULL AS STRING), 1), ('abc', CAST(NULL AS INT))) AS t(s, n);

-- function: right
SELECT `RIGHT`(s, n) FROM (VALUES ('abcdef', 3), ('abc', 10), ('abc', 0), ('abc', -1), (CAST(NULL AS STRING), 1), ('abc', CAST(NULL AS INT))) AS t(s, n);

-- function: locate
SELECT LOCATE(a, b) FROM (VALUES ('b', 'abcb'), ('x', 'abc'), ('', 'abc'), (CAST(NULL AS STRING), 'a'), ('a', CAST(NULL AS STRING))) AS t(a, b);
SELECT LOCATE(a, b, p) FROM (VALUES ('', 'abc', 10), ('b', 'abcb', 3), ('b', 'abcb', 1), ('b', 'abcb', 0), ('b', 'abcb', -1), ('b', 'abcb', 10), ('', 'abc', 2), ('b', 'abcb', CAST(NULL AS INT))) AS t(a, b, p);

-- function: parseUrl
SELECT PARSE_URL(u, 'HOST'), PARSE_URL(u, 'PATH'), PARSE_URL(u, 'QUERY'), PARSE_URL(u, 'REF'), PARSE_URL(u, 'PROTOCOL'), PARSE_URL(u, 'FILE'), PARSE_URL(u, 'AUTHORITY'), PARSE_URL(u, 'USERINFO') FROM (VALUES ('http://user:pw@facebook.com:8080/path/p1.php?query=1&k2=v2#Ref1'), ('https://example.org'), (CAST(NULL AS STRING))) AS t(u);
SELECT PARSE_URL(u, 'QUERY', k) FROM (VALUES ('http://a.com/p?query=1&k2=v2', 'query'), ('http://a.com/p?query=1&k2=v2', 'k2'), ('http://a.com/p?query=1&k2=v2', 'k3'), ('http://a.com/p', 'query'), ('http://a.com/p?query=1', CAST(NULL AS STRING))) AS t(u, k);
SELECT PARSE_URL(u, p) FROM (VALUES ('http://a.com/p', 'NOPE'), ('not a url', 'HOST'), ('http://a.com/p', CAST(NULL AS STRING))) AS t(u, p);

-- function: splitIndex
SELECT SPLIT_INDEX(s, ',', i) FROM (VALUES ('a,b,c', 0), ('a,b,c', 2), ('a,b,c', 3), ('a,b,c', -1), ('a,,c', 1), (CAST(NULL AS STRING), 0), ('a,b', CAST(NULL AS INT))) AS t(s, i);
SELECT SPLIT_INDEX(s, d, 1) FROM (VALUES ('a||b||c', '||'), ('a.b', '.'), ('abc', ''), ('ab', CAST(NULL AS STRING))) AS t(s, d);

-- function: strToMap
SELECT STR_TO_MAP(s) FROM (VALUES ('a=1,b=2'), ('k'), (''), (CAST(NULL AS STRING))) AS t(s);
SELECT STR_TO_MAP(s, ';', ':') FROM (VALUES ('a:1;b:2'), ('a:1;a:2')) AS t(s);
SELECT STR_TO_MAP(s, '[;|]', '=') FROM (VALUES ('a=1;b=2|c=3')) AS t(s);
SELECT STR_TO_MAP(s, ',', '=') FROM (VALUES ('a=1=2,b')) AS t(s);

-- function: SPLIT
SELECT SPLIT(s, d) FROM (VALUES ('a,b,c', ','), ('a,,c', ','), ('abc', ''), ('', ','), ('a||b', '||'), (CAST(NULL AS STRING), ','), ('a,b', CAST(NULL AS STRING)), (',a,', ',')) AS t(s, d);

-- function: reverse
SELECT REVERSE(s) FROM (VALUES ('abc'), ('héllo'), (''), (CAST(NULL AS STRING))) AS t(s);

-- function: TRANSLATE3
SELECT TRANSLATE(s, f, r) FROM (VALUES ('abcabc', 'ab', 'xy'), ('abcabc', 'abc', 'x'), ('abc', 'a', ''), ('abc', '', 'x'), ('aab', 'aa', 'xy'), (CAST(NULL AS STRING), 'a', 'b'), ('abc', CAST(NULL AS STRING), 'b'), ('abc', 'a', CAST(NULL AS STRING))) AS t(s, f, r);

-- function: ELT
SELECT ELT(i, 'a', 'b', 'c') FROM (VALUES (1), (3), (0), (4), (-1), (CAST(NULL AS INT))) AS t(i);
SELECT ELT(i, a, b) FROM (VALUES (2, 'x', CAST(NULL AS STRING)), (1, 'x', 'y')) AS t(i, a, b);

-- function: STARTSWITH
SELECT STARTSWITH(s, p) FROM (VALUES ('abc', 'ab'), ('abc', 'bc'), ('abc', ''), ('', 'a'), (CAST(NULL AS STRING), 'a'), ('a', CAST(NULL AS STRING))) AS t(s, p);
SELECT STARTSWITH(b, p) FROM (VALUES (X'0102', X'01'), (X'0102', X'02')) AS t(b, p);

-- function: ENDSWITH
SELECT ENDSWITH(s, p) FROM (VALUES ('abc', 'bc'), ('abc', 'ab'), ('abc', ''), (CAST(NULL AS STRING), 'a')) AS t(s, p);
SELECT ENDSWITH(b, p) FROM (VALUES (X'0102', X'02'), (X'0102', X'01')) AS t(b, p);

-- function: PRINTF
SELECT PRINTF('%s-%d', s, n) FROM (VALUES ('a', 1), (CAST(NULL AS STRING), 2), ('b', CAST(NULL AS INT))) AS t(s, n);
SELECT PRINTF(f) FROM (VALUES ('plain'), ('100%%'), (CAST(NULL AS STRING))) AS t(f);
SELECT PRINTF('%5s|%-5s|%05d|%x|%X|%o', s, s, n, n, n, n) FROM (VALUES ('ab', 255)) AS t(s, n);
SELECT PRINTF('%.2f|%10.3f|%e', d, d, d) FROM (VALUES (CAST(3.14159 AS DOUBLE))) AS t(d);
SELECT PRINTF('%s %s', s) FROM (VALUES ('a')) AS t(s);
SELECT PRINTF('%d', s) FROM (VALUES ('a')) AS t(s);
SELECT PRINTF('%b %c %%', b, s) FROM (VALUES (TRUE, 'x')) AS t(b, s);

-- function: URL_DECODE
SELECT URL_DECODE(s) FROM (VALUES ('a%20b%2Bc'), ('a+b'), ('%E6%97%A5'), ('%zz'), ('%'), ('plain'), (CAST(NULL AS STRING))) AS t(s);

-- function: URL_ENCODE
SELECT URL_ENCODE(s) FROM (VALUES ('a b+c&d=e/f'), ('日'), ('*-._~'), (''), (CAST(NULL AS STRING))) AS t(s);

-- function: hex
SELECT HEX(n) FROM (VALUES (255), (0), (-1), (CAST(NULL AS INT))) AS t(n);
SELECT HEX(s) FROM (VALUES ('abc'), ('é'), (''), (CAST(NULL AS STRING))) AS t(s);
SELECT HEX(n) FROM (VALUES (CAST(1234567890123 AS BIGINT))) AS t(n);

-- function: UNHEX
SELECT UNHEX(s) FROM (VALUES ('616263'), ('6'), ('zz'), (''), ('E9'), ('e9'), (CAST(NULL AS STRING))) AS t(s);
SELECT UNHEX(s) FROM (VALUES ('616'), ('6162F'), ('F')) AS t(s);

-- function: bin
SELECT BIN(n) FROM (VALUES (4), (0), (-1), (CAST(NULL AS INT))) AS t(n);
SELECT BIN(n) FROM (VALUES (CAST(12 AS BIGINT))) AS t(n);

-- function: uuid
SELECT CHAR_LENGTH(UUID()) FROM (VALUES (1), (2)) AS t(a);

-- function: LIKE
SELECT s LIKE 'a%' FROM (VALUES ('abc'), ('bac'), (''), (CAST(NULL AS STRING))) AS t(s);
SELECT s LIKE '_b_' FROM (VALUES ('abc'), ('ab'), ('xbyz')) AS t(s);
SELECT s NOT LIKE '%c' FROM (VALUES ('abc'), ('abd'), (CAST(NULL AS STRING))) AS t(s);
SELECT s LIKE 'a!%%' ESCAPE '!' FROM (VALUES ('a%b'), ('ab')) AS t(s);
SELECT s LIKE 'a\_b' FROM (VALUES ('a_b'), ('axb')) AS t(s);
SELECT s LIKE 'a.c' FROM (VALUES ('abc'), ('a.c')) AS t(s);
SELECT s LIKE 'a_b' FROM (VALUES ('a' || CHR(10) || 'b'), ('a\b')) AS t(s);
SELECT s LIKE '%b%' FROM (VALUES ('abc'), ('ac'), ('b')) AS t(s);
SELECT s LIKE 'a!b' ESCAPE '!' FROM (VALUES ('ab')) AS t(s);
SELECT s LIKE p FROM (VALUES ('abc', 'a%'), ('abc', CAST(NULL AS STRING)), ('a' || CHR(10) || 'b', 'a%b')) AS t(s, p);

-- function: similar
SELECT s SIMILAR TO '(ab|cd)%' FROM (VALUES ('abx'), ('cdy'), ('ef'), (CAST(NULL AS STRING))) AS t(s);
SELECT s SIMILAR TO 'a_c' FROM (VALUES ('abc'), ('xabc')) AS t(s);
SELECT s NOT SIMILAR TO '[a-c]+' FROM (VALUES ('abc'), ('abd')) AS t(s);
SELECT s SIMILAR TO 'ab|cd' FROM (VALUES ('ab'), ('cd'), ('abcd')) AS t(s);
SELECT s SIMILAR TO 'a.c' FROM (VALUES ('abc'), ('a.c')) AS t(s);
SELECT s SIMILAR TO 'a%b' FROM (VALUES ('a' || CHR(10) || 'b'), ('a$b')) AS t(s);
SELECT s SIMILAR TO 'a!%' ESCAPE '!' FROM (VALUES ('a%'), ('ab')) AS t(s);
SELECT s SIMILAR TO 'a$' FROM (VALUES ('a$'), ('a')) AS t(s);

-- Java regular expression semantics.
-- function: regexpReplace
SELECT REGEXP_REPLACE(s, '\w', 'x') FROM (VALUES ('é1_a'), (CAST(NULL AS STRING))) AS t(s);
SELECT REGEXP_REPLACE(s, '(a)\1', 'x') FROM (VALUES ('aab')) AS t(s);
-- function: regexpExtract
SELECT REGEXP_EXTRACT(s, '\Qa.b\E', 0) FROM (VALUES ('xa.by'), ('axb')) AS t(s);
-- function: regexp
SELECT REGEXP(s, 'a.b') FROM (VALUES ('a' || CHR(10) || 'b'), ('a' || CHR(13) || 'b'), ('axb')) AS t(s);
-- function: REGEXP_COUNT
SELECT REGEXP_COUNT(s, '\s') FROM (VALUES ('a b' || CHR(9) || 'c'), ('a' || CHR(160) || 'b')) AS t(s);
-- function: strToMap
SELECT STR_TO_MAP(s) FROM (VALUES ('zz=1,b=2,aa=3,k=4,x=5'), ('q=1,w=2,e=3,r=4,t=5,y=6,u=7,i=8,o=9,p=10,A=11,S=12,D=13,F=14,G=15,H=16,J=17')) AS t(s);
-- function: PRINTF
SELECT PRINTF('%.2f|%,d|%+d|%(d|%8.1e', d, n, n, m, d) FROM (VALUES (CAST(2.675 AS DOUBLE), 1234567, -3)) AS t(d, n, m);
-- function: md5
SELECT MD5(s) FROM (VALUES ('abc'), (''), ('日本'), (CAST(NULL AS STRING))) AS t(s);
-- function: sha1
SELECT SHA1(s) FROM (VALUES ('abc'), (''), (CAST(NULL AS STRING))) AS t(s);
-- function: sha224
SELECT SHA224(s) FROM (VALUES ('abc'), (CAST(NULL AS STRING))) AS t(s);
-- function: sha256
SELECT SHA256(s) FROM (VALUES ('abc'), ('日本'), (CAST(NULL AS STRING))) AS t(s);
-- function: sha384
SELECT SHA384(s) FROM (VALUES ('abc'), (CAST(NULL AS STRING))) AS t(s);
-- function: sha512
SELECT SHA512(s) FROM (VALUES ('abc'), (CAST(NULL AS STRING))) AS t(s);
-- function: sha2
SELECT SHA2(s, 224), SHA2(s, 256), SHA2(s, 384), SHA2(s, 512) FROM (VALUES ('abc'), (CAST(NULL AS STRING))) AS t(s);
SELECT SHA2(s, n) FROM (VALUES ('abc', 256), ('abc', 0), ('abc', CAST(NULL AS INT))) AS t(s, n);
SELECT SHA2(s, 1) FROM (VALUES ('abc')) AS t(s);
-- function: currentDatabase
SELECT CURRENT_DATABASE();
SELECT CHAR_LENGTH(CURRENT_DATABASE()) FROM (VALUES (1), (2)) AS t(a);
