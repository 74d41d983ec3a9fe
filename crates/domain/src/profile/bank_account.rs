//! Bank accounts as IBANs (private).

use std::fmt;

use iban::{Iban, IbanLike, ParseBaseIbanError, ParseIbanError};

use crate::error::{FieldCode, FieldError};

/// A bank account number: an IBAN with a valid check sum and a BBAN of the
/// right shape for its country (private).
///
/// Input may contain whitespace anywhere and lower-case letters; the account
/// is stored in the electronic format (`DE44500105175407324931`). `Debug`
/// masks all but the country and the last four characters, so a profile can
/// be logged without leaking it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BankAccount(String);

impl BankAccount {
    /// Rebuilds a value read back from storage, where it was written only
    /// after passing `TryFrom`; it is not checked again. For storage adapters.
    pub fn restore(stored: String) -> Self {
        Self(stored)
    }

    /// The electronic format: no spaces, upper-case.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The printed format: groups of four separated by spaces.
    pub fn formatted(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        let groups: Vec<String> = chars.chunks(4).map(|g| g.iter().collect()).collect();
        groups.join(" ")
    }

    /// The ISO 3166-1 alpha-2 country of the account (`DE`).
    pub fn country_code(&self) -> &str {
        &self.0[..2]
    }
}

impl TryFrom<&str> for BankAccount {
    type Error = FieldError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        let electronic: String =
            raw.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
        match electronic.parse::<Iban>() {
            Ok(iban) => Ok(Self(iban.electronic_str().to_owned())),
            Err(ParseIbanError::InvalidBaseIban { source: ParseBaseIbanError::InvalidChecksum }) => {
                Err(FieldError::new("bank_account", FieldCode::InvalidChecksum)
                    .with_message("This IBAN's check digits are wrong; check for a typing mistake."))
            }
            Err(_) => Err(FieldError::new("bank_account", FieldCode::InvalidIban)
                .with_message("A bank account is an IBAN such as `DE44 5001 0517 5407 3249 31`.")),
        }
    }
}

impl fmt::Debug for BankAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tail = &self.0[self.0.len().saturating_sub(4)..];
        write!(f, "BankAccount({}…{tail})", self.country_code())
    }
}

impl fmt::Display for BankAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_table() {
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("DE44500105175407324931", Ok("DE44500105175407324931")),
            ("DE44 5001 0517 5407 3249 31", Ok("DE44500105175407324931")),
            (" de44 5001 0517 5407 3249 31 ", Ok("DE44500105175407324931")),
            ("DE4450010517 5407324931", Ok("DE44500105175407324931")),
            ("GB82 WEST 1234 5698 7654 32", Ok("GB82WEST12345698765432")),
            ("PL61 1090 1014 0000 0712 1981 2874", Ok("PL61109010140000071219812874")),
            ("NO93 8601 1117 947", Ok("NO9386011117947")), // shortest country format
            ("DE45 5001 0517 5407 3249 31", Err("invalid_checksum")),
            ("GB82 WEST 1234 5698 7654 33", Err("invalid_checksum")),
            ("PL61 1090 1014 0000 0712 1981 2875", Err("invalid_checksum")),
            ("DE88 5001 0517 5407 3249 3", Err("invalid_iban")), // checksum fine, BBAN one short
            ("XX57 WEST 1234 5698 7654 32", Err("invalid_iban")), // checksum fine, no such country
            ("DE44-5001-0517-5407-3249-31", Err("invalid_iban")),
            ("not an iban", Err("invalid_iban")),
            ("", Err("invalid_iban")),
        ];
        for (raw, expected) in cases {
            let got = BankAccount::try_from(*raw);
            let got = got.as_ref().map(BankAccount::as_str).map_err(|e| e.code.as_str());
            assert_eq!(&got, expected, "bank_account {raw:?}");
        }
    }

    #[test]
    fn formats_and_masks() {
        let account = BankAccount::try_from("DE44500105175407324931").unwrap();
        assert_eq!(account.formatted(), "DE44 5001 0517 5407 3249 31");
        assert_eq!(account.country_code(), "DE");
        assert_eq!(format!("{account:?}"), "BankAccount(DE…4931)");
    }
}
