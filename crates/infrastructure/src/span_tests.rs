//! The spans a use case and its adapters open: nested under the use case,
//! named for what they do, and holding no secret or private value.

use std::sync::{Arc, Mutex};

use chrono::{Duration, Utc};
use profile_application::model::NewUser;
use profile_application::ports::{AccountRepository as _, PasswordHasher as _, TokenIssuer as _};
use profile_application::use_cases::{GetProfile, LogIn, LogInCommand, LoginPolicy, StartSession};
use profile_domain::account::{Email, Username};
use profile_domain::profile::DisplayName;
use profile_domain::user::UserRef;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

use crate::{
    Argon2Hasher, Database, PoolSettings, RandomTokenIssuer, SeaRateLimiter, SeaSessionRepository,
    SeaUserRepository, SystemClock,
};

/// What the collector saw: each span as `(name, parent name)`, and every
/// field recorded on a span or an event as `name=value`.
#[derive(Default)]
struct Seen {
    spans: Vec<(String, Option<String>)>,
    fields: Vec<String>,
}

#[derive(Clone, Default)]
struct Collector(Arc<Mutex<Seen>>);

struct Fields<'a>(&'a mut Vec<String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push(format!("{}={value:?}", field.name()));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Collector {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let parent = ctx.span(id).and_then(|span| span.parent()).map(|parent| parent.name().to_owned());
        let mut seen = self.0.lock().unwrap();
        seen.spans.push((attrs.metadata().name().to_owned(), parent));
        attrs.record(&mut Fields(&mut seen.fields));
    }

    fn on_record(&self, _id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        values.record(&mut Fields(&mut self.0.lock().unwrap().fields));
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        event.record(&mut Fields(&mut self.0.lock().unwrap().fields));
    }
}

impl Collector {
    /// Runs `work` with this collector as the thread's subscriber (every
    /// level enabled); the test runtime has one thread, so spawned tasks
    /// report here too.
    async fn watch<T>(&self, work: impl std::future::Future<Output = T>) -> T {
        let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(self.clone()));
        work.await
    }

    fn parent_of(&self, name: &str) -> Vec<Option<String>> {
        let seen = self.0.lock().unwrap();
        seen.spans.iter().filter(|(span, _)| span == name).map(|(_, parent)| parent.clone()).collect()
    }
}

const PASSWORD: &str = "correct horse battery staple";
const EMAIL: &str = "alice.secret@example.com";
const CLIENT: &str = "203.0.113.79";

async fn database_with_alice(hasher: &Argon2Hasher) -> (Database, tempfile::TempDir) {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/spans.db?mode=rwc", folder.path().display());
    let db = Database::connect(&url, PoolSettings::default()).await.unwrap();
    db.migrate().await.unwrap();
    SeaUserRepository::new(db.clone())
        .create(
            &NewUser {
                username: Username::try_from("alice").unwrap(),
                email: Email::try_from(EMAIL).unwrap(),
                password_hash: hasher.hash(PASSWORD).await.unwrap(),
                name: DisplayName::try_from("Alice").unwrap(),
                role: "user".to_owned(),
                created_at: Utc::now(),
            },
            &profile_application::model::ChangeOrigin::system(),
        )
        .await
        .unwrap();
    (db, folder)
}

#[tokio::test]
async fn a_profile_read_opens_the_repository_span_inside_the_use_case_span() {
    let hasher = Argon2Hasher::new(1).unwrap();
    let (db, _folder) = database_with_alice(&hasher).await;
    let get_profile = GetProfile::new(Arc::new(SeaUserRepository::new(db)), true);
    let collector = Collector::default();

    let who = UserRef::Username(Username::try_from("alice").unwrap());
    collector.watch(get_profile.execute(None, &who)).await.unwrap();

    assert_eq!(collector.parent_of("get_profile"), [None]);
    assert_eq!(collector.parent_of("users.find"), [Some("get_profile".to_owned())]);
    let fields = &collector.0.lock().unwrap().fields;
    assert!(fields.contains(&"target=@alice".to_owned()), "{fields:?}");
    assert!(fields.contains(&"who=@alice".to_owned()), "{fields:?}");
}

#[tokio::test]
async fn a_login_records_no_password_token_or_email() {
    let hasher = Arc::new(Argon2Hasher::new(1).unwrap());
    let (db, _folder) = database_with_alice(&hasher).await;
    let clock = Arc::new(SystemClock);
    let start_session = StartSession::new(
        Arc::new(SeaSessionRepository::new(db.clone())),
        Arc::new(RandomTokenIssuer),
        clock.clone(),
        Duration::days(1),
    );
    let log_in = LogIn::new(
        Arc::new(SeaUserRepository::new(db.clone())),
        hasher,
        start_session,
        Arc::new(SeaRateLimiter::new(db)),
        clock,
        LoginPolicy::default(),
    );
    let collector = Collector::default();

    let command = LogInCommand {
        login: EMAIL.to_owned(),
        password: PASSWORD.to_owned(),
        client: Some(CLIENT.to_owned()),
        user_agent: None,
    };
    let session = collector.watch(log_in.execute(command)).await.unwrap();

    for adapter in ["users.find_credentials", "password.verify", "start_session"] {
        assert_eq!(collector.parent_of(adapter), [Some("log_in".to_owned())], "{adapter}");
    }
    assert_eq!(collector.parent_of("sessions.create"), [Some("start_session".to_owned())]);
    let seen = collector.0.lock().unwrap();
    assert!(seen.fields.contains(&"user_id=1".to_owned()), "{:?}", seen.fields);
    let digest = RandomTokenIssuer.digest(&session.token).0;
    for field in &seen.fields {
        for secret in [PASSWORD, EMAIL, "alice.secret", CLIENT, session.token.as_str(), digest.as_str()] {
            assert!(!field.contains(secret), "{field} reveals {secret}");
        }
    }
}
