//! A reporter as the city knows them, for the rights they have over what they gave:
//! a copy of it all, and its erasure.

use segnala_shared::FieldViolation;

use super::Channel;

/// Longer than any chat id, phone number, account or e-mail address.
const MAX_ID_CHARS: usize = 320;

/// One reporter: the channel they wrote on and who they are there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reporter {
    pub channel: Channel,
    /// As given, trimmed: a chat id, a phone number, an account, an e-mail address.
    pub id: String,
}

impl Reporter {
    /// Checks `id` (field `reporter.id`); `@anna` and `anna` name the same account.
    pub fn new(channel: Channel, id: &str) -> Result<Self, FieldViolation> {
        let id = id.trim();
        if id.is_empty() {
            return Err(FieldViolation::new("reporter.id", "is required"));
        }
        if id.chars().count() > MAX_ID_CHARS || id.chars().any(char::is_control) {
            return Err(FieldViolation::new(
                "reporter.id",
                format!("must be at most {MAX_ID_CHARS} printable characters"),
            ));
        }
        Ok(Self {
            channel,
            id: id.to_owned(),
        })
    }

    /// The forms under which the reporter's identity can be stored: as given, as a
    /// handle (`@anna`, `anna@social.example`), as an e-mail address in lower case
    /// and as a phone number without spaces.
    pub fn identities(&self) -> Identities {
        let bare = self.id.trim_start_matches('@');
        Identities {
            exact: self.id.clone(),
            handle: format!("@{bare}").to_lowercase(),
            email: self.id.to_lowercase(),
            // As the store compares them: without spaces and dashes.
            phone: self
                .id
                .chars()
                .filter(|c| !matches!(c, ' ' | '-'))
                .collect(),
        }
    }
}

/// See [`Reporter::identities`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identities {
    pub exact: String,
    pub handle: String,
    pub email: String,
    pub phone: String,
}

/// What an erasure did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Erasure {
    /// The reports whose reporter is now anonymous.
    pub tracking_codes: Vec<String>,
    /// Rows deleted or anonymised, in every table.
    pub records: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identity_is_required_and_printable() {
        assert!(Reporter::new(Channel::Telegram, "  ").is_err());
        assert!(Reporter::new(Channel::Telegram, "12\n34").is_err());
        assert!(Reporter::new(Channel::Open311, &"a".repeat(400)).is_err());
        assert_eq!(
            Reporter::new(Channel::Telegram, " 4242 ").map(|r| r.id),
            Ok("4242".to_owned())
        );
    }

    #[test]
    fn a_handle_a_mail_and_a_phone_match_how_they_are_stored() -> Result<(), FieldViolation> {
        let forms = Reporter::new(Channel::Mastodon, "Anna@Social.example")?.identities();
        assert_eq!(forms.handle, "@anna@social.example");
        assert_eq!(forms.email, "anna@social.example");
        let phone = Reporter::new(Channel::Open311, "+39 333-123 4567")?.identities();
        assert_eq!(phone.phone, "+393331234567");
        Ok(())
    }
}
