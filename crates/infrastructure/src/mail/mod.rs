//! [`Mailer`](profile_application::ports::Mailer) adapters on `lettre`:
//! SMTP for production, and `.eml` files in a folder (the outbox of
//! `make run`), which also logs each message's links so that a developer
//! finds them without opening the file.
//!
//! Neither logs a body; only the file adapter logs links, deliberately: the
//! same link already sits in a file on disk beside it (docs/decisions.md).

mod file;
mod smtp;

pub use file::FileMailer;
pub use smtp::{SmtpMailer, SmtpSettings, SmtpTls};

use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use profile_application::model::MailMessage;
use profile_application::ports::MailError;

/// Why a mailer could not be made from its settings.
#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    /// `mail.from` is not an address (`Name <user@host>` or `user@host`).
    #[error("mail.from is not a mail address: {0}")]
    From(String),
    /// The SMTP relay could not be set up.
    #[error("mail.smtp: {0}")]
    Smtp(String),
    /// The outbox folder could not be created.
    #[error("cannot create the outbox folder {path}: {source}")]
    Folder {
        /// The folder.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Parses the sender address of every message.
pub fn sender(from: &str) -> Result<Mailbox, MailConfigError> {
    from.parse().map_err(|_| MailConfigError::From(from.to_owned()))
}

/// The MIME message: `multipart/alternative` with the plain text and the HTML.
fn build(from: &Mailbox, mail: &MailMessage) -> Result<Message, MailError> {
    let to: Mailbox =
        mail.to.parse().map_err(|_| MailError::Permanent("the recipient is not a mail address".into()))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .multipart(MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone()))
        .map_err(|e| MailError::Permanent(profile_application::Cause::new(e)))
}

/// The `http://` and `https://` links of a plain-text body.
fn links(text: &str) -> Vec<&str> {
    text.split_whitespace()
        .filter(|word| word.starts_with("https://") || word.starts_with("http://"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_found_in_plain_text() {
        let text = "Open\n\nhttps://x.test/v1/password-resets/pfd_1 within http://y.test/a\n";
        assert_eq!(links(text), ["https://x.test/v1/password-resets/pfd_1", "http://y.test/a"]);
    }

    #[test]
    fn a_bad_recipient_is_permanent() {
        let from = sender("Profiles <no-reply@example.com>").unwrap();
        let mail = MailMessage { to: "nope".into(), subject: "s".into(), text: "t".into(), html: "h".into() };
        assert!(matches!(build(&from, &mail), Err(MailError::Permanent(_))));
        assert!(sender("not an address").is_err());
    }
}
