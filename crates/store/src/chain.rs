//! The hash chain: each journal row's hash covers the previous row's hash and the digest of the row's content — its
//! position, its metadata, its core (canonical JSON without personal data) and the digest of its personal part.
//! Erasing personal data keeps the digest, so the chain still verifies; changing any stored byte of the core or
//! metadata breaks it. The content digests do not depend on each other, so a large import computes them in
//! parallel; only the short link step runs in order.

use sha2::{Digest, Sha256};

/// The hash before the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The chained fields of one journal row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link<'a> {
    pub prev_hash: &'a str,
    pub seq: i64,
    pub event_id: &'a str,
    pub municipality: &'a str,
    pub recorded_by: &'a str,
    pub recorded_at: &'a str,
    pub personal_digest: Option<&'a str>,
    pub core: &'a str,
}

impl Link<'_> {
    /// SHA-256 (hex) of the row: `link(prev_hash, content_digest())`.
    pub fn hash(&self) -> String {
        link(self.prev_hash, &self.content_digest())
    }

    /// SHA-256 of everything in the row except the previous hash.
    pub fn content_digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        for part in [
            &self.seq.to_string(),
            self.event_id,
            self.municipality,
            self.recorded_by,
            self.recorded_at,
            self.personal_digest.unwrap_or("-"),
        ] {
            h.update(part.as_bytes());
            h.update(b"\n");
        }
        h.update(self.core.as_bytes());
        h.finalize().into()
    }
}

/// A row's hash (hex) from the previous row's hash and the row's content digest.
pub fn link(prev_hash: &str, content: &[u8; 32]) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(content);
    hex::encode(h.finalize())
}

/// The digest of a personal part: SHA-256 of the salt and the JSON text. The random salt keeps low-entropy data
/// (a CPR number) from being guessed from the digest once the data is erased.
pub fn personal_digest(salt: &str, data: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(b"\n");
    h.update(data.as_bytes());
    hex::encode(h.finalize())
}

/// A new random salt (128 bits, hex).
pub fn new_salt() -> String {
    let bytes: [u8; 16] = rand::random();
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(core: &str) -> Link<'_> {
        Link {
            prev_hash: GENESIS,
            seq: 1,
            event_id: "e1",
            municipality: "101",
            recorded_by: "sagsbehandler",
            recorded_at: "2024-01-01T00:00:00Z",
            personal_digest: None,
            core,
        }
    }

    #[test]
    fn any_change_changes_the_hash() {
        let a = link("{\"type\":\"x\"}").hash();
        assert_eq!(a.len(), 64);
        assert_ne!(a, link("{\"type\":\"y\"}").hash());
        let mut l = link("{\"type\":\"x\"}");
        l.seq = 2;
        assert_ne!(a, l.hash());
        let mut l = link("{\"type\":\"x\"}");
        l.personal_digest = Some("abc");
        assert_ne!(a, l.hash());
        assert_ne!(personal_digest("s1", "{}"), personal_digest("s2", "{}"));
    }
}
