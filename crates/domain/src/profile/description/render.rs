//! Turning a description's spans into HTML and entities.

use std::fmt::Write;

use super::entities::{Entities, Hashtag, Link, Mention};
use super::mention_lookup::MentionLookup;
use super::scan::{Span, SpanKind};

/// The HTML and entities of `text` with its sorted, non-overlapping `spans`.
/// The HTML is a fragment with no wrapping element: the text, escaped, with
/// each entity marked up; a presenter that wants a container adds one.
pub(super) fn render<L: MentionLookup + ?Sized>(
    text: &str,
    spans: &[Span],
    lookup: &L,
) -> (String, Entities) {
    let mut html = String::with_capacity(text.len() * 2);
    let mut entities = Entities::default();
    let (mut done_byte, mut done_char) = (0, 0);
    for span in spans {
        let before = &text[done_byte..span.start];
        let raw = &text[span.start..span.end];
        escape_into(&mut html, before);
        let pos = done_char + before.chars().count();
        let len = raw.chars().count();
        match &span.kind {
            SpanKind::Link { url } => {
                html.push_str("<a href=\"");
                escape_into(&mut html, url);
                html.push_str("\" rel=\"nofollow\">");
                escape_into(&mut html, raw);
                html.push_str("</a>");
                let (url, text) = (url.clone(), raw.to_owned());
                entities.links.push(Link { url, text, pos, len });
            }
            SpanKind::Mention { name } => {
                let id = lookup.user_id(name).map(|id| id.0);
                html.push_str("<span");
                if let Some(id) = id {
                    // Writing to a String cannot fail.
                    let _ = write!(html, " data-mention-id=\"{id}\"");
                }
                html.push_str(" data-mention-name=\"");
                escape_into(&mut html, name);
                html.push_str("\" itemprop=\"mention\">");
                escape_into(&mut html, raw);
                html.push_str("</span>");
                entities.mentions.push(Mention { name: name.clone(), id, pos, len });
            }
            SpanKind::Hashtag { name } => {
                html.push_str("<span data-hashtag-name=\"");
                escape_into(&mut html, name);
                html.push_str("\" itemprop=\"hashtag\">");
                escape_into(&mut html, raw);
                html.push_str("</span>");
                entities.hashtags.push(Hashtag { name: name.clone(), pos, len });
            }
        }
        (done_byte, done_char) = (span.end, pos + len);
    }
    escape_into(&mut html, &text[done_byte..]);
    (html, entities)
}

/// Appends `raw` with `& < > " '` escaped, safe in text and in quoted
/// attribute values.
pub(super) fn escape_into(out: &mut String, raw: &str) {
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
}
