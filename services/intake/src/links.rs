//! Where the photo links intake hands out point. Intake serves uploads at
//! `/media/{id}` on its own HTTP port; citizens and crews follow the links from
//! elsewhere, so the links must name an address that reaches it: `intake.media_url`,
//! `intake.public_url`, the public site when the status pages run in the same process
//! (they serve the photos too), or else intake's own address.

use std::net::SocketAddr;

use crate::IntakeSettings;

/// The base of photo links, such as "https://segnala.comune.it/media".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaLinks {
    pub base: String,
    /// The links name intake's own listener: nothing configured says where it is public.
    pub own_address: bool,
}

impl MediaLinks {
    pub fn new(settings: &IntakeSettings, own: Option<SocketAddr>) -> Self {
        let public = settings.public_url.trim_end_matches('/');
        let configured = [
            settings.media_url.trim_end_matches('/').to_owned(),
            if public.is_empty() {
                String::new()
            } else {
                format!("{public}/media")
            },
        ];
        match configured.into_iter().find(|base| !base.is_empty()) {
            Some(base) => Self {
                base,
                own_address: false,
            },
            None => Self {
                base: own.map_or_else(String::new, |own| format!("http://{own}/media")),
                own_address: true,
            },
        }
    }

    /// Why the links cannot work for citizens, when they cannot: an address nobody can
    /// reach, or intake's internal one behind a public site on HTTPS.
    pub fn problem(&self, public_url: &str) -> Option<String> {
        let host = reqwest::Url::parse(&self.base)
            .ok()
            .and_then(|url| url.host().map(|h| h.to_string()));
        let unspecified = host.as_deref().is_some_and(|host| {
            host.trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_unspecified())
        });
        if unspecified {
            return Some(format!(
                "photo links would point to {}, an address nobody can reach: set intake.media_url (or intake.public_url) to where citizens reach intake's /media/",
                self.base
            ));
        }
        if self.own_address && public_url.starts_with("https://") {
            return Some(format!(
                "photo links point to intake's own HTTP address {} while the public site is {public_url}: set intake.media_url to {}/media and route /media/ to intake's HTTP port (see README)",
                self.base,
                public_url.trim_end_matches('/')
            ));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(media_url: &str, public_url: &str) -> IntakeSettings {
        IntakeSettings {
            media_url: media_url.into(),
            public_url: public_url.into(),
            ..IntakeSettings::default()
        }
    }

    #[test]
    fn links_follow_the_most_specific_setting() {
        let own = Some(SocketAddr::from(([10, 0, 0, 5], 8081)));
        let links = MediaLinks::new(&settings("https://cdn.example/media/", "https://x"), own);
        assert_eq!(links.base, "https://cdn.example/media");
        let links = MediaLinks::new(&settings("", "https://intake.example/"), own);
        assert_eq!(links.base, "https://intake.example/media");
        let links = MediaLinks::new(&settings("", ""), own);
        assert_eq!(
            links,
            MediaLinks {
                base: "http://10.0.0.5:8081/media".into(),
                own_address: true
            }
        );
    }

    #[test]
    fn links_that_cannot_reach_citizens_are_named_at_start() {
        let nowhere = MediaLinks::new(
            &settings("", ""),
            Some(SocketAddr::from(([0, 0, 0, 0], 8081))),
        );
        assert!(
            nowhere
                .problem("")
                .is_some_and(|p| p.contains("0.0.0.0:8081"))
        );
        let internal = MediaLinks::new(
            &settings("", ""),
            Some(SocketAddr::from(([10, 0, 0, 5], 8081))),
        );
        assert!(
            internal
                .problem("https://segnala.comune.example")
                .is_some_and(|p| p.contains("intake.media_url"))
        );
        // A laptop: everything on plain HTTP next to each other.
        assert_eq!(internal.problem("http://127.0.0.1:8082"), None);
        let proxied = MediaLinks::new(&settings("https://segnala.comune.example/media", ""), None);
        assert_eq!(proxied.problem("https://segnala.comune.example"), None);
    }
}
