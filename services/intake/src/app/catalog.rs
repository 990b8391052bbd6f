//! The city's service list, as intake sees it: read from the taxonomy's owner, in the
//! language a citizen reads it in.

use std::sync::Arc;

use segnala_shared::AppError;

use crate::domain::{Department, ServiceType};

/// The taxonomy in one language: its services and the departments behind them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Catalog {
    /// In the taxonomy's order.
    pub services: Vec<ServiceType>,
    pub departments: Vec<Department>,
}

impl Catalog {
    pub fn service(&self, code: &str) -> Option<&ServiceType> {
        self.services.iter().find(|s| s.code == code)
    }

    /// The department's name, for the public; `None` for an id the taxonomy lacks.
    pub fn department_name(&self, id: &str) -> Option<&str> {
        self.departments
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.name.as_str())
    }
}

/// Where the kinds of report come from (triage's taxonomy, over gRPC).
#[async_trait::async_trait]
pub trait ServiceCatalog: Send + Sync {
    /// The taxonomy with its texts in `language` (a code such as "it"), or in the
    /// nearest language it has.
    async fn catalog(&self, language: &str) -> Result<Arc<Catalog>, AppError>;
}

/// The service with `code`, or a not-found error naming it.
pub async fn find_service(
    catalog: &dyn ServiceCatalog,
    code: &str,
    language: &str,
) -> Result<ServiceType, AppError> {
    catalog
        .catalog(language)
        .await?
        .service(code)
        .cloned()
        .ok_or_else(|| AppError::NotFound {
            resource: "service_code",
            name: code.to_owned(),
        })
}
