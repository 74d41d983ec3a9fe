//! SMTP through `lettre`, with rustls on aws-lc-rs (the one crypto provider
//! of the binary). Logs nothing of a message.

use std::time::Duration;

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use profile_application::Cause;
use profile_application::model::MailMessage;
use profile_application::ports::{MailError, Mailer};
use secrecy::{ExposeSecret, SecretString};

use super::{MailConfigError, build};

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text (a relay on loopback or a trusted network only).
    None,
    /// Plain connection upgraded with `STARTTLS`, which is required.
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

/// Where and how to reach the relay. `Debug` leaves the password out.
#[derive(Clone)]
pub struct SmtpSettings {
    /// Host name (also the name the certificate must carry).
    pub host: String,
    /// Port.
    pub port: u16,
    /// Connection protection.
    pub tls: SmtpTls,
    /// User name; empty = no authentication.
    pub username: String,
    /// Password.
    pub password: SecretString,
    /// How long one exchange with the relay may take.
    pub timeout: Duration,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Sends through an SMTP relay; connections are pooled by lettre.
pub struct SmtpMailer {
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer").finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for the relay `settings` describe, sending as `from`. Does
    /// not connect: a relay that is down only delays mail.
    pub fn new(settings: &SmtpSettings, from: Mailbox) -> Result<Self, MailConfigError> {
        let smtp = |e: lettre::transport::smtp::Error| MailConfigError::Smtp(e.to_string());
        let tls = match settings.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::StartTls => Tls::Required(TlsParameters::new(settings.host.clone()).map_err(smtp)?),
            SmtpTls::Tls => Tls::Wrapper(TlsParameters::new(settings.host.clone()).map_err(smtp)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.clone())
            .port(settings.port)
            .tls(tls)
            .timeout(Some(settings.timeout));
        if !settings.username.is_empty() {
            builder = builder.credentials(Credentials::new(
                settings.username.clone(),
                settings.password.expose_secret().to_owned(),
            ));
        }
        Ok(Self { from, transport: builder.build() })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, message: &MailMessage) -> Result<(), MailError> {
        let email = build(&self.from, message)?;
        match self.transport.send(email).await {
            Ok(_) => Ok(()),
            Err(error) if error.is_permanent() => Err(MailError::Permanent(Cause::new(error))),
            Err(error) => Err(MailError::Transient(Cause::new(error))),
        }
    }
}
