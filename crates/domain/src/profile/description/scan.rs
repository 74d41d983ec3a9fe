//! Finding entities in a description's text: links (user-specified and
//! detected), then `@mentions` and `#hashtags` outside them.
//!
//! Spans are byte ranges into the text, sorted and never overlapping.

use linkify::{LinkFinder, LinkKind};

use super::UserLink;
use crate::account::username;
use crate::profile::website_url::parse_http_url;

/// What a span of the text is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SpanKind {
    /// A link to `url`.
    Link { url: String },
    /// `@name`.
    Mention { name: String },
    /// `#name`.
    Hashtag { name: String },
}

/// One entity as a byte range of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Span {
    pub start: usize,
    pub end: usize,
    pub kind: SpanKind,
}

impl Span {
    fn overlaps(&self, start: usize, end: usize) -> bool {
        start < self.end && self.start < end
    }
}

/// Every entity of `text`, sorted by position. User links win over detected
/// links that overlap them; mentions and hashtags inside links are ignored.
pub(super) fn spans(text: &str, user_links: &[UserLink]) -> Vec<Span> {
    let boundaries: Vec<usize> =
        text.char_indices().map(|(byte, _)| byte).chain(std::iter::once(text.len())).collect();
    let mut links: Vec<Span> = user_links
        .iter()
        .filter_map(|link| {
            let start = *boundaries.get(link.pos)?;
            let end = *boundaries.get(link.pos + link.len)?;
            Some(Span { start, end, kind: SpanKind::Link { url: link.url.clone() } })
        })
        .collect();
    let detected: Vec<Span> = LinkFinder::new()
        .kinds(&[LinkKind::Url])
        .links(text)
        .filter(|found| parse_http_url(found.as_str(), "").is_ok())
        .filter(|found| !links.iter().any(|l| l.overlaps(found.start(), found.end())))
        .map(|found| Span {
            start: found.start(),
            end: found.end(),
            kind: SpanKind::Link { url: found.as_str().to_owned() },
        })
        .collect();
    links.extend(detected);

    let mut spans = words(text, &links);
    spans.extend(links);
    spans.sort_by_key(|span| span.start);
    spans
}

/// `@mentions` and `#hashtags` that do not touch any of `links`.
fn words(text: &str, links: &[Span]) -> Vec<Span> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (start, sigil) = chars[i];
        let joined = i > 0 && joins_word(chars[i - 1].1);
        if !matches!(sigil, '@' | '#') || joined {
            i += 1;
            continue;
        }
        let in_name = |c: char| match sigil {
            '@' => c.is_ascii_alphanumeric() || c == '_',
            _ => c.is_alphanumeric() || c == '_',
        };
        let mut next = i + 1;
        while next < chars.len() && in_name(chars[next].1) {
            next += 1;
        }
        let end = chars.get(next).map_or(text.len(), |(byte, _)| *byte);
        let name = &text[start + sigil.len_utf8()..end];
        let followed_by_letter = chars.get(next).is_some_and(|(_, c)| c.is_alphanumeric());
        let kind = match sigil {
            '@' if (1..=username::MAX_LEN).contains(&name.len()) && !followed_by_letter => {
                Some(SpanKind::Mention { name: name.to_owned() })
            }
            '#' if name.chars().any(|c| !c.is_numeric()) => Some(SpanKind::Hashtag { name: name.to_owned() }),
            _ => None,
        };
        match kind {
            Some(kind) if !links.iter().any(|l| l.overlaps(start, end)) => {
                found.push(Span { start, end, kind });
                i = next;
            }
            _ => i += 1,
        }
    }
    found
}

/// Characters after which `@` or `#` continue a word (`a@b.c`, `x#1`,
/// `&#39;`) instead of starting an entity.
fn joins_word(previous: char) -> bool {
    previous.is_alphanumeric() || matches!(previous, '_' | '@' | '#' | '&')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<String> {
        spans(text, &[])
            .into_iter()
            .map(|s| {
                let raw = &text[s.start..s.end];
                match s.kind {
                    SpanKind::Link { url } => format!("link {raw} -> {url}"),
                    SpanKind::Mention { name } => format!("mention {raw} {name}"),
                    SpanKind::Hashtag { name } => format!("hashtag {raw} {name}"),
                }
            })
            .collect()
    }

    #[test]
    fn rules_table() {
        let twenty = format!("@{}", "a".repeat(20));
        let twenty_one = format!("@{}", "a".repeat(21));
        let cases: Vec<(&str, Vec<String>)> = vec![
            ("hi @alice!", vec!["mention @alice alice".into()]),
            ("@Bob_99, hi", vec!["mention @Bob_99 Bob_99".into()]),
            (&twenty, vec![format!("mention {twenty} {}", "a".repeat(20))]),
            (&twenty_one, vec![]),
            ("mail a@b.com", vec![]),
            ("@@alice", vec![]),
            ("@zoë", vec![]),
            ("@ alone", vec![]),
            ("#rust and #Zażółć_1", vec!["hashtag #rust rust".into(), "hashtag #Zażółć_1 Zażółć_1".into()]),
            ("#1 in town", vec![]),
            ("#2024年", vec!["hashtag #2024年 2024年".into()]),
            ("c#sharp x#y &#39;", vec![]),
            ("(#tag)", vec!["hashtag #tag tag".into()]),
            (
                "go to https://example.net/@x#y now",
                vec!["link https://example.net/@x#y -> https://example.net/@x#y".into()],
            ),
            ("ftp://example.com/a", vec![]),
            ("javascript:alert(1)", vec![]),
            ("see example.com", vec![]),
        ];
        for (text, expected) in cases {
            assert_eq!(found(text), expected, "{text:?}");
        }
    }

    #[test]
    fn user_links_win_over_detected_links() {
        let text = "read http://a.example/x now";
        let user = UserLink { url: "https://b.example/".into(), pos: 0, len: 6 }; // "read h"
        let spans = spans(text, &[user]);
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].kind, SpanKind::Link { url: "https://b.example/".into() });
    }
}
