//! The underlying error of a failure: kept so that the logs show the whole
//! chain (`source()` after `source()`), never shown to clients.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

/// A boxed error from below (a driver, a thread pool, a library) or a
/// sentence saying what broke. Clonable and comparable (by its text) so that
/// the port errors holding it stay `Clone` and `Eq` for tests and caches.
#[derive(Clone)]
pub struct Cause(Arc<dyn Error + Send + Sync + 'static>);

impl Cause {
    /// Keeps `error`, with its own sources.
    pub fn new(error: impl Into<Box<dyn Error + Send + Sync + 'static>>) -> Self {
        Self(Arc::from(error.into()))
    }
}

/// A cause that is only a sentence (an invariant broken here, not below).
#[derive(Debug)]
struct Message(String);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for Message {}

impl From<String> for Cause {
    fn from(message: String) -> Self {
        Self(Arc::new(Message(message)))
    }
}

impl From<&str> for Cause {
    fn from(message: &str) -> Self {
        message.to_owned().into()
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl Error for Cause {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.source()
    }
}

impl PartialEq for Cause {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl Eq for Cause {}

/// Formats an error and every source below it, `outer: inner: innermost`:
/// what a log line of a failure should carry (`%Chain(&error)`).
pub struct Chain<'a>(pub &'a (dyn Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(error) = source {
            write!(f, ": {error}")?;
            source = error.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] Cause);

    #[test]
    fn the_chain_shows_every_source_once() {
        let io = std::io::Error::other("connection refused");
        let cases: [(Outer, &str); 2] = [
            (Outer(Cause::new(io)), "outer: connection refused"),
            (Outer("a write panicked".into()), "outer: a write panicked"),
        ];
        for (error, expected) in cases {
            assert_eq!(Chain(&error).to_string(), expected);
        }
    }

    #[test]
    fn causes_compare_by_text() {
        assert_eq!(Cause::from("gone"), Cause::new(std::io::Error::other("gone")));
        assert_ne!(Cause::from("gone"), Cause::from("here"));
    }
}
