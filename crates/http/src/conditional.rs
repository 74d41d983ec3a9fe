//! Conditional requests: `ETag` from the profile version, `If-None-Match`
//! (304) and `If-Match` (412).

use actix_web::HttpRequest;
use actix_web::http::header::{HeaderValue, IF_MATCH, IF_NONE_MATCH};
use profile_domain::profile::Version;

/// The strong entity tag of a version: `"7"`.
pub fn etag(version: Version) -> String {
    format!("\"{}\"", version.0)
}

/// The versions `If-Match` accepts. `None` when the header is absent or `*`
/// (any current representation). `If-Match` compares strongly (RFC 9110
/// §13.1.1), so weak tags and tags that are not ours match nothing: a list of
/// only those is `Some(vec![])`, which fails the precondition.
pub fn if_match(req: &HttpRequest) -> Option<Vec<Version>> {
    let value = req.headers().get(IF_MATCH)?.to_str().unwrap_or_default().trim();
    if value == "*" {
        return None;
    }
    Some(value.split(',').filter_map(|tag| strong_tag(tag.trim())).collect())
}

fn strong_tag(tag: &str) -> Option<Version> {
    tag.strip_prefix('"')?.strip_suffix('"')?.parse().ok().map(Version)
}

/// True when `If-None-Match` lists `current` (weak comparison) or is `*`.
pub fn not_modified(req: &HttpRequest, current: Version) -> bool {
    req.headers()
        .get(IF_NONE_MATCH)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .is_some_and(|value| value.trim() == "*" || tags(value).any(|tag| tag == current))
}

/// True when `If-None-Match` lists the entity tag `tag` (weak comparison) or is `*`.
pub fn matches_if_none_match(req: &HttpRequest, tag: &str) -> bool {
    let strip = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    req.headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|value| value.trim() == "*" || value.split(',').any(|t| strip(t) == strip(tag)))
}

fn tags(value: &str) -> impl Iterator<Item = Version> + '_ {
    value.split(',').filter_map(|tag| {
        let tag = tag.trim();
        let tag = tag.strip_prefix("W/").unwrap_or(tag);
        tag.strip_prefix('"')?.strip_suffix('"')?.parse().ok().map(Version)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn if_match_forms() {
        let with = |v: &str| if_match(&TestRequest::default().insert_header((IF_MATCH, v)).to_http_request());
        assert_eq!(if_match(&TestRequest::default().to_http_request()), None);
        assert_eq!(with("*"), None);
        assert_eq!(with("\"3\""), Some(vec![Version(3)]));
        assert_eq!(with("\"1\", \"3\""), Some(vec![Version(1), Version(3)]));
        assert_eq!(with("W/\"3\""), Some(vec![]));
        assert_eq!(with("garbage"), Some(vec![]));
    }

    #[test]
    fn if_none_match_forms() {
        let with = |v: &str| {
            not_modified(
                &TestRequest::default().insert_header((IF_NONE_MATCH, v)).to_http_request(),
                Version(4),
            )
        };
        assert!(with("\"4\""));
        assert!(with("\"1\", W/\"4\""));
        assert!(with("*"));
        assert!(!with("\"5\""));
        assert!(!not_modified(&TestRequest::default().to_http_request(), Version(4)));
    }
}
