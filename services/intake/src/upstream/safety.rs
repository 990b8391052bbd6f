//! Triage's emergency rules, asked before a report is complete: a citizen who writes
//! "fuga di gas" is told to call 112 at once, not after they say where. Triage owns the
//! rules and the taxonomy's safety messages; intake only asks, briefly.

use std::time::Duration;

use segnala_proto::triage::v1::{AssessTextRequest, triage_service_client::TriageServiceClient};

use super::Connection;

/// Past this the citizen gets the usual question without the advice: a slow triage
/// must not hold up the conversation.
const ASK_WITHIN: Duration = Duration::from_millis(1500);

#[derive(Clone)]
pub struct SafetyAdvisor {
    client: Option<TriageServiceClient<Connection>>,
}

impl SafetyAdvisor {
    pub fn new(connection: Option<Connection>) -> Self {
        Self {
            client: connection.map(TriageServiceClient::new),
        }
    }

    /// Triage's safety advice for `text` in `language_code`, when it sees an emergency
    /// in it; `None` when it does not, or cannot say in time.
    pub async fn advice(&self, text: &str, language_code: &str) -> Option<String> {
        let mut client = self.client.clone()?;
        let request = AssessTextRequest {
            text: text.to_owned(),
            language_code: language_code.to_owned(),
        };
        match tokio::time::timeout(ASK_WITHIN, client.assess_text(request)).await {
            Ok(Ok(response)) => {
                let assessment = response.into_inner();
                (assessment.emergency && !assessment.safety_message.is_empty())
                    .then_some(assessment.safety_message)
            }
            Ok(Err(status)) => {
                tracing::warn!(%status, "triage could not assess a message; no early safety advice");
                None
            }
            Err(_) => {
                tracing::warn!(
                    within = ?ASK_WITHIN,
                    "triage did not assess a message in time; no early safety advice"
                );
                None
            }
        }
    }
}
