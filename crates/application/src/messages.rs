//! The mails the service sends, in English, each as plain text and as HTML
//! with the same content. Links are absolute, on the service's public base
//! URL.

use crate::model::MailMessage;

/// The password-reset mail: a single-use `link` valid for `valid_for`
/// (already written out, e.g. "1 hour").
pub fn password_reset(to: &str, username: &str, link: &str, valid_for: &str) -> MailMessage {
    let text = format!(
        "Hello {username},\n\n\
         someone (hopefully you) asked to reset the password of your account.\n\
         To choose a new password, open this link within {valid_for}:\n\n\
         {link}\n\n\
         The link works once. If you did not ask for this, ignore this mail: \
         your password stays as it is.\n"
    );
    let (username, link, valid_for) = (escape(username), escape(link), escape(valid_for));
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Reset your password</title></head>\
         <body><p>Hello {username},</p>\
         <p>someone (hopefully you) asked to reset the password of your account. \
         To choose a new password, open this link within {valid_for}:</p>\
         <p><a href=\"{link}\">{link}</a></p>\
         <p>The link works once. If you did not ask for this, ignore this mail: \
         your password stays as it is.</p></body></html>\n"
    );
    MailMessage { to: to.to_owned(), subject: "Reset your password".to_owned(), text, html }
}

/// The mail that proves an address: a single-use `link` valid for
/// `valid_for`. `change` is true when the address is to replace the
/// account's current one (an email change), false after sign-up or a resend.
pub fn email_verification(
    to: &str,
    username: &str,
    link: &str,
    valid_for: &str,
    change: bool,
) -> MailMessage {
    let (subject, why) = if change {
        (
            "Confirm your new email address",
            "you asked to use this address for your account instead of the current one. \
             It replaces the current address once you confirm it",
        )
    } else {
        ("Verify your email address", "please confirm that this address belongs to your account")
    };
    let text = format!(
        "Hello {username},\n\n\
         {why}: open this link within {valid_for}:\n\n\
         {link}\n\n\
         The link works once. If you did not ask for this, ignore this mail: \
         nothing changes.\n"
    );
    let (username, link, valid_for) = (escape(username), escape(link), escape(valid_for));
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{subject}</title></head>\
         <body><p>Hello {username},</p>\
         <p>{why}: open this link within {valid_for}:</p>\
         <p><a href=\"{link}\">{link}</a></p>\
         <p>The link works once. If you did not ask for this, ignore this mail: \
         nothing changes.</p></body></html>\n"
    );
    MailMessage { to: to.to_owned(), subject: subject.to_owned(), text, html }
}

/// The notice to an account's current address that a change to another
/// address was asked for (no link: the current address stays until the new
/// one is confirmed).
pub fn email_change_notice(to: &str, username: &str) -> MailMessage {
    let text = format!(
        "Hello {username},\n\n\
         someone signed in to your account asked to replace this email address with another one. \
         A confirmation link was mailed to the new address; this address stays in use until it is opened.\n\n\
         If this was not you, change your password now (or ask for a password reset at \
         POST /v1/password-resets), and the change will never be confirmed by you.\n"
    );
    let username = escape(username);
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Your email address is being changed</title></head>\
         <body><p>Hello {username},</p>\
         <p>someone signed in to your account asked to replace this email address with another one. \
         A confirmation link was mailed to the new address; this address stays in use until it is opened.</p>\
         <p>If this was not you, change your password now (or ask for a password reset), \
         and the change will never be confirmed by you.</p></body></html>\n"
    );
    MailMessage { to: to.to_owned(), subject: "Your email address is being changed".to_owned(), text, html }
}

/// A duration in whole minutes as words: "1 hour", "90 minutes", "2 days".
pub fn duration_words(duration: chrono::Duration) -> String {
    let minutes = duration.num_minutes().max(1);
    let (count, unit) = match minutes {
        m if m % (24 * 60) == 0 => (m / (24 * 60), "day"),
        m if m % 60 == 0 => (m / 60, "hour"),
        m => (m, "minute"),
    };
    if count == 1 { format!("1 {unit}") } else { format!("{count} {unit}s") }
}

/// `raw` with the characters HTML gives a meaning escaped.
pub fn escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reset_mail_carries_the_link_in_both_parts_and_escapes_html() {
        let mail = password_reset("a@example.com", "<b>", "https://x.test/r/t?a=1&b=2", "1 hour");
        assert!(mail.text.contains("https://x.test/r/t?a=1&b=2"));
        assert!(mail.html.contains("href=\"https://x.test/r/t?a=1&amp;b=2\""));
        assert!(mail.html.contains("Hello &lt;b&gt;"));
        assert!(!format!("{mail:?}").contains("x.test"));
    }

    #[test]
    fn the_verification_mail_carries_the_link_and_says_what_it_is_for() {
        let mail = email_verification("a@example.com", "<b>", "https://x.test/v/t?a=1&b=2", "1 day", false);
        assert_eq!(mail.subject, "Verify your email address");
        assert!(mail.text.contains("https://x.test/v/t?a=1&b=2") && mail.text.contains("1 day"));
        assert!(mail.html.contains("href=\"https://x.test/v/t?a=1&amp;b=2\""));
        assert!(mail.html.contains("Hello &lt;b&gt;"));
        let change = email_verification("a@example.com", "bob", "https://x.test/v/t", "1 day", true);
        assert_eq!(change.subject, "Confirm your new email address");
    }

    #[test]
    fn the_change_notice_has_no_link_and_escapes_html() {
        let mail = email_change_notice("old@example.com", "<b>");
        assert!(!mail.text.contains("http") && mail.html.contains("Hello &lt;b&gt;"));
        assert_eq!(mail.to, "old@example.com");
    }

    #[test]
    fn durations_read_as_words() {
        assert_eq!(duration_words(chrono::Duration::hours(1)), "1 hour");
        assert_eq!(duration_words(chrono::Duration::minutes(90)), "90 minutes");
        assert_eq!(duration_words(chrono::Duration::days(2)), "2 days");
        assert_eq!(duration_words(chrono::Duration::seconds(2)), "1 minute");
    }
}
