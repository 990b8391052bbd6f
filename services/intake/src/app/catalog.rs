//! The city's service list, as intake sees it: read from the taxonomy's owner.

use segnala_shared::AppError;

use crate::domain::ServiceType;

/// Where the kinds of report come from (triage's taxonomy, over gRPC).
#[async_trait::async_trait]
pub trait ServiceCatalog: Send + Sync {
    /// Every service, in the taxonomy's order.
    async fn services(&self) -> Result<std::sync::Arc<Vec<ServiceType>>, AppError>;
}

/// The service with `code`, or a not-found error naming it.
pub async fn find_service(
    catalog: &dyn ServiceCatalog,
    code: &str,
) -> Result<ServiceType, AppError> {
    catalog
        .services()
        .await?
        .iter()
        .find(|s| s.code == code)
        .cloned()
        .ok_or_else(|| AppError::NotFound {
            resource: "service_code",
            name: code.to_owned(),
        })
}
