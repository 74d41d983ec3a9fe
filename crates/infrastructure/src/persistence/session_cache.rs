//! Sessions held in memory, so that authenticating a request costs no
//! round trip, under the rule that a revoked token stops working on every
//! instance within a second (docs/decisions.md).
//!
//! - The instance that revokes a session (logout, password change, role
//!   change) drops it from its cache right after the commit.
//! - Every revocation also sends a PostgreSQL `NOTIFY` in its transaction;
//!   each instance's `LISTEN` connection drops the named sessions as it
//!   receives them (milliseconds after the commit).
//! - The cache serves only while that connection is listening ("live");
//!   when it is lost, the cache is emptied and bypassed until it listens
//!   again, since notifications sent meanwhile are lost. SQLite serves one
//!   instance, so its cache is always live.
//! - A lookup that raced an invalidation is not cached: every invalidation
//!   bumps a generation, and a session read before it is dropped.
//! - Entries live at most [`MAX_AGE`] and never past the session's expiry;
//!   at most [`CAPACITY`] are kept. Only sessions that exist are cached, so
//!   unknown tokens cannot fill it.
//! - It also remembers when this instance last recorded each session's use
//!   ([`SessionCache::claim_use`]), so `last_used_at` is written at most once
//!   per interval, in the background, never on every request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use profile_domain::user::UserId;

/// Most sessions kept; past it, the cache is emptied and refilled.
pub(crate) const CAPACITY: usize = 100_000;
/// Longest an entry is served before it is read again.
pub(crate) const MAX_AGE: Duration = Duration::from_secs(300);

/// What a cached session says about its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CachedSession {
    pub user_id: UserId,
    pub role_id: i64,
    pub expires_at: DateTime<Utc>,
    /// When it was last used as stored (its creation when never recorded).
    pub last_used_at: DateTime<Utc>,
}

#[derive(Debug)]
struct Entry {
    session: CachedSession,
    cached_at: Instant,
}

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct SessionCache {
    entries: Mutex<HashMap<String, Entry>>,
    generation: AtomicU64,
    live: AtomicBool,
    /// Token digest → the last use this instance recorded (or is recording).
    used: Mutex<HashMap<String, DateTime<Utc>>>,
}

/// The generation a lookup started at; see [`SessionCache::insert`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ticket(u64);

impl SessionCache {
    pub(crate) fn new(live: bool) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
            live: AtomicBool::new(live),
            used: Mutex::new(HashMap::new()),
        }
    }

    /// Whether the use of `session` (token `digest`) at `now` is to be
    /// recorded: true when neither the stored time nor the last one this
    /// instance recorded is within `interval` of `now`; it is then taken as
    /// recorded, so concurrent requests record it once.
    pub(crate) fn claim_use(
        &self,
        digest: &str,
        session: &CachedSession,
        now: DateTime<Utc>,
        interval: chrono::Duration,
    ) -> bool {
        if now - session.last_used_at < interval {
            return false;
        }
        let mut used = match self.used.lock() {
            Ok(used) => used,
            Err(poisoned) => poisoned.into_inner(),
        };
        if used.get(digest).is_some_and(|&at| now - at < interval) {
            return false;
        }
        if used.len() >= CAPACITY {
            used.clear();
        }
        used.insert(digest.to_owned(), now);
        true
    }

    /// The last use of token `digest` this instance recorded, if any (the
    /// write may not have reached the database yet).
    pub(crate) fn recorded_use(&self, digest: &str) -> Option<DateTime<Utc>> {
        self.used.lock().ok()?.get(digest).copied()
    }

    /// The cached session of token `digest`, if live, fresh and not expired at `now`.
    pub(crate) fn get(&self, digest: &str, now: DateTime<Utc>) -> Option<CachedSession> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(digest)?;
        (entry.session.expires_at > now && entry.cached_at.elapsed() < MAX_AGE).then_some(entry.session)
    }

    /// Taken before reading a session from the database.
    pub(crate) fn ticket(&self) -> Ticket {
        Ticket(self.generation.load(Ordering::Acquire))
    }

    /// Caches `session` unless something was invalidated since `ticket`
    /// was taken (the read may predate a revocation) or the cache is not live.
    pub(crate) fn insert(&self, ticket: Ticket, digest: &str, session: CachedSession) {
        if !self.live.load(Ordering::Acquire) {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else { return };
        // Checked under the lock, which invalidations also take.
        if self.generation.load(Ordering::Acquire) != ticket.0 {
            return;
        }
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(digest.to_owned(), Entry { session, cached_at: Instant::now() });
    }

    /// Forgets the session of token `digest`.
    pub(crate) fn invalidate_token(&self, digest: &str) {
        self.invalidate(|entries| {
            entries.remove(digest);
        });
    }

    /// Forgets every session of `user`.
    pub(crate) fn invalidate_user(&self, user: UserId) {
        self.invalidate(|entries| entries.retain(|_, entry| entry.session.user_id != user));
    }

    /// Forgets everything, and serves again only when `live`.
    pub(crate) fn reset(&self, live: bool) {
        self.invalidate(HashMap::clear);
        self.live.store(live, Ordering::Release);
    }

    fn invalidate(&self, forget: impl FnOnce(&mut HashMap<String, Entry>)) {
        let mut entries = match self.entries.lock() {
            Ok(entries) => entries,
            Err(poisoned) => poisoned.into_inner(),
        };
        self.generation.fetch_add(1, Ordering::AcqRel);
        forget(&mut entries);
    }

    /// Applies one invalidation message (`u:<user id>` or `t:<token digest>`);
    /// one it cannot read empties the cache.
    pub(crate) fn apply(&self, message: &str) {
        match message.split_once(':') {
            Some(("u", id)) if id.parse::<i64>().is_ok() => {
                self.invalidate_user(UserId(id.parse().unwrap_or_default()));
            }
            Some(("t", digest)) => self.invalidate_token(digest),
            _ => self.reset(self.live.load(Ordering::Acquire)),
        }
    }
}

/// The message that invalidates every session of `user`.
pub(crate) fn user_message(user: UserId) -> String {
    format!("u:{}", user.0)
}

/// The message that invalidates the session of token `digest`.
pub(crate) fn token_message(digest: &str) -> String {
    format!("t:{digest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(user: i64) -> CachedSession {
        let expires_at = DateTime::parse_from_rfc3339("2100-01-01T00:00:00Z").unwrap().to_utc();
        CachedSession { user_id: UserId(user), role_id: 1, expires_at, last_used_at: noon() }
    }

    fn noon() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-05T12:00:00Z").unwrap().to_utc()
    }

    #[test]
    fn a_use_is_recorded_at_most_once_per_interval() {
        let cache = SessionCache::new(true);
        let minute = chrono::Duration::minutes(1);
        let at = |seconds| noon() + chrono::Duration::seconds(seconds);
        let stored = session(1);
        // (now, recorded?): the stored time counts, then this instance's own records.
        let cases = [(59, false), (60, true), (61, false), (119, false), (120, true), (150, false)];
        for (seconds, expected) in cases {
            assert_eq!(cache.claim_use("a", &stored, at(seconds), minute), expected, "{seconds} s");
        }
        assert_eq!(cache.recorded_use("a"), Some(at(120)));
        assert!(cache.claim_use("b", &stored, at(60), minute), "each session has its own clock");
        let mut recent = session(1);
        recent.last_used_at = at(100);
        assert!(!cache.claim_use("c", &recent, at(150), minute), "a use stored by another instance counts");
    }

    #[test]
    fn a_cached_session_is_served_until_invalidated() {
        let cache = SessionCache::new(true);
        let now = Utc::now();
        cache.insert(cache.ticket(), "a", session(1));
        cache.insert(cache.ticket(), "b", session(2));
        assert_eq!(cache.get("a", now), Some(session(1)));
        cache.apply(&token_message("a"));
        assert_eq!(cache.get("a", now), None);
        assert!(cache.get("b", now).is_some());
        cache.apply(&user_message(UserId(2)));
        assert_eq!(cache.get("b", now), None);
    }

    #[test]
    fn a_lookup_that_raced_an_invalidation_is_not_cached() {
        let cache = SessionCache::new(true);
        let ticket = cache.ticket();
        cache.invalidate_user(UserId(9));
        cache.insert(ticket, "a", session(1));
        assert_eq!(cache.get("a", Utc::now()), None);
    }

    #[test]
    fn nothing_is_served_or_kept_while_not_live() {
        let cache = SessionCache::new(false);
        cache.insert(cache.ticket(), "a", session(1));
        assert_eq!(cache.get("a", Utc::now()), None);
        cache.reset(true);
        cache.insert(cache.ticket(), "a", session(1));
        assert!(cache.get("a", Utc::now()).is_some());
        cache.reset(false);
        assert_eq!(cache.get("a", Utc::now()), None);
    }

    #[test]
    fn an_expired_session_is_not_served() {
        let cache = SessionCache::new(true);
        let mut expired = session(1);
        expired.expires_at = Utc::now() - chrono::Duration::seconds(1);
        cache.insert(cache.ticket(), "a", expired);
        assert_eq!(cache.get("a", Utc::now()), None);
    }

    #[test]
    fn an_unreadable_message_empties_the_cache() {
        let cache = SessionCache::new(true);
        cache.insert(cache.ticket(), "a", session(1));
        cache.apply("garbage");
        assert_eq!(cache.get("a", Utc::now()), None);
    }
}
