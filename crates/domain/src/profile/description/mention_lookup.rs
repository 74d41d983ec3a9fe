//! Resolving `@name` mentions to users without leaving the domain's purity.

use std::collections::HashMap;

use crate::user::UserId;

/// Answers "which user has this username?" for description rendering.
///
/// Rendering is pure and synchronous, so the application prefetches the
/// names a description mentions ([`Description::mentioned_names`]) with one
/// query, puts the answers in a map, and passes the map here.
///
/// [`Description::mentioned_names`]: super::Description::mentioned_names
pub trait MentionLookup {
    /// The id of the user named `username` (spelled as in the text;
    /// implementations compare ignoring case), or `None` when nobody has it.
    fn user_id(&self, username: &str) -> Option<UserId>;
}

/// A prefetched map keyed by **lower-case** username.
impl<S: std::hash::BuildHasher> MentionLookup for HashMap<String, UserId, S> {
    fn user_id(&self, username: &str) -> Option<UserId> {
        self.get(&username.to_ascii_lowercase()).copied()
    }
}

/// Resolves nothing: every mention is rendered without an id.
impl MentionLookup for () {
    fn user_id(&self, _username: &str) -> Option<UserId> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_lookup_ignores_case() {
        let map = HashMap::from([("alice".to_owned(), UserId(7))]);
        assert_eq!(map.user_id("Alice"), Some(UserId(7)));
        assert_eq!(map.user_id("ALICE"), Some(UserId(7)));
        assert_eq!(map.user_id("bob"), None);
        assert_eq!(().user_id("alice"), None);
    }
}
