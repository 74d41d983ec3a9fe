//! Conditional requests: `ETag` from the profile version, `If-None-Match`
//! (304) and `If-Match` (412), read with actix's typed headers.
//!
//! Both headers list entity tags (or `*`); a member that is not an entity tag
//! is skipped, and a header that cannot be read at all lists nothing.

use actix_web::HttpRequest;
use actix_web::http::header::{EntityTag, Header as _, IF_MATCH, IfMatch, IfNoneMatch};
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
    if !req.headers().contains_key(IF_MATCH) {
        return None;
    }
    match IfMatch::parse(req) {
        Ok(IfMatch::Any) => None,
        Ok(IfMatch::Items(tags)) => {
            Some(tags.iter().filter(|tag| !tag.weak).filter_map(version_of).collect())
        }
        Err(_) => Some(Vec::new()),
    }
}

/// True when `If-None-Match` lists `current` (weak comparison) or is `*`.
pub fn not_modified(req: &HttpRequest, current: Version) -> bool {
    if_none_match(req, |tag| version_of(tag) == Some(current))
}

/// True when `If-None-Match` lists the entity tag `tag` (weak comparison) or is `*`.
pub fn matches_if_none_match(req: &HttpRequest, tag: &str) -> bool {
    let Ok(ours) = tag.parse::<EntityTag>() else { return false };
    if_none_match(req, |theirs| theirs.weak_eq(&ours))
}

/// True when `If-None-Match` is `*` or lists a tag for which `matches` holds;
/// false when it is absent or unreadable.
fn if_none_match(req: &HttpRequest, matches: impl Fn(&EntityTag) -> bool) -> bool {
    match IfNoneMatch::parse(req) {
        Ok(IfNoneMatch::Any) => true,
        Ok(IfNoneMatch::Items(tags)) => tags.iter().any(matches),
        Err(_) => false,
    }
}

/// The version an entity tag names, weak or strong; `None` when it names none.
fn version_of(tag: &EntityTag) -> Option<Version> {
    tag.tag().parse().ok().map(Version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::IF_NONE_MATCH;
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

    #[test]
    fn if_match_table() {
        let cases: [(&str, Option<Vec<Version>>); 9] = [
            ("  *  ", None),
            ("\"7\"", Some(vec![Version(7)])),
            ("\"1\",,\"2\"", Some(vec![Version(1), Version(2)])),
            ("\"1\", garbage, W/\"2\", \"3\"", Some(vec![Version(1), Version(3)])),
            ("\"abc\"", Some(vec![])),
            ("\" 3\"", Some(vec![])),
            ("3", Some(vec![])),
            ("", Some(vec![])),
            ("\"-1\"", Some(vec![Version(-1)])),
        ];
        for (header, expected) in cases {
            let req = TestRequest::default().insert_header((IF_MATCH, header)).to_http_request();
            assert_eq!(if_match(&req), expected, "If-Match: {header}");
        }
    }

    #[test]
    fn if_none_match_on_media_tags_table() {
        let cases = [
            ("\"abc\"", true),
            ("W/\"abc\"", true),
            ("\"x\", \"abc\"", true),
            ("*", true),
            ("abc", false),
            ("\"abd\"", false),
            ("", false),
        ];
        for (header, expected) in cases {
            let req = TestRequest::default().insert_header((IF_NONE_MATCH, header)).to_http_request();
            assert_eq!(matches_if_none_match(&req, "\"abc\""), expected, "If-None-Match: {header}");
        }
        assert!(!matches_if_none_match(&TestRequest::default().to_http_request(), "\"abc\""));
    }
}
