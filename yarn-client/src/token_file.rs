//! Hadoop `Credentials` token files, as YARN writes them for containers
//! (`HADOOP_TOKEN_FILE_LOCATION`): magic `"HDTS"`, a version byte, then either
//! - version 0: Writable — vint count, (Text alias, Token) pairs, vint count, (Text alias,
//!   vint length + bytes) secrets; a Token is vint-length identifier and password, Text kind,
//!   Text service;
//! - version 1: a varint-delimited `CredentialsProto`.

use bytes::{Buf, BufMut, BytesMut};
use prost::Message;

use crate::error::{Result, YarnError};
use crate::proto::common::{CredentialsKvProto, CredentialsProto, TokenProto};

/// Environment variable YARN sets to the container's token file.
pub const TOKEN_FILE_ENV: &str = "HADOOP_TOKEN_FILE_LOCATION";
/// Kind of the token an ApplicationMaster authenticates to the RM scheduler with.
pub const AM_RM_TOKEN_KIND: &str = "YARN_AM_RM_TOKEN";
/// Kind of the per-node tokens for NodeManagers.
pub const NM_TOKEN_KIND: &str = "NMToken";

const MAGIC: &[u8; 4] = b"HDTS";

/// A Hadoop security token.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    pub identifier: Vec<u8>,
    pub password: Vec<u8>,
    pub kind: String,
    pub service: String,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the password.
        f.debug_struct("Token")
            .field("kind", &self.kind)
            .field("service", &self.service)
            .field("identifier_len", &self.identifier.len())
            .finish()
    }
}

impl From<TokenProto> for Token {
    fn from(t: TokenProto) -> Self {
        Token {
            identifier: t.identifier,
            password: t.password,
            kind: t.kind,
            service: t.service,
        }
    }
}

impl From<&Token> for TokenProto {
    fn from(t: &Token) -> Self {
        TokenProto {
            identifier: t.identifier.clone(),
            password: t.password.clone(),
            kind: t.kind.clone(),
            service: t.service.clone(),
        }
    }
}

/// The tokens and secret keys of a Credentials file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credentials {
    pub tokens: Vec<(String, Token)>,
    pub secrets: Vec<(String, Vec<u8>)>,
}

impl Credentials {
    /// Reads the file named by `HADOOP_TOKEN_FILE_LOCATION`, if set.
    pub fn from_env() -> Result<Option<Credentials>> {
        match std::env::var_os(TOKEN_FILE_ENV) {
            Some(p) => Credentials::read_file(std::path::Path::new(&p)).map(Some),
            None => Ok(None),
        }
    }

    pub fn read_file(path: &std::path::Path) -> Result<Credentials> {
        let err = |problem: String| YarnError::TokenFile {
            path: path.display().to_string(),
            problem,
        };
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        Credentials::parse(&bytes).map_err(err)
    }

    /// Parses either storage version.
    pub fn parse(bytes: &[u8]) -> std::result::Result<Credentials, String> {
        if bytes.len() < 5 || &bytes[..4] != MAGIC {
            return Err("not a Hadoop token file (no \"HDTS\" header)".into());
        }
        let mut buf = &bytes[5..];
        match bytes[4] {
            0 => parse_writable(&mut buf),
            1 => {
                let proto = CredentialsProto::decode_length_delimited(&mut buf)
                    .map_err(|e| format!("bad CredentialsProto: {e}"))?;
                Ok(Credentials {
                    tokens: proto
                        .tokens
                        .into_iter()
                        .filter_map(|kv| kv.token.map(|t| (kv.alias, Token::from(t))))
                        .collect(),
                    secrets: proto
                        .secrets
                        .into_iter()
                        .map(|kv| (kv.alias, kv.secret.unwrap_or_default()))
                        .collect(),
                })
            }
            v => Err(format!("unknown token storage version {v}")),
        }
    }

    /// The first token of the given kind (e.g. [`AM_RM_TOKEN_KIND`]).
    pub fn token_by_kind(&self, kind: &str) -> Option<&Token> {
        self.tokens.iter().map(|(_, t)| t).find(|t| t.kind == kind)
    }

    /// Version 1 (protobuf), what Hadoop 3 writes.
    pub fn to_proto_bytes(&self) -> Vec<u8> {
        let proto = CredentialsProto {
            tokens: self
                .tokens
                .iter()
                .map(|(alias, t)| CredentialsKvProto {
                    alias: alias.clone(),
                    token: Some(t.into()),
                    secret: None,
                })
                .collect(),
            secrets: self
                .secrets
                .iter()
                .map(|(alias, s)| CredentialsKvProto {
                    alias: alias.clone(),
                    token: None,
                    secret: Some(s.clone()),
                })
                .collect(),
        };
        let mut out = MAGIC.to_vec();
        out.push(1);
        out.extend(proto.encode_length_delimited_to_vec());
        out
    }

    /// Version 0 (Writable), the legacy format.
    pub fn to_writable_bytes(&self) -> Vec<u8> {
        let mut out = BytesMut::new();
        out.put_slice(MAGIC);
        out.put_u8(0);
        write_vint(&mut out, self.tokens.len() as i64);
        for (alias, t) in &self.tokens {
            write_bytes(&mut out, alias.as_bytes());
            write_bytes(&mut out, &t.identifier);
            write_bytes(&mut out, &t.password);
            write_bytes(&mut out, t.kind.as_bytes());
            write_bytes(&mut out, t.service.as_bytes());
        }
        write_vint(&mut out, self.secrets.len() as i64);
        for (alias, s) in &self.secrets {
            write_bytes(&mut out, alias.as_bytes());
            write_bytes(&mut out, s);
        }
        out.to_vec()
    }
}

fn parse_writable(buf: &mut &[u8]) -> std::result::Result<Credentials, String> {
    let mut creds = Credentials::default();
    let n = read_count(buf, "token count")?;
    for i in 0..n {
        let alias = read_text(buf, &format!("alias of token {i}"))?;
        let identifier = read_bytes(buf, "token identifier")?;
        let password = read_bytes(buf, "token password")?;
        let kind = read_text(buf, "token kind")?;
        let service = read_text(buf, "token service")?;
        creds.tokens.push((
            alias,
            Token {
                identifier,
                password,
                kind,
                service,
            },
        ));
    }
    let n = read_count(buf, "secret count")?;
    for i in 0..n {
        let alias = read_text(buf, &format!("alias of secret {i}"))?;
        let value = read_bytes(buf, "secret value")?;
        creds.secrets.push((alias, value));
    }
    Ok(creds)
}

fn read_count(buf: &mut &[u8], what: &str) -> std::result::Result<usize, String> {
    let n = read_vint(buf).ok_or_else(|| format!("truncated {what}"))?;
    usize::try_from(n).map_err(|_| format!("negative {what} {n}"))
}

fn read_bytes(buf: &mut &[u8], what: &str) -> std::result::Result<Vec<u8>, String> {
    let len = read_count(buf, &format!("length of {what}"))?;
    if buf.remaining() < len {
        return Err(format!(
            "truncated {what}: {len} bytes announced, {} left",
            buf.remaining()
        ));
    }
    let out = buf[..len].to_vec();
    buf.advance(len);
    Ok(out)
}

fn read_text(buf: &mut &[u8], what: &str) -> std::result::Result<String, String> {
    String::from_utf8(read_bytes(buf, what)?).map_err(|_| format!("{what} is not UTF-8"))
}

fn write_bytes(out: &mut BytesMut, b: &[u8]) {
    write_vint(out, b.len() as i64);
    out.put_slice(b);
}

/// Hadoop `WritableUtils.writeVLong`: one byte for -112..=127, else a length byte then
/// big-endian magnitude bytes (one's complement for negatives).
pub fn write_vint(out: &mut BytesMut, value: i64) {
    if (-112..=127).contains(&value) {
        out.put_i8(value as i8);
        return;
    }
    let (mut len, magnitude) = if value < 0 {
        (-120i8, !value)
    } else {
        (-112i8, value)
    };
    let bytes = 8 - (magnitude.leading_zeros() as usize / 8);
    len -= bytes as i8;
    out.put_i8(len);
    for i in (0..bytes).rev() {
        out.put_u8((magnitude >> (i * 8)) as u8);
    }
}

/// Hadoop `WritableUtils.readVLong`.
pub fn read_vint(buf: &mut &[u8]) -> Option<i64> {
    if !buf.has_remaining() {
        return None;
    }
    let first = buf.get_i8();
    if first >= -112 {
        return Some(first as i64);
    }
    let negative = first < -120;
    let size = if negative {
        -119 - first as i32
    } else {
        -111 - first as i32
    } as usize;
    let n = size - 1;
    if buf.remaining() < n {
        return None;
    }
    let mut v: i64 = 0;
    for _ in 0..n {
        v = (v << 8) | buf.get_u8() as i64;
    }
    Some(if negative { !v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(kind: &str) -> Token {
        Token {
            identifier: vec![0, 1, 2, 200],
            password: (0u8..=255).collect(),
            kind: kind.into(),
            service: "127.0.0.1:8030".into(),
        }
    }

    #[test]
    fn vint_matches_hadoop_encoding() {
        let cases: &[(i64, &[u8])] = &[
            (0, &[0x00]),
            (127, &[0x7F]),
            (-112, &[0x90]),
            (128, &[0x8F, 0x80]),
            (255, &[0x8F, 0xFF]),
            (256, &[0x8E, 0x01, 0x00]),
            (-113, &[0x87, 0x70]),
        ];
        for (v, bytes) in cases {
            let mut out = BytesMut::new();
            write_vint(&mut out, *v);
            assert_eq!(&out[..], *bytes, "encode {v}");
            let mut b: &[u8] = bytes;
            assert_eq!(read_vint(&mut b), Some(*v), "decode {v}");
        }
    }

    /// Version 0 bytes built by hand, field by field, as Java's `Credentials.write` does.
    #[test]
    fn parses_writable_format() {
        let mut f = b"HDTS\x00".to_vec();
        f.push(1); // one token
        f.extend([16]);
        f.extend(b"YARN_AM_RM_TOKEN".as_slice()); // alias (Text)
        f.extend([3, 9, 8, 7]); // identifier
        f.extend([0x8F, 200]); // password length 200 (two-byte vint)
        f.extend(std::iter::repeat_n(0x55, 200));
        f.extend([16]);
        f.extend(b"YARN_AM_RM_TOKEN".as_slice()); // kind
        f.extend([14]);
        f.extend(b"127.0.0.1:8030".as_slice()); // service
        f.push(1); // one secret
        f.extend([1, b's', 2, 0xAA, 0xBB]);
        let c = Credentials::parse(&f).unwrap();
        let t = c.token_by_kind(AM_RM_TOKEN_KIND).unwrap();
        assert_eq!(t.identifier, vec![9, 8, 7]);
        assert_eq!(t.password, vec![0x55; 200]);
        assert_eq!(t.service, "127.0.0.1:8030");
        assert_eq!(c.secrets, vec![("s".to_string(), vec![0xAA, 0xBB])]);
        assert_eq!(c.to_writable_bytes(), f);
    }

    /// Version 1 bytes built from the protobuf messages directly.
    #[test]
    fn parses_proto_format() {
        let proto = CredentialsProto {
            tokens: vec![
                CredentialsKvProto {
                    alias: "nm".into(),
                    token: Some((&token(NM_TOKEN_KIND)).into()),
                    secret: None,
                },
                CredentialsKvProto {
                    alias: "amrm".into(),
                    token: Some((&token(AM_RM_TOKEN_KIND)).into()),
                    secret: None,
                },
            ],
            secrets: vec![],
        };
        let mut f = b"HDTS\x01".to_vec();
        f.extend(proto.encode_length_delimited_to_vec());
        let c = Credentials::parse(&f).unwrap();
        assert_eq!(c.tokens.len(), 2);
        assert_eq!(
            c.token_by_kind(AM_RM_TOKEN_KIND),
            Some(&token(AM_RM_TOKEN_KIND))
        );
        assert_eq!(c.tokens[0].0, "nm");
        assert!(c.token_by_kind("HDFS_DELEGATION_TOKEN").is_none());
        assert_eq!(c.to_proto_bytes(), f);
    }

    #[test]
    fn rejects_bad_files() {
        assert!(
            Credentials::parse(b"HDTX\x01")
                .unwrap_err()
                .contains("HDTS")
        );
        assert!(
            Credentials::parse(b"HDTS\x07\x00")
                .unwrap_err()
                .contains("version 7")
        );
        let err = Credentials::parse(b"HDTS\x00\x01\x05ab").unwrap_err();
        assert!(err.contains("truncated"), "{err}");
    }

    #[test]
    fn read_file_error_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("container_tokens");
        std::fs::write(&p, b"garbage").unwrap();
        let err = Credentials::read_file(&p).unwrap_err().to_string();
        assert!(
            err.contains("container_tokens") && err.contains("HDTS"),
            "{err}"
        );
    }
}
