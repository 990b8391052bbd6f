//! Triage's first look at a message, asked before a report is complete: a citizen who
//! writes "fuga di gas" is told to call 112 at once, not after they say where; a post
//! that mentions the city but is chatter starts no conversation. Triage owns the rules
//! and the taxonomy's messages; intake only asks, briefly.

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

/// What triage makes of a message; nothing when it cannot say in time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FirstLook {
    /// The safety advice, when triage sees danger to people in it.
    pub advice: Option<String>,
    /// The polite answer, when triage takes it for something other than a report.
    pub not_a_report: Option<String>,
}

impl SafetyAdvisor {
    pub fn new(connection: Option<Connection>) -> Self {
        Self {
            client: connection.map(TriageServiceClient::new),
        }
    }

    /// Triage's look at `text` in `language_code`; `public_mention`: a post on a public
    /// timeline, held to a stricter bar.
    pub async fn look(&self, text: &str, language_code: &str, public_mention: bool) -> FirstLook {
        let Some(mut client) = self.client.clone() else {
            return FirstLook::default();
        };
        let request = AssessTextRequest {
            text: text.to_owned(),
            language_code: language_code.to_owned(),
            public_mention,
        };
        let present = |text: String| Some(text).filter(|t| !t.is_empty());
        match tokio::time::timeout(ASK_WITHIN, client.assess_text(request)).await {
            Ok(Ok(response)) => {
                let assessment = response.into_inner();
                FirstLook {
                    advice: assessment
                        .emergency
                        .then_some(assessment.safety_message)
                        .and_then(present),
                    not_a_report: assessment
                        .not_a_report
                        .then_some(assessment.not_a_report_message)
                        .and_then(present),
                }
            }
            Ok(Err(status)) => {
                tracing::warn!(%status, "triage could not assess a message; no first look");
                FirstLook::default()
            }
            Err(_) => {
                tracing::warn!(
                    within = ?ASK_WITHIN,
                    "triage did not assess a message in time; no first look"
                );
                FirstLook::default()
            }
        }
    }

    /// Triage's safety advice for `text`, when it sees an emergency in it.
    pub async fn advice(&self, text: &str, language_code: &str) -> Option<String> {
        self.look(text, language_code, false).await.advice
    }
}
