//! Ethereum account addresses, with the EIP-55 mixed-case checksum.

use std::fmt;

use tiny_keccak::{Hasher, Keccak};

use crate::error::{FieldCode, FieldError};

/// An Ethereum address: `0x` followed by 40 hexadecimal digits.
///
/// All-lower-case and all-upper-case digits carry no checksum and are
/// accepted as they are; mixed case must be the EIP-55 checksum encoding
/// (`invalid_checksum` otherwise), which catches most typing mistakes. The
/// address is kept as given (trimmed); [`EthAddress::checksummed`] gives the
/// EIP-55 form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EthAddress(String);

impl EthAddress {
    /// Rebuilds a value read back from storage, where it was written only
    /// after passing `TryFrom`; it is not checked again. For storage adapters.
    pub fn restore(stored: String) -> Self {
        Self(stored)
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The EIP-55 mixed-case form (`0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed`).
    pub fn checksummed(&self) -> String {
        format!("0x{}", eip55(&self.0[2..]))
    }
}

/// The EIP-55 encoding of 40 hex digits (without `0x`): each letter is
/// upper-case when the matching nibble of keccak256(lower-case digits) is ≥ 8.
fn eip55(digits: &str) -> String {
    let lower = digits.to_ascii_lowercase();
    let mut hash = [0u8; 32];
    let mut keccak = Keccak::v256();
    keccak.update(lower.as_bytes());
    keccak.finalize(&mut hash);
    lower
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let nibble = (hash[i / 2] >> if i % 2 == 0 { 4 } else { 0 }) & 0x0f;
            if nibble >= 8 { c.to_ascii_uppercase() } else { c }
        })
        .collect()
}

impl TryFrom<&str> for EthAddress {
    type Error = FieldError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        let trimmed = raw.trim();
        let digits = trimmed
            .strip_prefix("0x")
            .filter(|d| d.len() == 40 && d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| {
                FieldError::new("eth_address", FieldCode::InvalidEthAddress)
                    .with_message("An Ethereum address is `0x` followed by 40 hexadecimal digits.")
            })?;
        let has_lower = digits.bytes().any(|b| b.is_ascii_lowercase());
        let has_upper = digits.bytes().any(|b| b.is_ascii_uppercase());
        if has_lower && has_upper && eip55(digits) != digits {
            return Err(FieldError::new("eth_address", FieldCode::InvalidChecksum)
                .with_message("This mixed-case address does not match its EIP-55 checksum."));
        }
        Ok(Self(trimmed.to_owned()))
    }
}

impl fmt::Display for EthAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vectors of EIP-55 itself.
    const EIP55_VECTORS: &[&str] = &[
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77",
        "0x27b1fdb04752bbc536007a920d24acb045561c26",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ];

    #[test]
    fn eip55_vectors_are_accepted() {
        for vector in EIP55_VECTORS {
            assert_eq!(EthAddress::try_from(*vector).unwrap().as_str(), *vector);
        }
    }

    #[test]
    fn mixed_case_vectors_are_their_own_checksum() {
        for vector in &EIP55_VECTORS[4..] {
            let lower = EthAddress::try_from(vector.to_ascii_lowercase().as_str()).unwrap();
            assert_eq!(lower.checksummed(), *vector);
        }
    }

    #[test]
    fn rules_table() {
        let cases: &[(&str, Result<(), &str>)] = &[
            ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", Ok(())),
            ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", Ok(())),
            ("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", Ok(())),
            (" 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed ", Ok(())),
            ("0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", Err("invalid_checksum")), // one letter flipped
            ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", Err("invalid_checksum")),
            ("0xD1220A0Cf47c7B9Be7A2E6BA89F429762e7b9aDb", Err("invalid_checksum")),
            ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", Err("invalid_eth_address")), // 39
            ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed0", Err("invalid_eth_address")), // 41
            ("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", Err("invalid_eth_address")),
            ("0X5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", Err("invalid_eth_address")),
            ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg", Err("invalid_eth_address")),
            ("0x", Err("invalid_eth_address")),
            ("", Err("invalid_eth_address")),
            ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeé", Err("invalid_eth_address")),
        ];
        for (raw, expected) in cases {
            let got = EthAddress::try_from(*raw).map(|_| ()).map_err(|e| e.code.as_str());
            assert_eq!(&got, expected, "eth_address {raw:?}");
        }
    }
}
