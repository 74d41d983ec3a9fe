//! One use case per user intention.

pub mod authenticate;
pub mod change_email;
pub mod change_password;
pub mod create_account;
pub mod delete_account;
pub mod deliver_mail;
pub mod deliver_webhooks;
pub mod end_sessions;
pub mod export_account;
pub mod fetch_media;
pub mod find_image;
pub mod get_profile;
pub mod list_sessions;
pub mod list_users;
pub mod log_in;
pub mod log_out;
pub mod manage_webhooks;
pub mod purge_expired;
pub mod read_audit;
pub mod register_account;
pub mod replace_image;
pub mod request_password_reset;
pub mod reset_password;
pub mod send_email_verification;
pub mod start_session;
pub mod suspend_account;
pub mod update_profile;
pub mod verify_email;

pub use authenticate::Authenticate;
pub use change_email::{ChangeEmail, ChangeEmailCommand};
pub use change_password::{ChangePassword, ChangePasswordCommand};
pub use create_account::{CreateAccount, NewAccount};
pub use delete_account::{DeleteAccount, DeleteAccountCommand};
pub use deliver_mail::{DeliverMail, Delivered, DeliveryPolicy};
pub use deliver_webhooks::{DeliverWebhooks, WebhookPolicy, WebhookRound};
pub use end_sessions::EndSessions;
pub use export_account::ExportAccount;
pub use fetch_media::FetchMedia;
pub use find_image::FindImage;
pub use get_profile::{Fetched, GetProfile};
pub use list_sessions::ListSessions;
pub use list_users::ListUsers;
pub use log_in::{LogIn, LogInCommand, LoginPolicy};
pub use log_out::LogOut;
pub use manage_webhooks::{ManageWebhooks, RegisterWebhookCommand};
pub use purge_expired::{PurgeExpired, Purged};
pub use read_audit::ReadAudit;
pub use register_account::{RegisterAccount, Registered, SignUpPolicy};
pub use replace_image::ReplaceImage;
pub use request_password_reset::{PasswordResetPolicy, RequestPasswordReset};
pub use reset_password::ResetPassword;
pub use send_email_verification::{EmailVerificationPolicy, SendEmailVerification};
pub use start_session::StartSession;
pub use suspend_account::SuspendAccount;
pub use update_profile::{AnnotationsUpdate, ProfilePolicy, UpdateMode, UpdateProfile, UpdateProfileCommand};
pub use verify_email::VerifyEmail;

#[cfg(test)]
pub(crate) mod test_support;

/// Whole seconds in `left`, rounded up and at least one: a `Retry-After`.
pub(crate) fn seconds_left(left: chrono::Duration) -> u64 {
    u64::try_from(left.num_milliseconds()).unwrap_or(0).div_ceil(1000).max(1)
}
