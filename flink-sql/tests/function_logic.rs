//! The pure decisions behind some of Flink's functions (type widening, rounding, Java's
//! random numbers), checked without planning a query. (A test target rather than unit tests:
//! it runs with `cargo test --workspace --test function_logic`.)

use arrow::datatypes::{DataType, TimeUnit};
use weft_flink_sql::functions::conditional::widen::common_type;
use weft_flink_sql::functions::math::random::JavaRandom;
use weft_flink_sql::functions::math::round::{
    round_decimal, round_decimal_type, round_double, round_int,
};

use DataType::*;

#[test]
fn exact_numerics_widen_as_flink_does() {
    assert_eq!(common_type(&[Int32, Int64]), Some(Int64));
    assert_eq!(common_type(&[Int8, Int16, Int8]), Some(Int16));
    // INT is DECIMAL(10, 0): 10 whole digits and scale 1
    assert_eq!(
        common_type(&[Int32, Decimal128(2, 1)]),
        Some(Decimal128(11, 1))
    );
    assert_eq!(
        common_type(&[Decimal128(5, 2), Decimal128(10, 4)]),
        Some(Decimal128(10, 4))
    );
    // at most 38 digits: the whole digits are kept, the scale gives way
    assert_eq!(
        common_type(&[Decimal128(38, 0), Decimal128(10, 5)]),
        Some(Decimal128(38, 0))
    );
    assert_eq!(
        common_type(&[Int64, Decimal128(38, 30)]),
        Some(Decimal128(38, 19))
    );
}

#[test]
fn approximate_numerics_and_nulls_widen() {
    assert_eq!(common_type(&[Int32, Float64]), Some(Float64));
    assert_eq!(common_type(&[Decimal128(2, 1), Float64]), Some(Float64));
    assert_eq!(common_type(&[Float32, Int64]), Some(Float32));
    assert_eq!(common_type(&[Float32, Float64]), Some(Float64));
    assert_eq!(common_type(&[Null, Int32, Null]), Some(Int32));
    assert_eq!(common_type(&[Null]), Some(Null));
}

#[test]
fn other_types_widen_only_within_their_kind() {
    assert_eq!(common_type(&[Int32, Utf8]), None);
    assert_eq!(common_type(&[Utf8View, Utf8]), Some(Utf8));
    assert_eq!(common_type(&[Boolean, Int32]), None);
    assert_eq!(
        common_type(&[Date32, Timestamp(TimeUnit::Millisecond, None)]),
        Some(Timestamp(TimeUnit::Millisecond, None))
    );
    assert_eq!(common_type(&[Date32, Utf8]), None);
}

#[test]
fn doubles_round_half_up_on_their_decimal_text() {
    let r = |v, d| round_double(v, d, false);
    assert_eq!(r(2.5, 0), 3.0);
    assert_eq!(r(-2.5, 0), -3.0);
    // the binary 1.45 is below 1.45, its text is not
    assert_eq!(r(1.45, 1), 1.5);
    assert_eq!(r(15.55, 1), 15.6);
    assert_eq!(r(15.55, -1), 20.0);
    assert_eq!(r(9.99, 1), 10.0);
    assert_eq!(r(0.004, 2), 0.0);
    assert_eq!(r(0.005, 2), 0.01);
    assert_eq!(r(0.6, 0), 1.0);
    assert_eq!(r(123.0, 5), 123.0);
    // BigDecimal has no negative zero
    assert!(r(-2.5, -1).is_sign_positive());
    assert_eq!(r(1.0e300, -299), 1.0e300);
    assert!(r(f64::NAN, 1).is_nan());
}

#[test]
fn doubles_truncate_toward_zero() {
    let t = |v, d| round_double(v, d, true);
    assert_eq!(t(2.57, 0), 2.0);
    assert_eq!(t(-2.57, 1), -2.5);
    assert_eq!(t(15.55, -1), 10.0);
    assert_eq!(t(-2.57, -1), 0.0);
}

#[test]
fn integers_and_decimals_round_and_truncate() {
    assert_eq!(round_int(15, -1, false), 20);
    assert_eq!(round_int(-15, -1, false), -20);
    assert_eq!(round_int(-15, -1, true), -10);
    assert_eq!(round_int(15, 2, false), 15);
    // INT wraps as Java's intValue()
    assert_eq!(round_int(2147483647, -1, false) as i32, -2147483646);
    // 12.345 at scale 3
    assert_eq!(round_decimal(12345, 3, 1, 1, false), Some(123));
    assert_eq!(round_decimal(-12355, 3, 1, 1, false), Some(-124));
    assert_eq!(round_decimal(-12355, 3, 1, 1, true), Some(-123));
    assert_eq!(round_decimal(12345, 3, -1, 0, false), Some(10));
    assert_eq!(round_decimal(-12355, 3, -1, 0, true), Some(-10));
    assert_eq!(round_decimal(99999, 3, 2, 2, false), Some(10000));
    assert_eq!(round_decimal(12345, 3, 3, 3, false), Some(12345));
}

#[test]
fn decimal_round_types_are_flinks() {
    assert_eq!(round_decimal_type(5, 3, 0), (3, 0));
    assert_eq!(round_decimal_type(5, 3, 1), (4, 1));
    assert_eq!(round_decimal_type(5, 3, -1), (3, 0));
    assert_eq!(round_decimal_type(5, 3, 3), (5, 3));
    // rounding may add a digit: 99.999 -> 100.00
    assert_eq!(round_decimal_type(5, 3, 2), (5, 2));
}

#[test]
fn java_random_sequences() {
    // new Random(42).nextDouble(), twice; new Random(1) and new Random(2) once
    let mut r = JavaRandom::new(42);
    assert_eq!(r.next_double(), 0.7275636800328681);
    assert_eq!(r.next_double(), 0.6832234717598454);
    assert_eq!(JavaRandom::new(1).next_double(), 0.7308781907032909);
    assert_eq!(JavaRandom::new(2).next_double(), 0.7311469360199058);
    let mut r = JavaRandom::new(42);
    let ints: Vec<i32> = (0..3).map(|_| r.next_int(10)).collect();
    assert_eq!(ints, vec![0, 3, 8]);
    // a power of two bound takes the high bits
    let mut r = JavaRandom::new(42);
    assert!((0..100).all(|_| (0..16).contains(&r.next_int(16))));
}

#[test]
fn ipv4_addresses_as_mysql_reads_them() {
    use weft_flink_sql::functions::conversion::inet::{inet_aton, inet_ntoa};
    assert_eq!(inet_aton("127.0.0.1"), Some(2130706433));
    assert_eq!(inet_aton("10.0.0.256"), None);
    assert_eq!(inet_aton("1.2.3"), Some(16908291));
    assert_eq!(inet_aton("1.2"), Some(16777218));
    assert_eq!(inet_aton("abc"), None);
    assert_eq!(inet_aton("1..2"), None);
    assert_eq!(inet_aton("255.255.255.255"), Some(4294967295));
    assert_eq!(inet_ntoa(2130706433).as_deref(), Some("127.0.0.1"));
    assert_eq!(inet_ntoa(-1), None);
    assert_eq!(inet_ntoa(4294967296), None);
}

#[test]
fn sql_text_rewrites_flink_syntax_sqlparser_lacks() {
    use weft_flink_sql::sql_text::rewrite;
    assert_eq!(
        rewrite("SELECT TRIM(LEADING FROM s), TRIM(BOTH 'x' FROM s)"),
        "SELECT TRIM(LEADING ' ' FROM s), TRIM(BOTH 'x' FROM s)"
    );
    assert_eq!(
        rewrite("SELECT CAST(s AS BYTES), 'AS BYTES'"),
        "SELECT CAST(s AS BYTEA), 'AS BYTES'"
    );
    assert_eq!(
        rewrite("SELECT a NOT BETWEEN SYMMETRIC f(3, 4) AND 1 AND b"),
        "SELECT a NOT BETWEEN flink_between_symmetric( f(3, 4)) AND 1 AND b"
    );
}

#[test]
fn sum0_is_renamed_in_the_sql_text() {
    use weft_flink_sql::sql_text::rewrite;
    assert_eq!(
        rewrite("SELECT $SUM0(a), '$SUM0(a)' FROM t"),
        "SELECT flink_sum0(a), '$SUM0(a)' FROM t"
    );
}

#[test]
fn doubles_cast_to_decimal_half_up_on_their_text() {
    use weft_flink_sql::functions::aggregate::variance::double_to_decimal;
    assert_eq!(double_to_decimal(1.2472191289246473, 6), Some(1247219));
    assert_eq!(double_to_decimal(0.0000005, 6), Some(1));
    assert_eq!(double_to_decimal(-2.5, 0), Some(-3));
    assert_eq!(double_to_decimal(1e30, 6), Some(10i128.pow(36)));
    assert_eq!(double_to_decimal(1e40, 0), None);
    assert_eq!(double_to_decimal(f64::NAN, 2), None);
}

#[test]
fn json_exists_behaviours_become_an_argument() {
    use weft_flink_sql::sql_text::rewrite;
    assert_eq!(
        rewrite("SELECT JSON_EXISTS(s, '$.a' UNKNOWN ON ERROR), JSON_EXISTS(s, f('x'))"),
        "SELECT JSON_EXISTS(s, '$.a' , 'UNKNOWN'), JSON_EXISTS(s, f('x'))"
    );
}

#[test]
fn is_json_predicates_become_calls() {
    use weft_flink_sql::functions::json::is_json::is_json;
    use weft_flink_sql::sql_text::rewrite;
    assert_eq!(
        rewrite("SELECT s IS JSON, s IS NOT JSON OBJECT FROM t"),
        "SELECT s IS NOT DISTINCT FROM flink_json_kind('VALUE'), s IS DISTINCT FROM flink_json_kind('OBJECT') FROM t"
    );
    assert!(is_json("null", "SCALAR"));
    assert!(is_json("[1]", "ARRAY"));
    assert!(!is_json("[1]", "OBJECT"));
    assert!(!is_json("bad", "VALUE"));
}

#[test]
fn json_object_key_words_are_dropped() {
    use weft_flink_sql::sql_text::rewrite;
    assert_eq!(
        rewrite("SELECT JSON_OBJECT(KEY 'a' VALUE 1, KEY 'b' VALUE f(KEY)), g(KEY)"),
        "SELECT JSON_OBJECT( 'a' VALUE 1,  'b' VALUE f(KEY)), g(KEY)"
    );
}

#[test]
fn percentiles_interpolate_at_flinks_positions() {
    use weft_flink_sql::functions::aggregate::percentile::percentiles;
    let v = [(10.0, 1), (20.0, 1), (30.0, 1)];
    assert_eq!(percentiles(&v, 3, &[0.9]), vec![27.999999999999996]);
    assert_eq!(percentiles(&v, 3, &[0.0, 0.5, 1.0]), vec![10.0, 20.0, 30.0]);
    // frequencies: 1 three times, 10 once
    assert_eq!(percentiles(&[(1.0, 3), (10.0, 1)], 4, &[0.5]), vec![1.0]);
    assert_eq!(
        percentiles(&[(1.0, 1), (2.0, 1), (3.0, 1), (4.0, 1)], 4, &[0.25]),
        vec![1.75]
    );
}

#[test]
fn json_behaviours_become_arguments() {
    use weft_flink_sql::sql_text::rewrite;
    assert_eq!(
        rewrite("SELECT JSON_VALUE(s, 'lax $.a' DEFAULT 'm' ON EMPTY DEFAULT f(1) ON ERROR)"),
        "SELECT JSON_VALUE(s, 'lax $.a' , flink_json_behaviours('WITHOUT', 'DEFAULT', 'm', 'DEFAULT', f(1)))"
    );
    assert_eq!(
        rewrite(
            "SELECT JSON_QUERY(s, '$.a' RETURNING ARRAY<STRING> WITH CONDITIONAL ARRAY WRAPPER EMPTY OBJECT ON ERROR)"
        ),
        "SELECT JSON_QUERY(s, '$.a' , flink_json_behaviours('CONDITIONAL', 'NULL', NULL, 'EMPTY OBJECT', NULL) RETURNING ARRAY<STRING>)"
    );
    // RETURNING alone stays sqlparser's
    assert_eq!(
        rewrite("SELECT JSON_VALUE(s, '$.a' RETURNING STRING)"),
        "SELECT JSON_VALUE(s, '$.a' RETURNING STRING)"
    );
}

#[tokio::test]
async fn json_path_length_is_jayways() {
    use arrow::array::{Array, AsArray};
    let ctx = weft_flink_sql::flink_context(datafusion::prelude::SessionConfig::new());
    let plan = weft_flink_sql::plan_sql(
        &ctx.state(),
        "SELECT JSON_VALUE(s, '$.a.length()'), JSON_VALUE(s, '$.b.length()'), JSON_VALUE(s, '$..c.length()') FROM (VALUES ('{\"a\":[1,2,3],\"b\":\"x\",\"c\":1}')) AS t(s)",
    )
    .await
    .unwrap();
    let b = ctx
        .execute_logical_plan(plan)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let col = |c: usize| b[0].column(c).as_string::<i32>().clone();
    assert_eq!(col(0).value(0), "3");
    assert!(col(1).is_null(0));
    assert_eq!(col(2).value(0), "1");
}
