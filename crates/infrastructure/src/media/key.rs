//! Media keys: the SHA-256 of the owner and the bytes, plus an extension. Anything else is
//! not a key, so a request can never name a path outside the store.

use sha2::{Digest, Sha256};

/// The key for `bytes` of `content_type` stored for `owner`: SHA-256 over
/// the owner's name, a NUL separator and the bytes.
pub fn key_for(owner: &str, bytes: &[u8], content_type: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(owner.as_bytes());
    hasher.update([0]);
    hasher.update(bytes);
    let mut key = hex::encode(hasher.finalize());
    key.push('.');
    key.push_str(extension(content_type));
    key
}

fn extension(content_type: &str) -> &'static str {
    match content_type {
        "image/png" => "png",
        _ => "jpg",
    }
}

/// The media type of a valid key; `None` for anything that is not a key.
pub fn content_type(key: &str) -> Option<&'static str> {
    let (hash, extension) = key.split_once('.')?;
    if hash.len() != 64 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    match extension {
        "jpg" => Some("image/jpeg"),
        "png" => Some("image/png"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_content_addressed_and_validated() {
        let key = key_for("", b"abc", "image/png");
        // SHA-256 of "\0abc".
        assert_eq!(key.len(), 68);
        assert_eq!(key, key_for("", b"abc", "image/png"), "deterministic");
        assert_ne!(key, key_for("user-2", b"abc", "image/png"), "owners never share keys");
        assert_eq!(content_type(&key), Some("image/png"));
        assert_eq!(content_type(&key_for("user-1", b"abc", "image/jpeg")), Some("image/jpeg"));
        for bad in [
            "",
            "../etc/passwd",
            "..%2f..%2fetc",
            "abc.jpg",
            &format!("{}.gif", &key[..64]),
            &key.to_uppercase(),
        ] {
            assert_eq!(content_type(bad), None, "{bad}");
        }
    }
}
