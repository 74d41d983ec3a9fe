//! What handlers can reach: the use cases and HTTP-level settings.

use std::sync::Arc;
use std::time::Duration;

use profile_application::ports::HealthCheck;

use crate::client::TrustedProxies;
use profile_application::use_cases::{
    Authenticate, ChangeEmail, ChangePassword, CreateAccount, DeleteAccount, EndSessions, ExportAccount,
    FetchMedia, FindImage, GetProfile, ListSessions, ListUsers, LogIn, LogOut, ManageWebhooks, ReadAudit,
    RegisterAccount, ReplaceImage, RequestPasswordReset, ResetPassword, SendEmailVerification,
    SuspendAccount, UpdateProfile, VerifyEmail,
};

/// Every use case the HTTP layer calls, wired by the composition root.
#[derive(Clone)]
pub struct UseCases {
    /// Sign-up.
    pub register_account: RegisterAccount,
    /// Account creation without a session (admin tooling).
    pub create_account: CreateAccount,
    /// Login.
    pub log_in: LogIn,
    /// Logout.
    pub log_out: LogOut,
    /// The caller's sessions.
    pub list_sessions: ListSessions,
    /// Ending the caller's sessions.
    pub end_sessions: EndSessions,
    /// Deleting accounts.
    pub delete_account: DeleteAccount,
    /// Token → caller.
    pub authenticate: Authenticate,
    /// Password change.
    pub change_password: ChangePassword,
    /// Mailing a password-reset link.
    pub request_password_reset: RequestPasswordReset,
    /// Redeeming a password-reset link.
    pub reset_password: ResetPassword,
    /// Mailing verification links.
    pub send_email_verification: SendEmailVerification,
    /// Redeeming verification and email-change links.
    pub verify_email: VerifyEmail,
    /// Asking for a new address.
    pub change_email: ChangeEmail,
    /// Reading a profile.
    pub get_profile: GetProfile,
    /// Changing a profile.
    pub update_profile: UpdateProfile,
    /// Uploading and removing avatars and covers.
    pub replace_image: ReplaceImage,
    /// The image a profile shows (redirects).
    pub find_image: FindImage,
    /// Stored image files.
    pub fetch_media: FetchMedia,
    /// The caller's data export.
    pub export_account: ExportAccount,
    /// The user directory.
    pub list_users: ListUsers,
    /// Suspending accounts and lifting suspensions.
    pub suspend_account: SuspendAccount,
    /// Reading an account's audit trail.
    pub read_audit: ReadAudit,
    /// Registering webhooks, their deliveries, redelivery.
    pub manage_webhooks: ManageWebhooks,
    /// Readiness probe.
    pub health: Arc<dyn HealthCheck>,
}

/// Limits and options of the HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Largest accepted JSON body, in bytes.
    pub json_limit: usize,
    /// This service's address as clients reach it (`server.public_base_url`).
    pub public_base_url: String,
    /// CDN base for image URLs (`media.public_base_url`); `None` = this service.
    pub media_base_url: Option<String>,
    /// Peers whose forwarding headers name the client.
    pub trusted_proxies: TrustedProxies,
    /// Largest accepted avatar upload, in bytes.
    pub avatar_max_bytes: usize,
    /// Largest accepted cover upload, in bytes.
    pub cover_max_bytes: usize,
    /// A request body that sends nothing for this long is cut off.
    pub body_idle_timeout: Duration,
    /// A request body must be complete within this time.
    pub body_timeout: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            json_limit: 64 * 1024,
            public_base_url: "http://127.0.0.1:8080".into(),
            media_base_url: None,
            trusted_proxies: TrustedProxies::default(),
            avatar_max_bytes: 1024 * 1024 - 1,
            cover_max_bytes: 4 * 1024 * 1024 - 1,
            body_idle_timeout: Duration::from_secs(5),
            body_timeout: Duration::from_secs(60),
        }
    }
}

impl HttpSettings {
    /// The upload limit of `kind` images.
    pub fn max_bytes(&self, kind: profile_application::model::ImageKind) -> usize {
        match kind {
            profile_application::model::ImageKind::Avatar => self.avatar_max_bytes,
            profile_application::model::ImageKind::Cover => self.cover_max_bytes,
        }
    }

    /// Where image URLs point.
    pub fn media_urls(&self) -> crate::media::MediaUrls {
        crate::media::MediaUrls::new(&self.public_base_url, self.media_base_url.as_deref())
    }
}
