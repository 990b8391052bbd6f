//! What makes two requests with one request id the same request: the report they
//! describe once validated, field by field. A retry that differs only in what
//! validation cleans away (surrounding spaces, markup, the order of the attributes) is
//! the same request; one that says anything else is another.

use sha2::{Digest, Sha256};

use super::{MediaDraft, ReportDraft};

impl ReportDraft {
    /// SHA-256, in hex, of every field of the (validated) draft, each length-prefixed so
    /// that no two drafts run together into the same bytes.
    pub fn fingerprint(&self) -> String {
        let mut fields = Fields(Sha256::new());
        fields.text(&self.description);
        match self.location {
            None => fields.0.update([0]),
            Some(point) => {
                fields.0.update([1]);
                fields.0.update(point.latitude.to_bits().to_be_bytes());
                fields.0.update(point.longitude.to_bits().to_be_bytes());
            }
        }
        fields.optional(self.address.as_deref());
        fields.optional(self.address_id.as_deref());
        fields.text(self.channel.as_str());
        fields.optional(self.external_id.as_deref());
        fields.optional(self.reporter.display_name.as_deref());
        fields.optional(self.reporter.email.as_deref());
        fields.optional(self.reporter.phone.as_deref());
        fields.optional(self.reporter.handle.as_deref());
        fields.optional(self.service_code.as_deref());
        fields.optional(self.language_code.as_deref());
        fields.count(self.attributes.len());
        for (code, value) in &self.attributes {
            fields.text(code);
            fields.text(value);
        }
        fields.count(self.media.len());
        for media in &self.media {
            match media {
                MediaDraft::Url(url) => {
                    fields.text("url");
                    fields.text(url);
                }
                MediaDraft::Upload(upload) => {
                    fields.text(upload.kind.content_type());
                    fields.bytes(&upload.bytes);
                }
            }
        }
        hex::encode(fields.0.finalize())
    }
}

struct Fields(Sha256);

impl Fields {
    fn count(&mut self, count: usize) {
        self.0.update((count as u64).to_be_bytes());
    }

    fn bytes(&mut self, value: &[u8]) {
        self.count(value.len());
        self.0.update(value);
    }

    fn text(&mut self, value: &str) {
        self.bytes(value.as_bytes());
    }

    fn optional(&mut self, value: Option<&str>) {
        match value {
            None => self.0.update([0]),
            Some(value) => {
                self.0.update([1]);
                self.text(value);
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::{GeoPoint, MediaKind, Upload};
    use super::*;

    fn draft(description: &str) -> ReportDraft {
        ReportDraft {
            description: description.into(),
            location: Some(GeoPoint {
                latitude: 45.4642,
                longitude: 9.19,
            }),
            attributes: [
                ("a".to_owned(), "1".to_owned()),
                ("b".to_owned(), "2".to_owned()),
            ]
            .into(),
            ..ReportDraft::default()
        }
        .validate()
        .unwrap()
    }

    #[test]
    fn the_same_report_cleaned_alike_is_the_same_request() {
        assert_eq!(
            draft("Lampione spento").fingerprint(),
            draft("  <b>Lampione spento</b> ").fingerprint()
        );
    }

    #[test]
    fn any_other_field_makes_another_request() {
        let first = draft("Lampione spento").fingerprint();
        assert_ne!(first, draft("Lampione acceso").fingerprint());
        let mut moved = draft("Lampione spento");
        moved.location = Some(GeoPoint {
            latitude: 45.4643,
            longitude: 9.19,
        });
        assert_ne!(first, moved.fingerprint());
        let mut answered = draft("Lampione spento");
        answered.attributes.insert("b".into(), "3".into());
        assert_ne!(first, answered.fingerprint());
        let mut with_photo = draft("Lampione spento");
        with_photo.media.push(MediaDraft::Upload(Upload {
            kind: MediaKind::Png,
            bytes: bytes::Bytes::from_static(b"\x89PNG"),
        }));
        let mut other_photo = with_photo.clone();
        other_photo.media[0] = MediaDraft::Upload(Upload {
            kind: MediaKind::Png,
            bytes: bytes::Bytes::from_static(b"\x89PNH"),
        });
        assert_ne!(first, with_photo.fingerprint());
        assert_ne!(with_photo.fingerprint(), other_photo.fingerprint());
        // Fields never run together: "ab" + "" is not "a" + "b".
        let mut split = draft("Lampione spento");
        split.address = Some("ab".into());
        let mut other_split = draft("Lampione spento");
        other_split.address = Some("a".into());
        other_split.address_id = Some("b".into());
        assert_ne!(split.fingerprint(), other_split.fingerprint());
    }
}
