//! Records the use cases exchange with ports and callers.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use profile_domain::account::{Email, Username};
use profile_domain::change::ChangeKind;
use profile_domain::profile::{
    Actor, DisplayName, FieldChange, FieldUpdate, ImageAlt, Profile, RawField, RenderedDescription,
    VisibleProfile, changed_fields,
};
use profile_domain::user::{Privilege, Role, UserId};
use profile_domain::{FieldCode, FieldError, ValidationErrors};
use serde_json::Value;

/// What is needed to check a login. `Debug` leaves the hash out.
#[derive(Clone, PartialEq)]
pub struct Credentials {
    /// The account the login names.
    pub user_id: UserId,
    /// Stored PHC string.
    pub password_hash: String,
    /// True while an administrator keeps the account suspended: the login
    /// is then refused exactly like a wrong password.
    pub suspended: bool,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("user_id", &self.user_id).finish_non_exhaustive()
    }
}

/// The authenticated principal of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    /// Who is calling.
    pub user_id: UserId,
    /// Their role and privileges.
    pub role: Role,
    /// Digest of the token that authenticated this request.
    pub token_digest: TokenDigest,
    /// The id of the request (`X-Request-Id`), for the audit trail.
    pub request_id: Option<String>,
}

impl Caller {
    /// True when the caller's role grants `privilege`.
    pub fn can(&self, privilege: Privilege) -> bool {
        self.role.can(privilege)
    }

    /// The caller as the domain's update rules see them.
    pub fn actor(&self) -> Actor {
        Actor { user_id: self.user_id, role: self.role.clone() }
    }

    /// The caller as the author of a change, with the request's id.
    pub fn origin(&self) -> ChangeOrigin {
        ChangeOrigin { by: ChangedBy::User(self.user_id), request_id: self.request_id.clone() }
    }
}

/// Who made a change, as the audit trail records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangedBy {
    /// The service itself (a command-line task, a background task).
    System,
    /// The account the change is about, before it has a session (signing
    /// up, redeeming a mailed token).
    Owner,
    /// The signed-in user with this id: the account itself, or an
    /// administrator when it is another account.
    User(UserId),
}

/// Who made a change and in which request: what every change to an account
/// or profile hands its repository for the audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeOrigin {
    /// Who acted.
    pub by: ChangedBy,
    /// The id of the request (`X-Request-Id`), when made over HTTP.
    pub request_id: Option<String>,
}

impl ChangeOrigin {
    /// A change the service makes by itself.
    pub fn system() -> Self {
        Self { by: ChangedBy::System, request_id: None }
    }

    /// A change the account's owner makes without a session, in the request `request_id`.
    pub fn owner(request_id: Option<String>) -> Self {
        Self { by: ChangedBy::Owner, request_id }
    }
}

/// One record of the audit trail, as its readers see it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    /// Its id: newer records have larger ids (the pagination cursor).
    pub id: i64,
    /// The account the change was made to.
    pub user_id: UserId,
    /// `user`, `admin` or `system`.
    pub actor_kind: String,
    /// The account that acted (`None` for the system).
    pub actor_id: Option<UserId>,
    /// The id of the request that made the change.
    pub request_id: Option<String>,
    /// What happened (`user.created`, `profile.updated`, …; the event type).
    pub action: String,
    /// The fields changed; private ones without values.
    pub changes: Vec<profile_domain::profile::FieldChange>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// One page of an account's audit trail, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditPage {
    /// The records.
    pub records: Vec<AuditRecord>,
    /// Where the next page starts (the last record's id), when there may be one.
    pub next_cursor: Option<i64>,
}

/// SHA-256 of a session token, hex-encoded: the only form stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenDigest(pub String);

/// A freshly issued token: the secret goes to the client once, the digest to storage.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The bearer secret, shown to the client exactly once.
    pub secret: String,
    /// What is stored.
    pub digest: TokenDigest,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken").field("digest", &self.digest).finish_non_exhaustive()
    }
}

/// A session to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSession {
    /// Owner of the session.
    pub user_id: UserId,
    /// Digest of its token.
    pub digest: TokenDigest,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
    /// The `User-Agent` the session was started with, cleaned.
    pub user_agent: Option<profile_domain::account::UserAgent>,
}

/// A stored session as its owner sees it in their list: never its token
/// nor the token's digest.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionInfo {
    /// Its public id (the row's key, not derived from the token).
    pub id: i64,
    /// When it was started.
    pub created_at: DateTime<Utc>,
    /// When a request last used it, to the minute (see `SessionRepository`).
    pub last_used_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// The `User-Agent` it was started with.
    pub user_agent: Option<String>,
    /// Whether it is the session of the request that asks.
    pub current: bool,
}

/// What deleting an account leaves to do after its commit: the image files
/// its profile pointed to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeletedAccount {
    /// Keys of every stored image file (every variant of avatar and cover).
    pub media_keys: Vec<String>,
}

/// Everything the service holds about one account, for its owner.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountExport {
    /// The profile as its owner sees it (private fields included), with
    /// its images in every stored size and their alt texts.
    pub profile: ProfileView,
    /// The account's live sessions.
    pub sessions: Vec<SessionInfo>,
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
}

/// A session handed to the client. `Debug` leaves the token out.
#[derive(Clone, PartialEq)]
pub struct IssuedSession {
    /// The bearer token.
    pub token: String,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for IssuedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedSession").field("expires_at", &self.expires_at).finish_non_exhaustive()
    }
}

/// An account to create. `Debug` leaves the password hash out.
#[derive(Clone, PartialEq)]
pub struct NewUser {
    /// Public handle.
    pub username: Username,
    /// Email address.
    pub email: Email,
    /// PHC string of the password.
    pub password_hash: String,
    /// Display name.
    pub name: DisplayName,
    /// Name of the role to assign (`user`, `admin`).
    pub role: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("email", &self.email)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// A profile as stored, with its images.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredProfile {
    /// The profile.
    pub profile: Profile,
    /// The uploaded avatar; `None` means the default image.
    pub avatar: Option<ProfileImage>,
    /// The uploaded cover; `None` means the default image.
    pub cover: Option<ProfileImage>,
    /// The users the description mentions, by lower-case name, when the
    /// repository resolved them together with the profile (names nobody has
    /// are absent); `None` when it did not, and they must be looked up.
    pub mentions: Option<HashMap<String, UserId>>,
    /// The suspension in force, if an administrator suspended the account.
    pub suspension: Option<Suspension>,
}

impl StoredProfile {
    /// A profile without uploaded images.
    pub fn without_images(profile: Profile) -> Self {
        Self { profile, avatar: None, cover: None, mentions: None, suspension: None }
    }

    /// The image of `kind`.
    pub fn image(&self, kind: ImageKind) -> Option<&ProfileImage> {
        match kind {
            ImageKind::Avatar => self.avatar.as_ref(),
            ImageKind::Cover => self.cover.as_ref(),
        }
    }
}

/// A profile ready to show to one viewer: the stored profile without the
/// private fields the viewer may not see, its description processed
/// (mentions resolved to the ids of users that exist now), and its images.
/// Presenters show what it holds; they decide nothing about privacy.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileView {
    /// The profile as the viewer may see it.
    pub profile: VisibleProfile,
    /// Description text, HTML and entities.
    pub description: RenderedDescription,
    /// The uploaded avatar; `None` means the default image.
    pub avatar: Option<ProfileImage>,
    /// The uploaded cover; `None` means the default image.
    pub cover: Option<ProfileImage>,
}

/// Which of a profile's two images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageKind {
    /// Square picture, 200×200 primary.
    Avatar,
    /// Wide banner, at least 960 px wide.
    Cover,
}

impl ImageKind {
    /// `avatar` or `cover` (also the multipart field and route name).
    pub fn as_str(self) -> &'static str {
        match self {
            ImageKind::Avatar => "avatar",
            ImageKind::Cover => "cover",
        }
    }
}

/// The alt texts a profile edit sends, before checking: the native API's
/// `avatar_image.alt` and `cover_image.alt` (absent keeps, `null` or a
/// blank string clears). Every other edit leaves both absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageAltInput {
    /// `avatar_image.alt`.
    pub avatar: RawField,
    /// `cover_image.alt`.
    pub cover: RawField,
}

impl ImageAltInput {
    /// The checked change, every error at once at `avatar_image.alt` and
    /// `cover_image.alt`.
    ///
    /// # Errors
    /// The rules of [`ImageAlt::update_from`].
    pub fn parse(&self) -> Result<ImageAltChange, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let avatar = errors.check(ImageAlt::update_from(&self.avatar, "avatar_image.alt"));
        let cover = errors.check(ImageAlt::update_from(&self.cover, "cover_image.alt"));
        errors.into_result(ImageAltChange {
            avatar: avatar.unwrap_or_default(),
            cover: cover.unwrap_or_default(),
        })
    }
}

/// What a profile edit does to the alt texts of the two images.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageAltChange {
    /// The avatar's alt text.
    pub avatar: FieldUpdate<ImageAlt>,
    /// The cover's alt text.
    pub cover: FieldUpdate<ImageAlt>,
}

impl ImageAltChange {
    /// True when both are kept.
    pub fn is_keep(&self) -> bool {
        self.avatar.is_keep() && self.cover.is_keep()
    }

    /// `image` (the uploaded `kind` image, `None` for the default) with its
    /// alt text changed.
    ///
    /// # Errors
    /// `no_image` at `avatar_image.alt` / `cover_image.alt` when an alt
    /// text is set on the default image (clearing it there changes nothing).
    pub fn applied_to(
        &self,
        kind: ImageKind,
        image: Option<&ProfileImage>,
    ) -> Result<Option<ProfileImage>, FieldError> {
        let update = match kind {
            ImageKind::Avatar => &self.avatar,
            ImageKind::Cover => &self.cover,
        };
        match (image, update) {
            (None, FieldUpdate::Set(_)) => {
                Err(FieldError::new(format!("{}_image.alt", kind.as_str()), FieldCode::NoImage))
            }
            (None, _) => Ok(None),
            (Some(image), update) => {
                Ok(Some(ProfileImage { alt: update.applied_to(&image.alt), ..image.clone() }))
            }
        }
    }
}

/// One stored rendition of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageVariant {
    /// Media-store key (content-addressed).
    pub key: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `image/jpeg` or `image/png`.
    pub content_type: String,
}

/// An uploaded image in all its stored sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileImage {
    /// The rendition shown by default (200×200 for avatars).
    pub primary: ImageVariant,
    /// Every rendition, the primary included, narrowest first.
    pub variants: Vec<ImageVariant>,
    /// What the image shows, for people who cannot see it; it belongs to
    /// this upload (a new upload starts without one).
    pub alt: Option<ImageAlt>,
}

impl ProfileImage {
    /// Every media key of the image.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.variants.iter().map(|v| v.key.as_str())
    }

    /// The rendition whose width is nearest to `width` (the wider one on a tie).
    pub fn nearest(&self, width: u32) -> &ImageVariant {
        self.variants
            .iter()
            .min_by_key(|v| (v.width.abs_diff(width), std::cmp::Reverse(v.width)))
            .unwrap_or(&self.primary)
    }
}

/// An old username kept from others until `available_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsernameRetirement {
    /// The name given up.
    pub old: Username,
    /// When others may claim it.
    pub available_at: DateTime<Utc>,
}

/// What an edit of a stored profile decided (see [`ProfileWriter::edit`](crate::ports::ProfileWriter::edit)).
// Returned once per request and matched at once: boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Nothing changes; nothing is written.
    Keep,
    /// Store this.
    Store(ProfileWrite),
}

/// The new state of a profile and its images.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileWrite {
    /// The profile, its version already bumped.
    pub profile: Profile,
    /// The avatar to keep or set; `None` means the default image.
    pub avatar: Option<ProfileImage>,
    /// The cover to keep or set; `None` means the default image.
    pub cover: Option<ProfileImage>,
    /// The old username to retire, when the change renames the user.
    pub retirement: Option<UsernameRetirement>,
    /// The change takes `users.manage` away from this account: the
    /// repository stores it only while another account still holds it.
    pub requires_another_manager: bool,
}

impl ProfileWrite {
    /// The fields this write changes from `before`, the images' included
    /// (`avatar_image` and `cover_image` by their primary media key, their
    /// alt texts as `avatar_image.alt` and `cover_image.alt`); private fields
    /// without values. What the audit record and the event report.
    pub fn changes_from(&self, before: &StoredProfile) -> Vec<FieldChange> {
        let mut changes = changed_fields(&before.profile, &self.profile);
        for (kind, old, new) in [
            (ImageKind::Avatar, &before.avatar, &self.avatar),
            (ImageKind::Cover, &before.cover, &self.cover),
        ] {
            let key = |image: &Option<ProfileImage>| {
                image.as_ref().map_or(Value::Null, |i| Value::String(i.primary.key.clone()))
            };
            let alt = |image: &Option<ProfileImage>| {
                image
                    .as_ref()
                    .and_then(|i| i.alt.as_ref())
                    .map_or(Value::Null, |a| Value::String(a.to_string()))
            };
            let field = format!("{}_image", kind.as_str());
            if key(old) != key(new) {
                changes.push(FieldChange::public(field.clone(), key(old), key(new)));
            }
            if alt(old) != alt(new) {
                changes.push(FieldChange::public(format!("{field}.alt"), alt(old), alt(new)));
            }
        }
        changes
    }
}

/// The event type of a profile edit that made `changes`: `avatar.updated`
/// or `cover.updated` when only that image (or its alt text) changed,
/// `user.role_changed` when only the role did, else `profile.updated`.
pub fn edit_event_type(changes: &[FieldChange]) -> ChangeKind {
    let only = |prefix: &str| {
        !changes.is_empty()
            && changes.iter().all(|c| c.field == prefix || c.field.starts_with(&format!("{prefix}.")))
    };
    if only("avatar_image") {
        ChangeKind::AvatarUpdated
    } else if only("cover_image") {
        ChangeKind::CoverUpdated
    } else if only("role") {
        ChangeKind::RoleChanged
    } else {
        ChangeKind::ProfileUpdated
    }
}

/// How an edit ended.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Edited {
    /// The write was stored.
    Stored {
        /// The profile as the edit found it.
        before: StoredProfile,
        /// The profile as it now is.
        after: StoredProfile,
    },
    /// The edit kept the profile as it was.
    Kept(StoredProfile),
    /// The edit refused the change; nothing was written.
    Refused(crate::AppError),
}

/// One mail to send: a recipient, a subject, and the same English text as
/// plain text and as HTML. `Debug` shows neither body (they carry links with
/// tokens) nor the recipient.
#[derive(Clone, PartialEq, Eq)]
pub struct MailMessage {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body (the same content).
    pub html: String,
}

impl std::fmt::Debug for MailMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailMessage").field("subject", &self.subject).finish_non_exhaustive()
    }
}

/// A mail waiting in the outbox, claimed for one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMail {
    /// The outbox row.
    pub id: i64,
    /// What to send.
    pub message: MailMessage,
    /// Failed attempts so far.
    pub attempts: u32,
}

/// What an account token is for; each purpose has its own expiry and is
/// redeemed only by its own use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenPurpose {
    /// A forgotten password: the token lets its holder set a new one.
    PasswordReset,
    /// Proving the account's address.
    EmailVerification,
    /// Proving a new address before it replaces the old one (the payload
    /// holds the new address).
    EmailChange,
}

impl TokenPurpose {
    /// The stored name (`password_reset`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PasswordReset => "password_reset",
            Self::EmailVerification => "email_verification",
            Self::EmailChange => "email_change",
        }
    }

    /// The purpose stored as `raw`, if any.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::PasswordReset, Self::EmailVerification, Self::EmailChange]
            .into_iter()
            .find(|p| p.as_str() == raw)
    }
}

/// An account token to store: only the digest of its secret is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccountToken {
    /// The account it acts on.
    pub user_id: UserId,
    /// What it is for.
    pub purpose: TokenPurpose,
    /// Digest of the secret sent by mail.
    pub digest: TokenDigest,
    /// Purpose-specific data, such as the new address of an email change.
    pub payload: Option<String>,
    /// Issue time.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// A stored account token that is still usable (not used, not expired).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountToken {
    /// The stored row.
    pub id: i64,
    /// The account it acts on.
    pub user_id: UserId,
    /// What it is for.
    pub purpose: TokenPurpose,
    /// Purpose-specific data.
    pub payload: Option<String>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// An administrator's suspension of an account: while it holds, the account
/// cannot log in and its profile is hidden from everyone but administrators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspension {
    /// Why, as the administrator wrote it (1 to 500 characters).
    pub reason: SuspensionReason,
    /// Since when.
    pub suspended_at: DateTime<Utc>,
    /// The administrator who suspended the account.
    pub suspended_by: UserId,
}

/// The reason given for a suspension: 1 to 500 characters once trimmed,
/// no control characters but line breaks and tabs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuspensionReason(String);

impl SuspensionReason {
    /// The most characters a reason may have.
    pub const MAX_CHARS: usize = 500;

    /// The reason.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for SuspensionReason {
    type Error = FieldError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        let reason = raw.trim();
        if reason.is_empty() {
            return Err(FieldError::new("reason", FieldCode::Required).with_message("Give a reason."));
        }
        if reason.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
            return Err(FieldError::new("reason", FieldCode::ControlCharacters));
        }
        if reason.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new("reason", FieldCode::TooLong)
                .with_message(format!("A reason has at most {} characters.", Self::MAX_CHARS)));
        }
        Ok(Self(reason.to_owned()))
    }
}

/// How the directory orders its users; ties are broken by id, the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DirectorySort {
    /// Oldest first.
    CreatedAt,
    /// Newest first (the default).
    #[default]
    CreatedAtDescending,
    /// By lower-case username, A to Z.
    Username,
    /// By lower-case username, Z to A.
    UsernameDescending,
}

impl DirectorySort {
    /// The wire name: `created_at`, `-created_at`, `username`, `-username`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreatedAt => "created_at",
            Self::CreatedAtDescending => "-created_at",
            Self::Username => "username",
            Self::UsernameDescending => "-username",
        }
    }

    /// True for the descending orders.
    pub fn descending(self) -> bool {
        matches!(self, Self::CreatedAtDescending | Self::UsernameDescending)
    }
}

impl TryFrom<&str> for DirectorySort {
    type Error = FieldError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        [Self::CreatedAt, Self::CreatedAtDescending, Self::Username, Self::UsernameDescending]
            .into_iter()
            .find(|sort| sort.as_str() == raw)
            .ok_or_else(|| {
                FieldError::new("sort", FieldCode::InvalidFormat)
                    .with_message("One of created_at, -created_at, username, -username.")
            })
    }
}

/// Which suspended accounts a directory read lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SuspendedFilter {
    /// Only accounts that are not suspended (the default).
    #[default]
    Exclude,
    /// Only suspended accounts.
    Only,
    /// Both.
    Any,
}

/// Where the previous page ended: the sort key of its last user and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectoryKey {
    /// For the date sorts.
    CreatedAt(DateTime<Utc>, UserId),
    /// For the username sorts: the lower-case username.
    Username(String, UserId),
}

/// One directory read: filters, order, page size and where to resume.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DirectoryQuery {
    /// A username prefix, an exact email or the starts of the display
    /// name's words, case-insensitively; trimmed, never empty.
    pub q: Option<String>,
    /// Only users of this role (`user` or `admin`).
    pub role: Option<String>,
    /// Only users whose email address is verified (`true`) or is not (`false`).
    pub verified: Option<bool>,
    /// Only users created at or after this instant.
    pub created_after: Option<DateTime<Utc>>,
    /// Only users created before this instant.
    pub created_before: Option<DateTime<Utc>>,
    /// Which suspended accounts to list.
    pub suspended: SuspendedFilter,
    /// The order.
    pub sort: DirectorySort,
    /// Users per page, 1 to 100.
    pub limit: u16,
    /// Resume after this key (it matches `sort`).
    pub after: Option<DirectoryKey>,
}

/// One page of the directory.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryPage {
    /// The users, ready to show to the caller.
    pub items: Vec<DirectoryEntry>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<DirectoryKey>,
}

/// One user in the directory.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryEntry {
    /// The profile as the caller may see it.
    pub view: ProfileView,
    /// The suspension in force, shown to administrators.
    pub suspension: Option<Suspension>,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use profile_domain::account::{Email, Username};
    use profile_domain::user::Role;
    use serde_json::json;

    use super::*;

    fn image(key: &str, alt: Option<&str>) -> ProfileImage {
        let primary =
            ImageVariant { key: key.into(), width: 200, height: 200, content_type: "image/jpeg".into() };
        ProfileImage {
            primary: primary.clone(),
            variants: vec![primary],
            alt: alt.map(|a| ImageAlt::restore(a.to_owned())),
        }
    }

    fn stored(avatar: Option<ProfileImage>) -> StoredProfile {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let profile = Profile::new(
            UserId(1),
            Username::try_from("alice").unwrap(),
            Email::try_from("alice@example.com").unwrap(),
            Role::new(1, "user", Default::default()),
            now,
        );
        StoredProfile { avatar, ..StoredProfile::without_images(profile) }
    }

    fn write(from: &StoredProfile, avatar: Option<ProfileImage>) -> ProfileWrite {
        ProfileWrite {
            profile: from.profile.clone(),
            avatar,
            cover: from.cover.clone(),
            retirement: None,
            requires_another_manager: false,
        }
    }

    #[test]
    fn an_image_change_is_its_key_and_its_alt_text_and_names_the_event() {
        let before = stored(Some(image("old", None)));
        let changes = write(&before, Some(image("new", Some("A cat")))).changes_from(&before);
        assert_eq!(
            changes,
            [
                FieldChange::public("avatar_image", json!("old"), json!("new")),
                FieldChange::public("avatar_image.alt", Value::Null, json!("A cat")),
            ]
        );
        assert_eq!(edit_event_type(&changes), ChangeKind::AvatarUpdated);
    }

    #[test]
    fn the_event_type_follows_what_changed() {
        let role = FieldChange::public("role", json!("user"), json!("admin"));
        let location = FieldChange::public("location", Value::Null, json!("Oslo"));
        let cover = FieldChange::public("cover_image.alt", Value::Null, json!("Sea"));
        let cases: [(&[FieldChange], ChangeKind); 5] = [
            (&[], ChangeKind::ProfileUpdated),
            (std::slice::from_ref(&role), ChangeKind::RoleChanged),
            (&[role.clone(), location.clone()], ChangeKind::ProfileUpdated),
            (std::slice::from_ref(&cover), ChangeKind::CoverUpdated),
            (&[cover.clone(), location.clone()], ChangeKind::ProfileUpdated),
        ];
        for (changes, expected) in cases {
            assert_eq!(edit_event_type(changes), expected, "{changes:?}");
        }
    }
}
