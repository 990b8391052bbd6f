use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::OnConflict,
};
use segnala_shared::tracking_code::TrackingCode;
use uuid::Uuid;

use super::photos::media;
use crate::domain::{Channel, GeoPoint, MediaKind, Report, ReporterContact};

pub(super) mod report {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "reports")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[sea_orm(unique)]
        pub tracking_code: String,
        pub request_id: Option<String>,
        pub channel: String,
        pub external_id: Option<String>,
        pub description: String,
        pub latitude: Option<f64>,
        pub longitude: Option<f64>,
        pub address: Option<String>,
        pub service_code: Option<String>,
        pub language_code: Option<String>,
        pub created_at: DateTimeUtc,
        pub token: Option<String>,
        pub address_id: Option<String>,
        pub attributes: String,
        pub media_urls: String,
        /// What the request id asked for: the draft's fingerprint.
        pub request_hash: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod contact {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "reporter_contacts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub report_id: Uuid,
        pub display_name: Option<String>,
        pub email: Option<String>,
        pub phone: Option<String>,
        pub handle: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A photo uploaded with a report, to be stored beside it.
#[derive(Clone, Debug)]
pub struct NewMedia {
    pub id: Uuid,
    pub kind: MediaKind,
    pub content: bytes::Bytes,
}

/// A report to store, with its photos and the request it was created by.
#[derive(Clone, Copy, Debug)]
pub struct NewReport<'a> {
    pub report: &'a Report,
    pub uploads: &'a [NewMedia],
    pub request: Option<&'a StoredRequest>,
}

/// The request id a report was created with, and what that request asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRequest {
    pub id: String,
    /// `ReportDraft::fingerprint`; `None` for reports stored before it was kept.
    pub fingerprint: Option<String>,
}

fn row_of(report: &Report, request: Option<&StoredRequest>) -> Result<report::ActiveModel, DbErr> {
    Ok(report::ActiveModel {
        id: Set(report.id),
        tracking_code: Set(report.tracking_code.to_string()),
        request_id: Set(request.map(|r| r.id.clone())),
        request_hash: Set(request.and_then(|r| r.fingerprint.clone())),
        channel: Set(report.channel.as_str().to_owned()),
        external_id: Set(report.external_id.clone()),
        description: Set(report.description.clone()),
        latitude: Set(report.location.map(|p| p.latitude)),
        longitude: Set(report.location.map(|p| p.longitude)),
        address: Set(report.address.clone()),
        service_code: Set(report.service_code.clone()),
        language_code: Set(report.language_code.clone()),
        created_at: Set(report.created_at),
        token: Set(report.token.map(|t| t.to_string())),
        address_id: Set(report.address_id.clone()),
        attributes: Set(to_json(&report.attributes)?),
        media_urls: Set(to_json(&report.media_urls)?),
    })
}

/// Which reports to list, newest first.
#[derive(Clone, Debug, Default)]
pub struct ReportFilter {
    pub channel: Option<Channel>,
    pub service_code: Option<String>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
}

/// Where the previous page ended: the last report's creation time and id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageCursor {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

/// Reads and writes reports. Every write takes the caller's connection or transaction.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReportStore;

impl ReportStore {
    /// Inserts the reports that are new and returns their ids. A report whose request id
    /// or channel message is already stored (a retry, or the same post delivered twice)
    /// is left out, not refused: the caller answers with the stored one.
    pub async fn insert_new<C: ConnectionTrait>(
        &self,
        db: &C,
        reports: &[NewReport<'_>],
    ) -> Result<HashSet<Uuid>, DbErr> {
        let rows = reports
            .iter()
            .map(|new| row_of(new.report, new.request))
            .collect::<Result<Vec<_>, DbErr>>()?;
        let ids: Vec<Uuid> = reports.iter().map(|new| new.report.id).collect();
        // Any unique key: the tracking code, the request id, or the channel message.
        let affected = report::Entity::insert_many(rows)
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .exec_without_returning(db)
            .await?;
        let inserted: HashSet<Uuid> = if affected as usize == ids.len() {
            ids.into_iter().collect()
        } else {
            // Some were duplicates: the ids were made fresh for this batch, so those
            // found now are the ones it inserted.
            report::Entity::find()
                .select_only()
                .column(report::Column::Id)
                .filter(report::Column::Id.is_in(ids))
                .into_tuple::<Uuid>()
                .all(db)
                .await?
                .into_iter()
                .collect()
        };
        let contacts: Vec<contact::ActiveModel> = reports
            .iter()
            .map(|new| new.report)
            .filter(|report| inserted.contains(&report.id) && !report.reporter.is_empty())
            .map(|report| contact::ActiveModel {
                report_id: Set(report.id),
                display_name: Set(report.reporter.display_name.clone()),
                email: Set(report.reporter.email.clone()),
                phone: Set(report.reporter.phone.clone()),
                handle: Set(report.reporter.handle.clone()),
            })
            .collect();
        if !contacts.is_empty() {
            contact::Entity::insert_many(contacts)
                .exec_without_returning(db)
                .await?;
        }
        let uploads: Vec<media::ActiveModel> = reports
            .iter()
            .filter(|new| inserted.contains(&new.report.id))
            .flat_map(|new| {
                new.uploads.iter().map(|upload| media::ActiveModel {
                    id: Set(upload.id),
                    report_id: Set(new.report.id),
                    content_type: Set(upload.kind.content_type().to_owned()),
                    content: Set(upload.content.to_vec()),
                    created_at: Set(new.report.created_at),
                    hidden_at: Set(None),
                })
            })
            .collect();
        if !uploads.is_empty() {
            media::Entity::insert_many(uploads)
                .exec_without_returning(db)
                .await?;
        }
        Ok(inserted)
    }

    pub async fn by_token<C: ConnectionTrait>(
        &self,
        db: &C,
        token: Uuid,
    ) -> Result<Option<Report>, DbErr> {
        let row = report::Entity::find()
            .filter(report::Column::Token.eq(token.to_string()))
            .one(db)
            .await?;
        self.with_contact(db, row).await
    }

    /// The reports with these codes, in no particular order; unknown codes are left out.
    pub async fn by_tracking_codes<C: ConnectionTrait>(
        &self,
        db: &C,
        codes: &[TrackingCode],
    ) -> Result<Vec<Report>, DbErr> {
        let rows = report::Entity::find()
            .filter(report::Column::TrackingCode.is_in(codes.iter().map(TrackingCode::as_str)))
            .all(db)
            .await?;
        self.with_contacts(db, rows).await
    }

    /// The reports with these ids, oldest first; unknown ids are left out.
    pub async fn by_ids<C: ConnectionTrait>(
        &self,
        db: &C,
        ids: &[Uuid],
    ) -> Result<Vec<Report>, DbErr> {
        let rows = report::Entity::find()
            .filter(report::Column::Id.is_in(ids.iter().copied()))
            .order_by_asc(report::Column::CreatedAt)
            .order_by_asc(report::Column::Id)
            .all(db)
            .await?;
        self.with_contacts(db, rows).await
    }

    /// Up to `limit` reports matching `filter`, newest first, after `after`.
    pub async fn list<C: ConnectionTrait>(
        &self,
        db: &C,
        filter: &ReportFilter,
        after: Option<PageCursor>,
        limit: u64,
    ) -> Result<Vec<Report>, DbErr> {
        let mut query = report::Entity::find();
        if let Some(channel) = filter.channel {
            query = query.filter(report::Column::Channel.eq(channel.as_str()));
        }
        if let Some(code) = &filter.service_code {
            query = query.filter(report::Column::ServiceCode.eq(code.as_str()));
        }
        if let Some(time) = filter.created_after {
            query = query.filter(report::Column::CreatedAt.gte(time));
        }
        if let Some(time) = filter.created_before {
            query = query.filter(report::Column::CreatedAt.lt(time));
        }
        if let Some(cursor) = after {
            query = query.filter(
                Condition::any()
                    .add(report::Column::CreatedAt.lt(cursor.created_at))
                    .add(
                        Condition::all()
                            .add(report::Column::CreatedAt.eq(cursor.created_at))
                            .add(report::Column::Id.lt(cursor.id)),
                    ),
            );
        }
        let rows = query
            .order_by_desc(report::Column::CreatedAt)
            .order_by_desc(report::Column::Id)
            .limit(limit)
            .all(db)
            .await?;
        self.with_contacts(db, rows).await
    }

    async fn with_contacts<C: ConnectionTrait>(
        &self,
        db: &C,
        rows: Vec<report::Model>,
    ) -> Result<Vec<Report>, DbErr> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut contacts: std::collections::HashMap<Uuid, contact::Model> = contact::Entity::find()
            .filter(contact::Column::ReportId.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.report_id, c))
            .collect();
        rows.into_iter()
            .map(|row| {
                let contact = contacts.remove(&row.id);
                to_domain(row, contact)
            })
            .collect()
    }

    pub async fn by_tracking_code<C: ConnectionTrait>(
        &self,
        db: &C,
        code: &TrackingCode,
    ) -> Result<Option<Report>, DbErr> {
        let row = report::Entity::find()
            .filter(report::Column::TrackingCode.eq(code.as_str()))
            .one(db)
            .await?;
        self.with_contact(db, row).await
    }

    /// The report a request id created, with what that request asked for.
    pub async fn by_request_id<C: ConnectionTrait>(
        &self,
        db: &C,
        request_id: &str,
    ) -> Result<Option<(Report, Option<String>)>, DbErr> {
        let Some(row) = report::Entity::find()
            .filter(report::Column::RequestId.eq(request_id))
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        let fingerprint = row.request_hash.clone();
        Ok(self
            .with_contact(db, Some(row))
            .await?
            .map(|report| (report, fingerprint)))
    }

    pub async fn by_external_id<C: ConnectionTrait>(
        &self,
        db: &C,
        channel: Channel,
        external_id: &str,
    ) -> Result<Option<Report>, DbErr> {
        let row = report::Entity::find()
            .filter(report::Column::Channel.eq(channel.as_str()))
            .filter(report::Column::ExternalId.eq(external_id))
            .one(db)
            .await?;
        self.with_contact(db, row).await
    }

    async fn with_contact<C: ConnectionTrait>(
        &self,
        db: &C,
        row: Option<report::Model>,
    ) -> Result<Option<Report>, DbErr> {
        let Some(row) = row else { return Ok(None) };
        let contact = contact::Entity::find_by_id(row.id).one(db).await?;
        Ok(Some(to_domain(row, contact)?))
    }
}

/// How many reports intake holds.
pub async fn count_reports(db: &DatabaseConnection) -> Result<u64, DbErr> {
    report::Entity::find().count(db).await
}

fn to_domain(row: report::Model, contact: Option<contact::Model>) -> Result<Report, DbErr> {
    let corrupt =
        |what: &str| DbErr::Custom(format!("report {}: stored {what} is not valid", row.id));
    let tracking_code =
        TrackingCode::parse(&row.tracking_code).map_err(|_| corrupt("tracking code"))?;
    let channel = Channel::parse(&row.channel).ok_or_else(|| corrupt("channel"))?;
    let location = match (row.latitude, row.longitude) {
        (Some(latitude), Some(longitude)) => Some(GeoPoint {
            latitude,
            longitude,
        }),
        _ => None,
    };
    let reporter = contact
        .map(|c| ReporterContact {
            display_name: c.display_name,
            email: c.email,
            phone: c.phone,
            handle: c.handle,
        })
        .unwrap_or_default();
    let attributes: BTreeMap<String, String> =
        from_json(&row.attributes, || corrupt("attributes"))?;
    let media_urls: Vec<String> = from_json(&row.media_urls, || corrupt("media URLs"))?;
    let token = row
        .token
        .as_deref()
        .map(Uuid::parse_str)
        .transpose()
        .map_err(|_| corrupt("token"))?;
    Ok(Report {
        id: row.id,
        tracking_code,
        description: row.description,
        location,
        address: row.address,
        channel,
        external_id: row.external_id,
        reporter,
        service_code: row.service_code,
        language_code: row.language_code,
        address_id: row.address_id,
        attributes,
        media_urls,
        token,
        created_at: row.created_at,
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, DbErr> {
    serde_json::to_string(value).map_err(|e| DbErr::Custom(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(
    text: &str,
    corrupt: impl FnOnce() -> DbErr,
) -> Result<T, DbErr> {
    serde_json::from_str(text).map_err(|_| corrupt())
}
