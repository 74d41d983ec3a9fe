//! What description processing finds and produces: entities and HTML.
//!
//! These are output types: they serialize (`name`, `id`, `url`, `text`,
//! `pos`, `len`; positions and lengths in characters) but are never read
//! from input.

use serde::Serialize;

/// `@name` in a description. `pos` and `len` count characters and include
/// the `@`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mention {
    /// The username as written, without `@`.
    pub name: String,
    /// The mentioned user's id, when such a user exists.
    pub id: Option<i64>,
    /// Index of the `@`, in characters.
    pub pos: usize,
    /// Length including the `@`, in characters.
    pub len: usize,
}

/// `#tag` in a description. `pos` and `len` count characters and include
/// the `#`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hashtag {
    /// The tag as written, without `#`.
    pub name: String,
    /// Index of the `#`, in characters.
    pub pos: usize,
    /// Length including the `#`, in characters.
    pub len: usize,
}

/// A link: given by the user over some text, or found in the text itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    /// Where the link points (an `http`/`https` URL).
    pub url: String,
    /// The linked text, as it appears in the description.
    pub text: String,
    /// Index of the first linked character.
    pub pos: usize,
    /// Number of linked characters.
    pub len: usize,
}

/// Everything found in a description, each list ordered by position.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Entities {
    /// `@name` mentions.
    pub mentions: Vec<Mention>,
    /// `#tag` hashtags.
    pub hashtags: Vec<Hashtag>,
    /// Links, user-specified and detected.
    pub links: Vec<Link>,
}

/// A processed description: the text, its HTML and its entities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedDescription {
    /// The text as stored.
    pub text: String,
    /// The text with every special character escaped and the entities
    /// marked up (`<a href rel="nofollow">`, `<span itemprop="mention">`,
    /// `<span itemprop="hashtag">`); a fragment with no wrapping element.
    pub html: String,
    /// The entities.
    pub entities: Entities,
}
