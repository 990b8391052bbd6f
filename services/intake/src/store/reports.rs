use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter,
};
use segnala_shared::tracking_code::TrackingCode;

use crate::domain::{Channel, GeoPoint, Report, ReporterContact};

mod report {
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

/// Reads and writes reports. Every write takes the caller's connection or transaction.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReportStore;

impl ReportStore {
    pub async fn insert<C: ConnectionTrait>(
        &self,
        db: &C,
        report: &Report,
        request_id: Option<&str>,
    ) -> Result<(), DbErr> {
        report::Entity::insert(report::ActiveModel {
            id: Set(report.id),
            tracking_code: Set(report.tracking_code.to_string()),
            request_id: Set(request_id.map(str::to_owned)),
            channel: Set(report.channel.as_str().to_owned()),
            external_id: Set(report.external_id.clone()),
            description: Set(report.description.clone()),
            latitude: Set(report.location.map(|p| p.latitude)),
            longitude: Set(report.location.map(|p| p.longitude)),
            address: Set(report.address.clone()),
            service_code: Set(report.service_code.clone()),
            language_code: Set(report.language_code.clone()),
            created_at: Set(report.created_at),
        })
        .exec_without_returning(db)
        .await?;
        if !report.reporter.is_empty() {
            contact::Entity::insert(contact::ActiveModel {
                report_id: Set(report.id),
                display_name: Set(report.reporter.display_name.clone()),
                email: Set(report.reporter.email.clone()),
                phone: Set(report.reporter.phone.clone()),
                handle: Set(report.reporter.handle.clone()),
            })
            .exec_without_returning(db)
            .await?;
        }
        Ok(())
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

    pub async fn by_request_id<C: ConnectionTrait>(
        &self,
        db: &C,
        request_id: &str,
    ) -> Result<Option<Report>, DbErr> {
        let row = report::Entity::find()
            .filter(report::Column::RequestId.eq(request_id))
            .one(db)
            .await?;
        self.with_contact(db, row).await
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
        created_at: row.created_at,
    })
}
