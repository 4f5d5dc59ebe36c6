//! The client side of SASL DIGEST-MD5 (RFC 2831), quality of protection "auth" only —
//! what Hadoop uses for token authentication when `hadoop.rpc.protection=authentication`.
//! Pure functions over byte strings: no I/O.

use md5::{Digest, Md5};

/// A parsed server challenge (`realm="..",nonce="..",qop="auth",charset=utf-8,algorithm=md5-sess`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Challenge {
    pub realms: Vec<String>,
    pub nonce: String,
    pub qops: Vec<String>,
    pub charset_utf8: bool,
    pub algorithm: String,
    /// The `rspauth` value, present only in the server's final message.
    pub rspauth: Option<String>,
}

/// Parses a comma-separated list of `key=value` / `key="quoted value"` directives.
pub fn parse_directives(input: &[u8]) -> Result<Vec<(String, String)>, String> {
    let s = std::str::from_utf8(input).map_err(|_| "challenge is not UTF-8".to_string())?;
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while matches!(chars.peek(), Some(c) if c.is_whitespace() || *c == ',') {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(out);
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if chars.next() != Some('=') {
            return Err(format!("directive {key:?} has no value"));
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('\\') => value.extend(chars.next()),
                    Some('"') => break,
                    Some(c) => value.push(c),
                    None => return Err(format!("unterminated quoted value for {key:?}")),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        out.push((key.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
}

impl Challenge {
    pub fn parse(input: &[u8]) -> Result<Self, String> {
        let mut c = Challenge::default();
        for (k, v) in parse_directives(input)? {
            match k.as_str() {
                "realm" => c.realms.push(v),
                "nonce" => c.nonce = v,
                "qop" => c.qops = v.split(',').map(|q| q.trim().to_string()).collect(),
                "charset" => c.charset_utf8 = v.eq_ignore_ascii_case("utf-8"),
                "algorithm" => c.algorithm = v,
                "rspauth" => c.rspauth = Some(v),
                _ => {}
            }
        }
        if c.rspauth.is_none() {
            if c.nonce.is_empty() {
                return Err("challenge has no nonce".into());
            }
            if c.qops.is_empty() {
                c.qops.push("auth".into());
            }
        }
        Ok(c)
    }
}

/// A DIGEST-MD5 client for one authentication exchange.
#[derive(Debug, Clone)]
pub struct DigestMd5Client {
    pub username: String,
    pub password: String,
    /// `protocol/server` of the digest-uri; Hadoop uses protocol "" and server "default".
    pub digest_uri: String,
    pub cnonce: String,
    /// Expected `rspauth` once a response was made.
    expected_rspauth: Option<String>,
}

const NC: &str = "00000001";

impl DigestMd5Client {
    pub fn new(username: String, password: String, protocol: &str, server_id: &str) -> Self {
        use base64::Engine;
        let nonce: [u8; 24] = rand::random();
        DigestMd5Client {
            username,
            password,
            digest_uri: format!("{protocol}/{server_id}"),
            cnonce: base64::engine::general_purpose::STANDARD.encode(nonce),
            expected_rspauth: None,
        }
    }

    /// Answers the server's first challenge.
    pub fn respond(&mut self, challenge: &[u8]) -> Result<Vec<u8>, String> {
        let c = Challenge::parse(challenge)?;
        if !c.qops.iter().any(|q| q == "auth") {
            return Err(format!(
                "server demands qop {:?}; only \"auth\" (hadoop.rpc.protection=authentication) is supported",
                c.qops
            ));
        }
        if !c.algorithm.is_empty() && !c.algorithm.eq_ignore_ascii_case("md5-sess") {
            return Err(format!("unsupported algorithm {:?}", c.algorithm));
        }
        let realm = c.realms.first().cloned().unwrap_or_default();
        let response = response_value(
            &self.username,
            &realm,
            &self.password,
            &c.nonce,
            &self.cnonce,
            NC,
            "auth",
            &format!("AUTHENTICATE:{}", self.digest_uri),
        );
        self.expected_rspauth = Some(response_value(
            &self.username,
            &realm,
            &self.password,
            &c.nonce,
            &self.cnonce,
            NC,
            "auth",
            &format!(":{}", self.digest_uri),
        ));
        let mut out = String::new();
        if c.charset_utf8 {
            out.push_str("charset=utf-8,");
        }
        out.push_str(&format!(
            "username=\"{}\",realm=\"{}\",nonce=\"{}\",nc={NC},cnonce=\"{}\",digest-uri=\"{}\",maxbuf=65536,response={response},qop=auth",
            quote(&self.username),
            quote(&realm),
            quote(&c.nonce),
            quote(&self.cnonce),
            quote(&self.digest_uri),
        ));
        Ok(out.into_bytes())
    }

    /// Checks the server's final `rspauth=...` (proof that it knows the password too).
    pub fn verify_rspauth(&self, message: &[u8]) -> Result<(), String> {
        let c = Challenge::parse(message)?;
        match (c.rspauth, &self.expected_rspauth) {
            (Some(got), Some(want)) if got.eq_ignore_ascii_case(want) => Ok(()),
            (Some(_), Some(_)) => {
                Err("server's rspauth does not match: it does not hold the token's password".into())
            }
            (None, _) => Err("server's final message has no rspauth".into()),
            (_, None) => Err("rspauth before any response".into()),
        }
    }
}

fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn md5(data: &[u8]) -> [u8; 16] {
    Md5::digest(data).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// RFC 2831 §2.1.2.1 response-value for qop "auth" (algorithm md5-sess, no authzid).
#[allow(clippy::too_many_arguments)]
pub fn response_value(
    username: &str,
    realm: &str,
    password: &str,
    nonce: &str,
    cnonce: &str,
    nc: &str,
    qop: &str,
    a2: &str,
) -> String {
    let mut a1 = md5(format!("{username}:{realm}:{password}").as_bytes()).to_vec();
    a1.extend_from_slice(format!(":{nonce}:{cnonce}").as_bytes());
    let ha1 = hex(&md5(&a1));
    let ha2 = hex(&md5(a2.as_bytes()));
    hex(&md5(
        format!("{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}").as_bytes()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 2831 §4, the IMAP example.
    const CHALLENGE: &[u8] = b"realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth\",algorithm=md5-sess,charset=utf-8";

    fn rfc_client() -> DigestMd5Client {
        let mut c = DigestMd5Client::new(
            "chris".into(),
            "secret".into(),
            "imap",
            "elwood.innosoft.com",
        );
        c.cnonce = "OA6MHXh6VqTrRk".into();
        c
    }

    #[test]
    fn rfc2831_response_vector() {
        let mut client = rfc_client();
        let resp = String::from_utf8(client.respond(CHALLENGE).unwrap()).unwrap();
        assert!(
            resp.contains("response=d388dad90d4bbd760a152321f2143af7"),
            "{resp}"
        );
        assert!(resp.contains("digest-uri=\"imap/elwood.innosoft.com\""));
        assert!(resp.contains("nc=00000001"));
        assert!(resp.contains("qop=auth"));
        assert!(resp.starts_with("charset=utf-8,"));
    }

    #[test]
    fn rfc2831_rspauth_vector() {
        let mut client = rfc_client();
        client.respond(CHALLENGE).unwrap();
        client
            .verify_rspauth(b"rspauth=ea40f60335c427b5527b84dbabcdfffd")
            .unwrap();
        assert!(
            client
                .verify_rspauth(b"rspauth=00000000000000000000000000000000")
                .is_err()
        );
    }

    #[test]
    fn hadoop_style_challenge() {
        let ch =
            b"realm=\"default\",nonce=\"x+y/z==\",qop=\"auth\",charset=utf-8,algorithm=md5-sess";
        let mut client = DigestMd5Client::new("aWQ=".into(), "cHc=".into(), "", "default");
        let resp = String::from_utf8(client.respond(ch).unwrap()).unwrap();
        assert!(resp.contains("digest-uri=\"/default\""));
        assert!(resp.contains("realm=\"default\""));
        assert!(resp.contains("username=\"aWQ=\""));
    }

    #[test]
    fn refuses_integrity_only_servers() {
        let ch = b"realm=\"default\",nonce=\"n\",qop=\"auth-conf\",algorithm=md5-sess";
        let mut client = DigestMd5Client::new("u".into(), "p".into(), "", "default");
        let err = client.respond(ch).unwrap_err();
        assert!(err.contains("auth-conf"), "{err}");
    }

    #[test]
    fn parses_quoted_and_bare_values() {
        let d = parse_directives(b"a=1, b=\"x,y\" ,c=\"q\\\"q\"").unwrap();
        assert_eq!(
            d,
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x,y".into()),
                ("c".into(), "q\"q".into())
            ]
        );
        assert!(parse_directives(b"a=\"open").is_err());
    }
}
