//! A profile's description: its text, the links its owner put over parts of
//! it, and how it is processed into entities and HTML.
//!
//! Processing finds, in this order of precedence: user-specified links,
//! `http`/`https` URLs in the text (detected with `linkify`; a scheme is
//! needed, so `example.com` alone is not a link), then `@mentions`
//! (`[A-Za-z0-9_]{1,20}`) and `#hashtags` (letters, digits and `_`, not only
//! digits) outside links. An `@` or `#` right after a letter, digit, `_`,
//! `@`, `#` or `&` does not start an entity (`a@b.com`, `c#`). Positions and
//! lengths count characters (Unicode scalar values).

pub mod entities;
pub mod mention_lookup;
mod render;
mod scan;

use crate::error::{FieldCode, FieldError, ValidationErrors};
use crate::profile::fields::is_multiline_text;
use crate::profile::website_url::parse_http_url;

pub use entities::{Entities, Hashtag, Link, Mention, RenderedDescription};
pub use mention_lookup::MentionLookup;

/// Longest description text, in characters.
pub const MAX_LEN: usize = 256;

/// A link its owner put over part of the text, as sent
/// (`{url, text?, pos, len}` under `description.entities.links`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserLinkInput {
    /// Where the link points.
    pub url: String,
    /// The linked text; when given it must equal the text at `pos..pos+len`.
    pub text: Option<String>,
    /// Index of the first linked character.
    pub pos: i64,
    /// Number of linked characters.
    pub len: i64,
}

/// An accepted user-specified link: inside the text, `http`/`https`, not
/// overlapping another.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserLink {
    url: String,
    pos: usize,
    len: usize,
}

impl UserLink {
    /// Rebuilds a link read back from storage, where it was written only as
    /// part of a checked [`Description`]; it is not checked again. For
    /// storage adapters.
    pub fn restore(url: String, pos: usize, len: usize) -> Self {
        Self { url, pos, len }
    }

    /// The normalized URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Index of the first linked character.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Number of linked characters (at least 1).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: a link covers at least one character.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// A description: at most 256 characters of text (kept exactly as given,
/// empty allowed; no control characters except line breaks and tabs) and the
/// links its owner put over parts of it. Errors are reported at
/// `description.text` and `description.entities.links[i]…`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Description {
    text: String,
    links: Vec<UserLink>,
}

impl Description {
    /// Rebuilds a description read back from storage, where it was written
    /// only after passing [`Description::new`]; it is not checked again. The
    /// links must be sorted by position, as [`Description::user_links`]
    /// gives them. For storage adapters.
    pub fn restore(text: String, links: Vec<UserLink>) -> Self {
        Self { text, links }
    }

    /// Checks `text` and `links`, collecting every error: a link must be
    /// `http`/`https` (`…links[i].url`), start inside the text and cover at
    /// least one character within it (`out_of_range` at `…pos` or `…len`),
    /// match its `text` if given (`text_mismatch` at `…text`), and not
    /// overlap an earlier link (`overlapping` at `…links[i]`).
    ///
    /// # Errors
    /// Every broken rule at once: the text's (at `description.text`), more
    /// links than a text could hold (`too_many` at
    /// `description.entities.links`), and each link's, at the paths above.
    pub fn new(text: &str, links: &[UserLinkInput]) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.check(check_text(text));
        if links.len() > MAX_LEN {
            // Links cover at least one character each and never overlap.
            errors.push(
                FieldError::new("description.entities.links", FieldCode::TooMany)
                    .with_message(format!("A description has at most {MAX_LEN} user-specified links.")),
            );
            return Err(errors);
        }
        let char_count = text.chars().count();
        let mut accepted: Vec<UserLink> = Vec::with_capacity(links.len());
        for (index, input) in links.iter().enumerate() {
            let at = format!("description.entities.links[{index}]");
            let url = errors.check(parse_http_url(&input.url, format!("{at}.url")));
            let Some((pos, len)) = errors.check(check_bounds(input, char_count, &at)) else {
                continue;
            };
            let covered: String = text.chars().skip(pos).take(len).collect();
            if input.text.as_ref().is_some_and(|given| *given != covered) {
                errors.push(FieldError::new(format!("{at}.text"), FieldCode::TextMismatch));
                continue;
            }
            if accepted.iter().any(|l| pos < l.pos + l.len && l.pos < pos + len) {
                errors.push(FieldError::new(at, FieldCode::Overlapping));
                continue;
            }
            if let Some(url) = url {
                accepted.push(UserLink { url: url.to_string(), pos, len });
            }
        }
        accepted.sort_by_key(|link| link.pos);
        errors.into_result(Self { text: text.to_owned(), links: accepted })
    }

    /// The text, exactly as given.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The user-specified links, by position.
    pub fn user_links(&self) -> &[UserLink] {
        &self.links
    }

    /// True when the text is empty.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The names the text mentions, lower-case and without duplicates, in
    /// order of appearance: prefetch these, then [`render`](Self::render).
    pub fn mentioned_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for span in scan::spans(&self.text, &self.links) {
            if let scan::SpanKind::Mention { name } = span.kind {
                let name = name.to_ascii_lowercase();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        names
    }

    /// Processes the description: entities (mentions resolved through
    /// `lookup`) and HTML in which everything else is escaped.
    pub fn render<L: MentionLookup + ?Sized>(&self, lookup: &L) -> RenderedDescription {
        let spans = scan::spans(&self.text, &self.links);
        let (html, entities) = render::render(&self.text, &spans, lookup);
        RenderedDescription { text: self.text.clone(), html, entities }
    }
}

/// A description without user-specified links.
impl TryFrom<&str> for Description {
    type Error = FieldError;

    fn try_from(text: &str) -> Result<Self, Self::Error> {
        check_text(text)?;
        Ok(Self { text: text.to_owned(), links: Vec::new() })
    }
}

fn check_text(text: &str) -> Result<(), FieldError> {
    if text.chars().count() > MAX_LEN {
        return Err(FieldError::new("description.text", FieldCode::TooLong)
            .with_message(format!("A description has at most {MAX_LEN} characters.")));
    }
    if !is_multiline_text(text) {
        return Err(FieldError::new("description.text", FieldCode::ControlCharacters));
    }
    Ok(())
}

/// `(pos, len)` when the link starts inside the text and ends within it.
fn check_bounds(link: &UserLinkInput, char_count: usize, at: &str) -> Result<(usize, usize), FieldError> {
    let out_of_range = |part: &str, message: &'static str| {
        FieldError::new(format!("{at}.{part}"), FieldCode::OutOfRange).with_message(message)
    };
    let pos = usize::try_from(link.pos)
        .ok()
        .filter(|pos| *pos < char_count)
        .ok_or_else(|| out_of_range("pos", "A link starts inside the text."))?;
    let len = usize::try_from(link.len)
        .ok()
        .filter(|len| *len >= 1 && *len <= char_count - pos)
        .ok_or_else(|| out_of_range("len", "A link covers 1 or more characters of the text."))?;
    Ok((pos, len))
}

#[cfg(test)]
mod tests;
