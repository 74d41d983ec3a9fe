//! Shared fakes for use-case tests.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeZone, Utc};
use profile_domain::account::{Email, Username};
use profile_domain::profile::Profile;
use profile_domain::user::{Privilege, Role, UserId, UserRef};

use crate::model::{
    Caller, ChangeOrigin, Edit, Edited, IssuedToken, ProfileWrite, StoredProfile, TokenDigest,
};
use crate::ports::Editor;
use crate::ports::RepoError;
use crate::ports::clock::MockClock;
use crate::ports::profile_reader::MockProfileReader;
use crate::ports::rate_limiter::MockRateLimiter;
use crate::ports::session_repository::MockSessionRepository;
use crate::ports::token_issuer::MockTokenIssuer;
use crate::use_cases::StartSession;

pub(crate) fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

pub(crate) fn fixed_clock() -> Arc<MockClock> {
    let mut clock = MockClock::new();
    clock.expect_now().returning(noon);
    Arc::new(clock)
}

/// Issues `secret` with digest `digest-of-secret`; digests any token as `digest-of-<token>`.
pub(crate) fn fixed_tokens() -> Arc<MockTokenIssuer> {
    let mut tokens = MockTokenIssuer::new();
    tokens.expect_issue().returning(|| IssuedToken {
        secret: "secret".into(),
        digest: TokenDigest("digest-of-secret".into()),
    });
    tokens.expect_digest().returning(|t| TokenDigest(format!("digest-of-{t}")));
    Arc::new(tokens)
}

/// A rate limiter with nothing counted that counts nothing.
pub(crate) fn open_limiter() -> Arc<MockRateLimiter> {
    let mut limiter = MockRateLimiter::new();
    limiter.expect_windows().returning(|keys, _| Ok(vec![None; keys.len()]));
    limiter.expect_record().returning(|_, _, _| Ok(()));
    limiter.expect_clear().returning(|_| Ok(()));
    Arc::new(limiter)
}

pub(crate) fn start_session_with(sessions: MockSessionRepository) -> StartSession {
    StartSession::new(Arc::new(sessions), fixed_tokens(), fixed_clock(), chrono::Duration::days(30))
}

/// What `ProfileWriter::edit` does, on a profile held in memory: calls the
/// editor with `stored` and answers as the port says. `written` receives
/// what was stored, for assertions.
pub(crate) fn edit_on(
    stored: StoredProfile,
    written: Arc<Mutex<Vec<ProfileWrite>>>,
) -> impl Fn(&UserRef, Editor, &ChangeOrigin) -> Result<Edited, RepoError> + Send + 'static {
    move |_, mut editor, _| {
        Ok(match editor.edit(&stored) {
            Ok(Edit::Keep) => Edited::Kept(stored.clone()),
            Ok(Edit::Store(write)) => {
                written.lock().unwrap().push(write.clone());
                let after = StoredProfile {
                    profile: write.profile,
                    avatar: write.avatar,
                    cover: write.cover,
                    mentions: None,
                    suspension: None,
                };
                Edited::Stored { before: stored.clone(), after }
            }
            Err(error) => Edited::Refused(error),
        })
    }
}

/// User `id` with the role `user` (no privileges), calling with the session `t`.
pub(crate) fn member_caller(id: i64) -> Caller {
    Caller {
        user_id: UserId(id),
        role: Role::new(1, "user", Default::default()),
        token_digest: TokenDigest("t".into()),
        request_id: None,
    }
}

/// User 1 with the role `admin` holding `privileges`, calling with the session `t`.
pub(crate) fn admin_caller_with(privileges: &[Privilege]) -> Caller {
    Caller {
        user_id: UserId(1),
        role: Role::new(2, "admin", privileges.iter().copied().collect()),
        token_digest: TokenDigest("t".into()),
        request_id: None,
    }
}

/// Alice (user 5, role `user`), calling with the session `current`.
pub(crate) fn alice_caller() -> Caller {
    Caller {
        user_id: UserId(5),
        role: Role::new(1, "user", Default::default()),
        token_digest: TokenDigest("current".into()),
        request_id: None,
    }
}

/// A reader that finds Alice (`alice_w`, `alice@example.com`) by any reference.
pub(crate) fn alice_reader() -> Arc<MockProfileReader> {
    let mut profiles = MockProfileReader::new();
    profiles.expect_find().returning(|_| {
        let username = Username::try_from("alice_w").unwrap();
        let email = Email::try_from("alice@example.com").unwrap();
        let role = Role::new(1, "user", Default::default());
        Ok(Some(StoredProfile::without_images(Profile::new(UserId(5), username, email, role, noon()))))
    });
    Arc::new(profiles)
}
