//! The App.net user object and App.net's spellings of our values: the
//! wire shapes of dialect 003, both ways.

use chrono::SecondsFormat;
use profile_application::model::{ImageKind, ProfileView};
use profile_domain::profile::Locale;
use profile_domain::profile::description::{Hashtag, Link};
use serde::Serialize;
use serde_json::{Map, Value};

use super::UserOptions;
use crate::media::{ImageJson, MediaUrls};

/// App.net wraps every description's HTML in this element (its `Post`
/// schema), around the neutral markup we render.
const POST_OPEN: &str = r#"<span itemscope="https://app.net/schemas/Post">"#;
/// Closes [`POST_OPEN`].
const POST_CLOSE: &str = "</span>";

/// A body's profile fields in our spellings: App.net writes locales with
/// underscores (`en_US`), we with hyphens (`en-US`). Everything else
/// already has our names and shapes.
pub(super) fn ours(mut body: Map<String, Value>) -> Map<String, Value> {
    if let Some(Value::String(locale)) = body.get_mut("locale") {
        *locale = locale.replace('_', "-");
    }
    body
}

/// `locale` as App.net writes it: `en_US` for `en-US`.
fn app_net_locale(locale: &Locale) -> String {
    locale.as_str().replace('-', "_")
}

/// Our description HTML in App.net's `Post` wrapper.
fn post_html(html: &str) -> String {
    let mut wrapped = String::with_capacity(POST_OPEN.len() + html.len() + POST_CLOSE.len());
    wrapped.push_str(POST_OPEN);
    wrapped.push_str(html);
    wrapped.push_str(POST_CLOSE);
    wrapped
}

/// An App.net User object (the fields of `USER_SELF` in App.net's sample
/// objects, without `verified_domain` and `canonical_url`, which we do not
/// have).
#[derive(Debug, Serialize)]
pub struct User {
    id: String,
    username: String,
    name: String,
    description: UserDescription,
    timezone: String,
    locale: String,
    avatar_image: ImageJson,
    cover_image: ImageJson,
    #[serde(rename = "type")]
    kind: &'static str,
    created_at: String,
    counts: Counts,
    #[serde(skip_serializing_if = "Option::is_none")]
    annotations: Option<Value>,
}

#[derive(Debug, Serialize)]
struct UserDescription {
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    html: Option<String>,
    entities: Entities,
}

#[derive(Debug, Serialize)]
struct Entities {
    mentions: Vec<Mention>,
    hashtags: Vec<Hashtag>,
    links: Vec<Link>,
}

/// App.net writes ids as strings and lists mentions of existing users only.
#[derive(Debug, Serialize)]
struct Mention {
    name: String,
    id: String,
    pos: usize,
    len: usize,
}

/// We have no posts, stars or follows: all zero, present because App.net
/// clients read them.
#[derive(Debug, Default, Serialize)]
struct Counts {
    following: u32,
    followers: u32,
    posts: u32,
    stars: u32,
}

/// The App.net user object of `view`. It carries no private field, so it is
/// the same for every viewer.
pub(super) fn user(view: ProfileView, options: UserOptions, urls: &MediaUrls) -> User {
    let ProfileView { profile: p, description, avatar, cover } = view;
    let entities = description.entities;
    let mentions = entities
        .mentions
        .into_iter()
        .filter_map(|m| Some(Mention { id: m.id?.to_string(), name: m.name, pos: m.pos, len: m.len }))
        .collect();
    User {
        id: p.id().0.to_string(),
        username: p.username().as_str().to_owned(),
        name: p.name().as_str().to_owned(),
        description: UserDescription {
            html: options.html.then(|| post_html(&description.html)),
            text: description.text,
            entities: Entities { mentions, hashtags: entities.hashtags, links: entities.links },
        },
        timezone: p.timezone().as_str().to_owned(),
        locale: app_net_locale(p.locale()),
        avatar_image: urls.image(ImageKind::Avatar, avatar.as_ref()),
        cover_image: urls.image(ImageKind::Cover, cover.as_ref()),
        kind: "human",
        created_at: p.created_at().to_rfc3339_opts(SecondsFormat::Secs, true),
        counts: Counts::default(),
        annotations: options.annotations.then(|| p.annotations().to_json()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn locales_are_underscored_on_the_wire_and_hyphenated_here() {
        let cases = [("en_US", "en-US"), ("en", "en"), ("zh_Hant_TW", "zh-Hant-TW"), ("en-GB", "en-GB")];
        for (theirs, expected) in cases {
            let Value::Object(body) = json!({"locale": theirs, "name": "x_y"}) else { unreachable!() };
            let body = ours(body);
            assert_eq!((body["locale"].as_str(), body["name"].as_str()), (Some(expected), Some("x_y")));
        }
        let Value::Object(odd) = json!({"locale": 7}) else { unreachable!() };
        assert_eq!(ours(odd.clone()), odd, "not a string: left for the native rules to refuse");
        for (ours_, theirs) in [("en-US", "en_US"), ("en", "en"), ("zh-Hant-TW", "zh_Hant_TW")] {
            assert_eq!(app_net_locale(&Locale::try_from(ours_).unwrap()), theirs);
        }
    }

    #[test]
    fn the_html_is_wrapped_as_an_app_net_post() {
        assert_eq!(post_html(""), r#"<span itemscope="https://app.net/schemas/Post"></span>"#);
        assert_eq!(
            post_html("a &amp; <span itemprop=\"hashtag\">#b</span>"),
            r#"<span itemscope="https://app.net/schemas/Post">a &amp; <span itemprop="hashtag">#b</span></span>"#
        );
    }
}
