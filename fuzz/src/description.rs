//! Description processing: checking the text and user links, finding
//! mentions, hashtags and links, and rendering entities and HTML.
//!
//! Input: the first byte is how many user links follow (0–3, modulo 4), then
//! two bytes (`pos`, `len`) per link, then the text (UTF-8, lossily).

use std::collections::HashMap;

use profile_domain::profile::{Description, UserLinkInput};
use profile_domain::user::UserId;

/// Processes `data` as a description and checks what comes out.
pub fn check(data: &[u8]) {
    let Some((count, rest)) = super::selector(data) else { return };
    let count = usize::from(count % 4);
    if rest.len() < count * 2 {
        return;
    }
    let (pairs, text) = rest.split_at(count * 2);
    let text = String::from_utf8_lossy(text);
    let links: Vec<UserLinkInput> = pairs
        .chunks(2)
        .enumerate()
        .map(|(i, pair)| UserLinkInput {
            url: format!("https://example.com/{i}"),
            text: None,
            pos: i64::from(pair[0]),
            len: i64::from(pair[1]),
        })
        .collect();

    let plain = Description::try_from(text.as_ref());
    if let Ok(description) = &plain {
        check_rendering(description);
    }
    if let Ok(description) = Description::new(&text, &links) {
        assert!(plain.is_ok(), "links made a refused text acceptable: {text:?}");
        assert_eq!(description.text(), text);
        check_rendering(&description);
    }
}

/// The promises of rendering: every entity's position and length point at
/// exactly its text, entities never overlap, the HTML without its tags is
/// the text, escaped, and the mentioned names are those of the entities.
fn check_rendering(description: &Description) {
    let text = description.text();
    let chars: Vec<char> = text.chars().collect();
    let lookup: HashMap<String, UserId> = description
        .mentioned_names()
        .into_iter()
        .enumerate()
        .map(|(i, n)| (n, UserId(i as i64 + 1)))
        .collect();
    let rendered = description.render(&lookup);
    let at = |pos: usize, len: usize| -> String {
        assert!(pos + len <= chars.len(), "entity {pos}+{len} beyond {} chars of {text:?}", chars.len());
        chars[pos..pos + len].iter().collect()
    };
    let entities = &rendered.entities;
    let mut covered: Vec<(usize, usize)> = Vec::new();
    for mention in &entities.mentions {
        assert_eq!(at(mention.pos, mention.len), format!("@{}", mention.name), "mention in {text:?}");
        assert!(mention.id.is_some(), "a prefetched mention is unresolved in {text:?}");
        covered.push((mention.pos, mention.len));
    }
    for hashtag in &entities.hashtags {
        assert_eq!(at(hashtag.pos, hashtag.len), format!("#{}", hashtag.name), "hashtag in {text:?}");
        covered.push((hashtag.pos, hashtag.len));
    }
    for link in &entities.links {
        assert!(link.len >= 1, "empty link in {text:?}");
        assert_eq!(at(link.pos, link.len), link.text, "link in {text:?}");
        // Schemes are case-insensitive; detected links keep the text's spelling.
        let scheme = link.url.split_once("://").map(|(scheme, _)| scheme.to_ascii_lowercase());
        assert!(matches!(scheme.as_deref(), Some("http" | "https")), "{}", link.url);
        covered.push((link.pos, link.len));
    }
    covered.sort_unstable();
    for pair in covered.windows(2) {
        assert!(pair[0].0 + pair[0].1 <= pair[1].0, "overlapping entities {pair:?} in {text:?}");
    }
    for user_link in description.user_links() {
        assert!(
            entities.links.iter().any(|l| l.pos == user_link.pos() && l.len == user_link.len()),
            "user link {user_link:?} not rendered in {text:?}"
        );
    }
    let mut names: Vec<String> = Vec::new();
    for mention in &entities.mentions {
        let name = mention.name.to_ascii_lowercase();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    assert_eq!(description.mentioned_names(), names, "mentioned names of {text:?}");
    assert_eq!(rendered.text, text);
    assert_eq!(unescape(&strip_tags(&rendered.html)), text, "HTML text of {text:?}: {}", rendered.html);
}

/// The HTML without its tags; a `<` or `>` left in the text would break this.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match (c, in_tag) {
            ('<', false) => in_tag = true,
            ('>', true) => in_tag = false,
            ('<' | '>', _) => panic!("unescaped {c:?} in {html:?}"),
            (c, false) => out.push(c),
            _ => {}
        }
    }
    assert!(!in_tag, "unclosed tag in {html:?}");
    out
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let entity = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
            .into_iter()
            .find(|e| rest[amp..].starts_with(e))
            .unwrap_or_else(|| panic!("unescaped & in {text:?}"));
        out.push(match entity {
            "&amp;" => '&',
            "&lt;" => '<',
            "&gt;" => '>',
            "&quot;" => '"',
            _ => '\'',
        });
        rest = &rest[amp + entity.len()..];
    }
    out.push_str(rest);
    out
}
