//! Conditional requests: `ETag` from the profile version, `If-None-Match`
//! (304) and `If-Match` (412).

use actix_web::HttpRequest;
use actix_web::http::header::{HeaderValue, IF_MATCH, IF_NONE_MATCH};
use profile_domain::profile::Version;

/// The strong entity tag of a version: `"7"`.
pub fn etag(version: Version) -> String {
    format!("\"{}\"", version.0)
}

/// The version `If-Match` names. `None` when the header is absent or `*`
/// (any current representation); a tag that is not one of ours names a
/// version that never existed, so it can only fail the precondition.
pub fn if_match(req: &HttpRequest) -> Option<Version> {
    let value = req.headers().get(IF_MATCH)?.to_str().unwrap_or_default().trim();
    if value == "*" {
        return None;
    }
    Some(tags(value).next().unwrap_or(Version(-1)))
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
        assert_eq!(with("\"3\""), Some(Version(3)));
        assert_eq!(with("W/\"3\""), Some(Version(3)));
        assert_eq!(with("garbage"), Some(Version(-1)));
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
