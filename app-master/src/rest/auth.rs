//! Who may change a job through the REST API. Reads stay open, as in Flink; a cancel must
//! carry the application's secret as `Authorization: Bearer <secret>` (Flink's CLI sends
//! extra headers from `FLINK_REST_CLIENT_HEADERS`). A pure decision over the header value.

use weft_core::security::ClusterSecret;

/// Why a control request was refused, as one sentence for Flink's error body.
pub fn refusal(authorization: Option<&[u8]>, secret: &ClusterSecret) -> Option<String> {
    let what_to_do = "send the header 'Authorization: Bearer <secret>' with the application's secret (a local cluster keeps it in <io.tmp.dirs>/weft-local-*/cluster.secret; Flink's CLI sends it from FLINK_REST_CLIENT_HEADERS='Authorization:Bearer <secret>')";
    let Some(value) = authorization else {
        return Some(format!(
            "Cancelling a job needs the application's secret: {what_to_do}."
        ));
    };
    let presented = strip_bearer(value);
    match presented {
        Some(token) if secret.matches(token) => None,
        Some(_) => Some(format!(
            "The bearer token is not this application's secret: {what_to_do}."
        )),
        None => Some(format!(
            "The Authorization header is not a bearer token: {what_to_do}."
        )),
    }
}

/// The token of `Bearer <token>` (scheme case-insensitive, spaces around trimmed).
fn strip_bearer(value: &[u8]) -> Option<&[u8]> {
    let v = value.trim_ascii();
    if v.len() < 7 || !v[..6].eq_ignore_ascii_case(b"bearer") || !v[6].is_ascii_whitespace() {
        return None;
    }
    Some(v[7..].trim_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_applications_secret_as_a_bearer_token_passes() {
        let s = ClusterSecret::generate();
        let good = format!("Bearer {}", s.as_str());
        assert_eq!(refusal(Some(good.as_bytes()), &s), None);
        let lower = format!("  bearer   {} ", s.as_str());
        assert_eq!(refusal(Some(lower.as_bytes()), &s), None);

        let missing = refusal(None, &s).unwrap();
        assert!(
            missing.contains("needs the application's secret"),
            "{missing}"
        );
        assert!(missing.contains("FLINK_REST_CLIENT_HEADERS"), "{missing}");
        let other = format!("Bearer {}", ClusterSecret::generate().as_str());
        let wrong = refusal(Some(other.as_bytes()), &s).unwrap();
        assert!(wrong.contains("not this application's secret"), "{wrong}");
        let basic = refusal(Some(b"Basic abc"), &s).unwrap();
        assert!(basic.contains("not a bearer token"), "{basic}");
        assert!(refusal(Some(s.as_str().as_bytes()), &s).is_some());
    }
}
