//! Checks of the platforms' webhook secrets and signatures, all in constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub fn hmac_sha256(secret: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length: this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return Vec::new();
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// `sha256=<hex>` of the body (Meta's `X-Hub-Signature-256`).
pub fn valid_hex_signature(header: Option<&str>, secret: &[u8], body: &[u8]) -> bool {
    let Some(hex_digest) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    match hex::decode(hex_digest) {
        Ok(given) => same(&given, &hmac_sha256(secret, body)),
        Err(_) => false,
    }
}

/// `sha256=<base64>` of the body (X's `x-twitter-webhooks-signature`).
pub fn base64_signature(secret: &[u8], data: &[u8]) -> String {
    use base64::Engine;
    format!(
        "sha256={}",
        base64::engine::general_purpose::STANDARD.encode(hmac_sha256(secret, data))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_only_the_same_body_and_secret() {
        let body = br#"{"object":"whatsapp_business_account"}"#;
        let header = format!("sha256={}", hex::encode(hmac_sha256(b"app-secret", body)));
        assert!(valid_hex_signature(Some(&header), b"app-secret", body));
        assert!(!valid_hex_signature(Some(&header), b"other", body));
        assert!(!valid_hex_signature(Some(&header), b"app-secret", b"{}"));
        assert!(!valid_hex_signature(Some("sha256=zz"), b"app-secret", body));
        assert!(!valid_hex_signature(None, b"app-secret", body));
        // Known vector (RFC 4231 test case 2).
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
