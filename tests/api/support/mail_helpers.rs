//! A real SMTP server on loopback for the mail tests (`tests/smtp_sink.py`,
//! on aiosmtpd), and reading links out of received messages.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use profile_server::Settings;
use profile_server::settings::{MailTransport, SmtpTlsMode};

/// The sink process, killed on drop, and the folder of what it received.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl SmtpSink {
    /// Starts the sink on a free port.
    pub fn start() -> Self {
        Self::start_on(free_port())
    }

    /// Starts the sink on `port`, once it accepts connections.
    pub fn start_on(port: u16) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .arg(dir.path().join("messages"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 starts (pip install aiosmtpd)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout is piped"))
            .read_line(&mut line)
            .expect("sink output");
        assert_eq!(line.trim(), "ready", "the SMTP sink did not start (is aiosmtpd installed?)");
        Self { child, port, dir }
    }

    /// The messages received so far, raw.
    pub fn messages(&self) -> Vec<String> {
        eml_files(&self.dir.path().join("messages"))
    }

    /// Waits (at most 15 s) until `count` messages with `subject` arrived
    /// (whatever else arrived too); returns those.
    pub async fn wait_for_subject(&self, subject: &str, count: usize) -> Vec<String> {
        wait_for_subject_in(&self.dir.path().join("messages"), subject, count).await
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port()
}

/// Settings that send mail to an SMTP server on loopback `port`, polling
/// the outbox often.
pub fn use_smtp(settings: &mut Settings, port: u16) {
    settings.mail.transport = MailTransport::Smtp;
    settings.mail.smtp.host = "127.0.0.1".into();
    settings.mail.smtp.port = port;
    settings.mail.smtp.tls = SmtpTlsMode::None;
    settings.mail.smtp.timeout = Duration::from_secs(5);
    settings.mail.poll_interval = Duration::from_millis(100);
}

/// The `.eml` files in `dir`, read.
pub fn eml_files(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
        .collect();
    paths.sort();
    paths.iter().map(|path| std::fs::read_to_string(path).expect("read message")).collect()
}

/// The messages in `dir` with `subject`.
pub fn with_subject(dir: &Path, subject: &str) -> Vec<String> {
    eml_files(dir).into_iter().filter(|m| mail_header(m, "Subject").as_deref() == Some(subject)).collect()
}

/// Waits (at most 15 s) until `dir` holds `count` `.eml` files with
/// `subject`; returns them.
pub async fn wait_for_subject_in(dir: &Path, subject: &str, count: usize) -> Vec<String> {
    let started = Instant::now();
    loop {
        let messages = with_subject(dir, subject);
        if messages.len() >= count || started.elapsed() > Duration::from_secs(15) {
            assert_eq!(messages.len(), count, "messages with subject {subject:?} received in {dir:?}");
            return messages;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The subject of the password-reset mail.
pub const RESET_SUBJECT: &str = "Reset your password";
/// The subject of the verification mail sent at sign-up and on request.
pub const VERIFY_SUBJECT: &str = "Verify your email address";
/// The subject of the link mailed to a new address.
pub const CHANGE_SUBJECT: &str = "Confirm your new email address";
/// The subject of the notice mailed to the old address.
pub const NOTICE_SUBJECT: &str = "Your email address is being changed";

/// The first email-verification link in `message`.
pub fn verification_link(message: &str) -> String {
    let text = unwrapped(message);
    let start = text.find("http").expect("a link in the message");
    let link: String =
        text[start..].chars().take_while(|c| !c.is_whitespace() && *c != '"' && *c != '<').collect();
    assert!(link.contains("/v1/email-verifications/pfd_"), "{link}");
    link
}

/// The message with quoted-printable soft line breaks removed (lettre
/// wraps long lines that way), so a link reads in one piece.
pub fn unwrapped(message: &str) -> String {
    message.replace("=\r\n", "").replace("=\n", "")
}

/// The first password-reset link in `message`.
pub fn reset_link(message: &str) -> String {
    let text = unwrapped(message);
    let start = text.find("http").expect("a link in the message");
    let link: String =
        text[start..].chars().take_while(|c| !c.is_whitespace() && *c != '"' && *c != '<').collect();
    assert!(link.contains("/v1/password-resets/pfd_"), "{link}");
    link
}

/// The value of header `name` in `message`.
pub fn mail_header(message: &str, name: &str) -> Option<String> {
    let prefix = format!("{}:", name.to_ascii_lowercase());
    message
        .lines()
        .take_while(|line| !line.is_empty())
        .find(|line| line.to_ascii_lowercase().starts_with(&prefix))
        .map(|line| line[prefix.len()..].trim().to_owned())
}
