//! Links to a person's pages on social networks, each bound to its network's host.

use std::fmt;
use std::marker::PhantomData;

use url::Url;

use crate::error::{FieldCode, FieldError};
use crate::profile::website_url::parse_http_url;

/// A social network whose profile links a [`SocialUrl`] accepts.
pub trait Network {
    /// The profile field holding the link (`twitter_url`).
    const FIELD: &'static str;
    /// Human name used in messages (`Twitter/X`).
    const NAME: &'static str;
    /// Accepted hosts; `www.`, `m.` and `mobile.` in front of them are
    /// accepted too.
    const HOSTS: &'static [&'static str];
}

/// Twitter, also known as X: `twitter.com` and `x.com`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Twitter;

impl Network for Twitter {
    const FIELD: &'static str = "twitter_url";
    const NAME: &'static str = "Twitter/X";
    const HOSTS: &'static [&'static str] = &["twitter.com", "x.com"];
}

/// Facebook: `facebook.com`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Facebook;

impl Network for Facebook {
    const FIELD: &'static str = "facebook_url";
    const NAME: &'static str = "Facebook";
    const HOSTS: &'static [&'static str] = &["facebook.com"];
}

/// Instagram: `instagram.com`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Instagram;

impl Network for Instagram {
    const FIELD: &'static str = "instagram_url";
    const NAME: &'static str = "Instagram";
    const HOSTS: &'static [&'static str] = &["instagram.com"];
}

/// A Twitter/X profile link.
pub type TwitterUrl = SocialUrl<Twitter>;
/// A Facebook profile link.
pub type FacebookUrl = SocialUrl<Facebook>;
/// An Instagram profile link.
pub type InstagramUrl = SocialUrl<Instagram>;

/// A link on network `N`: an absolute `http`/`https` URL of at most 2048
/// characters (like [`WebsiteUrl`](crate::profile::WebsiteUrl)) whose host is
/// one of `N::HOSTS`, optionally behind `www.`, `m.` or `mobile.`. Errors name
/// `N::FIELD`; a foreign host gives `wrong_host`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SocialUrl<N> {
    url: Url,
    network: PhantomData<N>,
}

impl<N: Network> SocialUrl<N> {
    /// Rebuilds a URL read back from storage, where it was written only after
    /// passing `TryFrom`; only parsed again, not checked. `None` when it does
    /// not even parse. For storage adapters.
    pub fn restore(stored: &str) -> Option<Self> {
        Url::parse(stored).ok().map(|url| Self { url, network: PhantomData })
    }

    /// The normalized URL.
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }

    /// The parsed URL.
    pub fn url(&self) -> &Url {
        &self.url
    }
}

impl<N: Network> TryFrom<&str> for SocialUrl<N> {
    type Error = FieldError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        let url = parse_http_url(raw, N::FIELD)?;
        let host = url.host_str().unwrap_or_default();
        let bare = ["www.", "m.", "mobile."].iter().find_map(|sub| host.strip_prefix(sub)).unwrap_or(host);
        if !N::HOSTS.contains(&bare) {
            return Err(FieldError::new(N::FIELD, FieldCode::WrongHost).with_message(format!(
                "A {} link is on {}.",
                N::NAME,
                N::HOSTS.join(" or ")
            )));
        }
        Ok(Self { url, network: PhantomData })
    }
}

impl<N: Network> fmt::Display for SocialUrl<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Checked = Result<String, (String, &'static str)>;
    type Case<'a> = (&'a str, fn(&str) -> Checked, Result<&'a str, &'a str>);

    fn check<N: Network>(raw: &str) -> Checked {
        SocialUrl::<N>::try_from(raw)
            .map(|u| u.as_str().to_owned())
            .map_err(|e| (e.field.into_owned(), e.code.as_str()))
    }

    #[test]
    fn rules_table() {
        let long = format!("https://twitter.com/{}", "a".repeat(2048));
        let cases: Vec<Case> = vec![
            ("https://twitter.com/igorklepacki", check::<Twitter>, Ok("https://twitter.com/igorklepacki")),
            ("https://x.com/igorklepacki", check::<Twitter>, Ok("https://x.com/igorklepacki")),
            ("https://www.twitter.com/a", check::<Twitter>, Ok("https://www.twitter.com/a")),
            ("https://mobile.twitter.com/a", check::<Twitter>, Ok("https://mobile.twitter.com/a")),
            ("http://WWW.X.COM/a", check::<Twitter>, Ok("http://www.x.com/a")),
            ("https://twitter.com.evil.io/a", check::<Twitter>, Err("wrong_host")),
            ("https://eviltwitter.com/a", check::<Twitter>, Err("wrong_host")),
            ("https://api.twitter.com/a", check::<Twitter>, Err("wrong_host")),
            ("https://facebook.com/x", check::<Twitter>, Err("wrong_host")),
            ("twitter.com/a", check::<Twitter>, Err("invalid_url")),
            (&long, check::<Twitter>, Err("too_long")),
            ("https://facebook.com/", check::<Facebook>, Ok("https://facebook.com/")),
            ("https://m.facebook.com/zuck", check::<Facebook>, Ok("https://m.facebook.com/zuck")),
            ("https://www.facebook.com/zuck", check::<Facebook>, Ok("https://www.facebook.com/zuck")),
            ("https://fb.com/zuck", check::<Facebook>, Err("wrong_host")),
            ("https://instagram.com/", check::<Instagram>, Ok("https://instagram.com/")),
            ("https://www.instagram.com/nasa/", check::<Instagram>, Ok("https://www.instagram.com/nasa/")),
            ("https://instagr.am/nasa", check::<Instagram>, Err("wrong_host")),
            ("ftp://instagram.com/nasa", check::<Instagram>, Err("invalid_url")),
        ];
        for (raw, check, expected) in cases {
            let got = check(raw);
            match (&got, expected) {
                (Ok(url), Ok(want)) => assert_eq!(url, want, "{raw:?}"),
                (Err((_, code)), Err(want)) => assert_eq!(*code, want, "{raw:?}"),
                _ => panic!("{raw:?}: got {got:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn errors_name_each_network_field() {
        assert_eq!(check::<Twitter>("x").unwrap_err().0, "twitter_url");
        assert_eq!(check::<Facebook>("https://x.com/").unwrap_err().0, "facebook_url");
        assert_eq!(check::<Instagram>("").unwrap_err().0, "instagram_url");
    }
}
