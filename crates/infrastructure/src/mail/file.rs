//! Messages as `.eml` files in a folder (lettre's file transport).

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::{AsyncFileTransport, AsyncTransport, Tokio1Executor};
use profile_application::model::MailMessage;
use profile_application::ports::{MailError, Mailer};
use profile_application::{Cause, Chain};

use super::{MailConfigError, build, links};

/// Writes each message to `{dir}/{uuid}.eml` and logs its links at info level.
pub struct FileMailer {
    from: Mailbox,
    dir: PathBuf,
    transport: AsyncFileTransport<Tokio1Executor>,
}

impl std::fmt::Debug for FileMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileMailer").field("dir", &self.dir).finish_non_exhaustive()
    }
}

impl FileMailer {
    /// A mailer writing into `dir` (created when missing) as `from`.
    pub fn new(dir: &Path, from: Mailbox) -> Result<Self, MailConfigError> {
        std::fs::create_dir_all(dir)
            .map_err(|source| MailConfigError::Folder { path: dir.display().to_string(), source })?;
        Ok(Self { from, dir: dir.to_owned(), transport: AsyncFileTransport::new(dir) })
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, message: &MailMessage) -> Result<(), MailError> {
        let email = build(&self.from, message)?;
        let id = self.transport.send(email).await.map_err(|error| {
            tracing::warn!(error = %Chain(&error), "cannot write a mail to the outbox folder");
            MailError::Transient(Cause::new(error))
        })?;
        let file = self.dir.join(format!("{id}.eml"));
        tracing::info!(file = %file.display(), subject = %message.subject, links = ?links(&message.text),
            "mail written to the outbox folder");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_message_becomes_an_eml_file_with_both_parts() {
        let dir = tempfile::tempdir().unwrap();
        let mailer =
            FileMailer::new(&dir.path().join("outbox"), super::super::sender("p <p@example.com>").unwrap())
                .unwrap();
        let mail = MailMessage {
            to: "alice@example.com".into(),
            subject: "Reset your password".into(),
            text: "Open https://x.test/r/1\n".into(),
            html: "<p><a href=\"https://x.test/r/1\">link</a></p>".into(),
        };

        mailer.send(&mail).await.unwrap();

        let files: Vec<_> =
            std::fs::read_dir(dir.path().join("outbox")).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].extension().unwrap(), "eml");
        let eml = std::fs::read_to_string(&files[0]).unwrap();
        assert!(eml.contains("To: alice@example.com"));
        assert!(eml.contains("multipart/alternative"));
        assert!(eml.contains("text/html"));
    }
}
