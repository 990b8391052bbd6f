//! Signed webhooks: subscribing a URL to a report or a zone, queueing one signed POST
//! per public change and subscription, and signing each attempt.

use std::{sync::Arc, time::Instant};

use async_trait::async_trait;
use chrono::Utc;
use hmac::{Hmac, Mac};
use http::{HeaderName, HeaderValue};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
use segnala_shared::{
    AppError,
    delivery::{Attempt, Deliveries, Destination, OutgoingRequest, SignRequest},
    lang::Lang,
    request_id::RequestId,
};
use serde_json::json;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::{
    Directory,
    followers::{Followers, Known},
};
use crate::{
    domain::{Change, ReportStatus, Subscription, TargetPolicy},
    i18n::step_text,
    store::SubscriptionStore,
};

/// The delivery destination of webhooks; each receiver's host gets its own rate limit
/// and pauses (`webhook:host:port`).
pub const WEBHOOK_DESTINATION: &str = "webhook";
pub const DELIVERY_HEADER: &str = "segnala-delivery";
pub const TIMESTAMP_HEADER: &str = "segnala-timestamp";
pub const SIGNATURE_HEADER: &str = "segnala-signature";

/// A new subscription and the key of its signatures, shown this once.
#[derive(Clone, Debug)]
pub struct Created {
    pub subscription: Subscription,
    pub secret: String,
}

/// Webhook subscriptions and their deliveries.
#[derive(Clone)]
pub struct Subscriptions {
    db: DatabaseConnection,
    deliveries: Deliveries,
    store: SubscriptionStore,
    followers: Followers,
    policy: TargetPolicy,
    directory: Directory,
    /// Where the public pages live, without a trailing slash.
    public_url: String,
}

impl Subscriptions {
    pub fn new(
        db: DatabaseConnection,
        deliveries: Deliveries,
        policy: TargetPolicy,
        directory: Directory,
        public_url: &str,
    ) -> Self {
        Self {
            db,
            deliveries,
            store: SubscriptionStore,
            followers: Followers::default(),
            policy,
            directory,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// Subscribes, once per `request_id`: a retry with the same request gets the same
    /// subscription and secret.
    pub async fn create(
        &self,
        request_id: &str,
        target_url: &str,
        tracking_code: &str,
        zone: &str,
    ) -> Result<Created, AppError> {
        let request_id = RequestId::parse(request_id)
            .map_err(|v| AppError::InvalidArgument(vec![v]))?
            .ok_or_else(|| AppError::invalid("request_id", "is required"))?;
        let asked = Subscription::new(
            target_url,
            tracking_code,
            zone,
            self.policy,
            &self.directory.zone_ids(),
            Utc::now(),
        )?;
        let secret = hex::encode(rand::random::<[u8; 32]>());
        let inserted = self
            .store
            .insert(&self.db, request_id.as_str(), &asked, &secret)
            .await?;
        // Committed: every change from now on must look for it.
        self.followers.subscribed();
        if inserted {
            return Ok(Created {
                subscription: asked,
                secret,
            });
        }
        let stored = self
            .store
            .by_request(&self.db, request_id.as_str())
            .await?
            .ok_or_else(|| AppError::Unavailable("the subscription is being created".into()))?;
        if !stored.subscription.same_request(&asked) {
            return Err(request_id.reused("subscription"));
        }
        if stored.deleted {
            return Err(AppError::FailedPrecondition {
                reason: "SUBSCRIPTION_DELETED",
                message: "this request's subscription was deleted; subscribe with a new request_id"
                    .into(),
            });
        }
        Ok(Created {
            subscription: stored.subscription,
            secret: stored.secret,
        })
    }

    /// Ends a subscription. A wrong secret looks like an unknown name, so that names
    /// cannot be probed.
    pub async fn delete(&self, name: &str, secret: &str) -> Result<(), AppError> {
        let not_found = || AppError::NotFound {
            resource: "subscription",
            name: name.to_owned(),
        };
        let id = name
            .strip_prefix("subscriptions/")
            .and_then(|id| uuid::Uuid::parse_str(id).ok())
            .ok_or_else(|| {
                AppError::invalid(
                    "name",
                    "must be `subscriptions/{id}` as CreateSubscription gave it",
                )
            })?;
        let stored = self
            .store
            .by_id(&self.db, id)
            .await?
            .ok_or_else(not_found)?;
        if !bool::from(stored.secret.as_bytes().ct_eq(secret.trim().as_bytes())) {
            return Err(not_found());
        }
        self.store.delete(&self.db, id, Utc::now()).await?;
        Ok(())
    }

    /// Queues, inside the projector's transaction, one POST per live subscription to
    /// the report or its zone. The key names the subscription and the status version,
    /// so a redelivered event queues nothing twice.
    pub async fn announce<C: ConnectionTrait>(
        &self,
        db: &C,
        status: &ReportStatus,
        change: &Change,
    ) -> Result<(), DbErr> {
        if !self.anyone_follows(db).await? {
            return Ok(());
        }
        let code = &status.tracking_code;
        let subscriptions = self
            .store
            .following(db, code, status.zone.as_deref())
            .await?;
        if subscriptions.is_empty() {
            return Ok(());
        }
        // Receivers read English, like the gRPC API: names in English, ids beside them.
        let names = self.directory.names_in(db).await?;
        let language = Lang::En.code();
        let department_name = status
            .department
            .as_deref()
            .map(|d| names.department(d, language));
        let category_name = status
            .department
            .as_deref()
            .zip(status.category.as_deref())
            .map(|(d, c)| names.category(d, c, language));
        let zone_name = status.zone.as_deref().map(|z| names.zone(z));
        let message = step_text(Lang::En, &change.entry, &names);
        for subscription in subscriptions {
            let key = format!("webhook/{}/{code}/v{}", subscription.id, status.version);
            let body = json!({
                "type": "report.changed",
                "id": key,
                "subscription": format!("subscriptions/{}", subscription.id),
                "report": format!("reports/{code}"),
                "tracking_code": code,
                "state": status.state.as_str(),
                "previous_state": change.previous_state.map(|s| s.as_str()),
                "department": status.department,
                "department_name": department_name,
                "category": status.category,
                "category_name": category_name,
                "zone": status.zone,
                "zone_name": zone_name,
                "message": message,
                "note": change.entry.note,
                "reason": status.public_reason(),
                "expected_time": status.public_expected_at().map(|t| t.to_rfc3339()),
                "status_url": format!("{}/r/{code}", self.public_url),
                "change_time": change.entry.time.to_rfc3339(),
                "version": status.version,
            });
            let destination = destination_of(&subscription.target_url);
            let mut request =
                OutgoingRequest::json(key.clone(), destination, &subscription.target_url, &body);
            request.headers.push((DELIVERY_HEADER.into(), key));
            self.deliveries.enqueue(db, request).await?;
        }
        Ok(())
    }

    /// Whether any subscription is live, read at most once per `FRESH_FOR`.
    async fn anyone_follows<C: ConnectionTrait>(&self, db: &C) -> Result<bool, DbErr> {
        let now = Instant::now();
        match self.followers.known(now) {
            Known::Some => Ok(true),
            Known::None => Ok(false),
            Known::Ask(ticket) => {
                let any = self.store.any_live(db).await?;
                self.followers.remember(ticket, any, now);
                Ok(any)
            }
        }
    }

    /// The destination the delivery worker sends webhooks through.
    pub fn destination(&self, rate_per_second: f64) -> Destination {
        Destination::new(WEBHOOK_DESTINATION, "")
            .rate_limit(rate_per_second)
            .signer(Arc::new(WebhookSigner {
                db: self.db.clone(),
                store: self.store,
            }))
    }
}

/// `webhook:host:port` of a target URL: the unit of rate limits and pauses.
fn destination_of(target_url: &str) -> String {
    let authority = url::Url::parse(target_url)
        .ok()
        .and_then(|url| {
            let host = url.host_str()?.to_owned();
            Some(match url.port_or_known_default() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        })
        .unwrap_or_default();
    format!("{WEBHOOK_DESTINATION}:{authority}")
}

/// `v1=` and the hex HMAC-SHA256, keyed with the secret, of `timestamp.body`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length: the error case does not happen.
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Signs each attempt with its subscription's secret and the time of the attempt, so
/// that a retry carries a fresh timestamp. The secret never enters the delivery row.
struct WebhookSigner {
    db: DatabaseConnection,
    store: SubscriptionStore,
}

#[async_trait]
impl SignRequest for WebhookSigner {
    async fn headers(
        &self,
        attempt: &Attempt<'_>,
    ) -> Result<Vec<(HeaderName, HeaderValue)>, String> {
        let id = attempt
            .key
            .strip_prefix("webhook/")
            .and_then(|rest| rest.split('/').next())
            .and_then(|id| uuid::Uuid::parse_str(id).ok())
            .ok_or_else(|| format!("`{}` is not a webhook delivery", attempt.key))?;
        let stored = self
            .store
            .by_id(&self.db, id)
            .await
            .map_err(|e| format!("reading the subscription: {e}"))?
            .ok_or_else(|| format!("subscription {id} is gone"))?;
        let timestamp = attempt.now.timestamp();
        let signature = signature(&stored.secret, timestamp, attempt.body);
        let value = |text: String| HeaderValue::try_from(text).map_err(|e| e.to_string());
        Ok(vec![
            (
                HeaderName::from_static(TIMESTAMP_HEADER),
                value(timestamp.to_string())?,
            ),
            (HeaderName::from_static(SIGNATURE_HEADER), value(signature)?),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_cover_the_timestamp_and_the_body() {
        let signed = signature("k", 1_800_000_000, b"{}");
        assert!(
            signed.starts_with("v1=") && signed.len() == 3 + 64,
            "{signed}"
        );
        assert_ne!(signed, signature("k", 1_800_000_001, b"{}"));
        assert_ne!(signed, signature("k", 1_800_000_000, b"{ }"));
        assert_ne!(signed, signature("other", 1_800_000_000, b"{}"));
    }

    /// The worked example of docs/status.md: the key is the secret's 64 characters as
    /// ASCII bytes, not the 32 bytes they spell in hex.
    #[test]
    fn the_documented_example_signs_with_the_secret_as_text() {
        let secret = "3f9a1c5e7b2d4f60a8c1e3b5d7f90a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f";
        let body =
            br#"{"type":"report.changed","tracking_code":"7KQ2-M9XA-4BRT","state":"assigned"}"#;
        assert_eq!(
            signature(secret, 1_800_000_000, body),
            "v1=84cc4ecc6d0d53fd7ba5c16b509e507033e6e9ba88fb7bf69f7862099ff0ce66"
        );
    }

    #[test]
    fn each_receiver_host_is_its_own_destination() {
        assert_eq!(
            destination_of("https://hooks.example.org/a?b"),
            "webhook:hooks.example.org:443"
        );
        assert_eq!(
            destination_of("http://127.0.0.1:8080/x"),
            "webhook:127.0.0.1:8080"
        );
    }
}
