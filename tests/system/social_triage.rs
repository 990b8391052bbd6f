//! Messages from social networks through the whole platform on PostgreSQL and
//! RabbitMQ: a mention that is chatter makes no report and no work order, a flood told
//! as people tell it is an emergency with its safety reply, and a city that leaves
//! chatter alone on its timeline says nothing.

use std::time::Duration;

use segnala::ServiceKind;
use segnala_proto::{
    common::v1::{Channel, Priority},
    triage::v1::{
        DecisionOutcome, GetDecisionRequest, RejectionReason, ReportRejected,
        triage_service_client::TriageServiceClient,
    },
};

use crate::{
    status_read_model::received,
    support::{
        TestEnv,
        chats::*,
        clients::channel,
        env::OPERATOR_KEY,
        eventually,
        tap::EventTap,
        tracking::{operator_client, order_of, publish},
    },
};

const STATUSES: &str = "/api/v1/statuses";

fn mention_of(id: &str, text: &str) -> serde_json::Value {
    mention(
        id,
        &format!("9900{id}"),
        &format!(
            r#"<p><span class="h-card"><a href="https://social.example/@comune" class="u-url mention">@<span>comune</span></a></span> {text}</p>"#
        ),
    )
}

fn status_texts(setup: &Setup) -> Vec<String> {
    setup
        .fake
        .posts(STATUSES)
        .iter()
        .map(|p| p.body["status"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_mention_that_is_chatter_makes_no_report_and_a_flood_is_an_emergency_with_its_safety_reply()
 {
    let setup = Setup::with(&ServiceKind::ALL, |_| {}).await;

    setup.fake.set_notifications(vec![mention_of(
        "601",
        "Buon Natale a tutta la città e buone feste a tutti!",
    )]);
    let posts = setup.fake.wait_for_posts(STATUSES, 1).await;
    let answer = posts[0].body["status"].as_str().unwrap_or_default();
    assert!(
        answer.starts_with(
            "@marco@social.example Grazie del messaggio! Non contiene una segnalazione"
        ),
        "{answer}"
    );
    assert_eq!(posts[0].body["in_reply_to_id"], "9900601");
    assert_eq!(setup.report_count().await, 0, "chatter makes no report");

    // A flood, in the words people use: the safety advice comes with the first
    // question, before anyone knows where.
    let flood = "Esondato il torrente, l'acqua entra nelle case e ci sono persone intrappolate al piano terra";
    setup.fake.set_notifications(vec![mention_of("602", flood)]);
    let posts = setup.fake.wait_for_posts(STATUSES, 2).await;
    let asked = posts[1].body["status"].as_str().unwrap_or_default();
    assert!(
        asked.contains("112") && asked.contains("Dove si trova il problema?"),
        "{asked}"
    );
    setup.fake.set_notifications(vec![
        reply_mention(
            "603",
            "9900603",
            "9900602",
            r#"<p>@comune Via Valfurva 12, Milano</p>"#,
        ),
        mention_of("602", flood),
    ]);
    let registered = eventually("the flood registered", Duration::from_secs(30), || async {
        status_texts(&setup)
            .into_iter()
            .find(|t| t.contains("La segnalazione è registrata"))
    })
    .await;
    let code = code_in(&registered);
    let emergency_reply = eventually(
        "the emergency reply on the thread",
        Duration::from_secs(60),
        || async {
            status_texts(&setup).into_iter().find(|t| {
                t.contains(&format!(
                    "La segnalazione {code} potrebbe essere un'emergenza"
                ))
            })
        },
    )
    .await;
    assert!(
        emergency_reply.contains("chiama subito il 112"),
        "{emergency_reply}"
    );

    let tracking = operator_client(&setup.platform.url(ServiceKind::Tracking)).await;
    let order = order_of(
        &tracking,
        &format!("reports/{code}"),
        "a work order for civil protection",
        |o| o.department.ends_with("civil_protection"),
    )
    .await;
    assert_eq!(order.priority, Priority::Critical as i32);
    assert_eq!(
        setup.report_count().await,
        1,
        "the chatter never became one"
    );
    setup.finish().await;
}

#[tokio::test]
async fn a_city_that_leaves_chatter_alone_says_nothing_on_its_timeline() {
    let setup = Setup::with(&ServiceKind::ALL, |settings| {
        settings
            .intake
            .channels
            .conversation
            .answer_turned_away_mentions = false;
    })
    .await;
    setup.fake.set_notifications(vec![mention_of(
        "701",
        "Alle prossime elezioni voterò per il cambiamento, questa giunta è una vergogna",
    )]);
    // Taken in: the next poll asks only for newer mentions.
    eventually(
        "a poll past the chatter",
        Duration::from_secs(30),
        || async {
            setup
                .fake
                .all()
                .iter()
                .any(|r| r.path == "/api/v1/notifications" && r.query.contains("since_id=701"))
                .then_some(())
        },
    )
    .await;
    assert!(
        setup.fake.posts(STATUSES).is_empty(),
        "{:?}",
        status_texts(&setup)
    );
    assert_eq!(setup.report_count().await, 0);
    setup.finish().await;
}

#[tokio::test]
async fn triage_turns_away_a_mention_that_reached_it_and_opens_no_work_order() {
    let env = TestEnv::new().await;
    let platform = crate::support::RunningPlatform::start(
        &env.settings(),
        &[ServiceKind::Triage, ServiceKind::Tracking],
    )
    .await;
    let mut tap = EventTap::bind(&env, "segnala.triage.v1.#").await;
    let code = &segnala_shared::tracking_code::TrackingCode::generate().to_string();
    let mut event = received(code, 45.4642, 9.19);
    event.channel = Channel::Mastodon as i32;
    event.service_code = String::new();
    event.description = "Our thoughts and prayers are with the families, stay strong".into();
    event.language_code = "en".into();
    publish(&env, &event).await;
    let rejected: ReportRejected = tap
        .next_of(
            code,
            |e: &ReportRejected| &e.tracking_code,
            Duration::from_secs(30),
        )
        .await;
    assert_eq!(rejected.reason, RejectionReason::NotAReport as i32);
    assert!(
        rejected.message.starts_with("Thank you for your message!"),
        "{}",
        rejected.message
    );

    let mut triage = TriageServiceClient::new(
        channel(&platform.url(ServiceKind::Triage), Some(OPERATOR_KEY)).await,
    );
    let decision = triage
        .get_decision(GetDecisionRequest {
            name: format!("reports/{code}/decision"),
        })
        .await
        .expect("GetDecision")
        .into_inner()
        .decision
        .expect("a decision");
    assert_eq!(decision.outcome, DecisionOutcome::Rejected as i32);
    assert_eq!(decision.method, "screening");
    assert!(
        decision.rules.iter().any(|r| r.starts_with("screening:")),
        "{:?}",
        decision.rules
    );
    let tracking = operator_client(&platform.url(ServiceKind::Tracking)).await;
    let orders = tracking
        .clone()
        .list_work_orders(segnala_proto::tracking::v1::ListWorkOrdersRequest {
            report: format!("reports/{code}"),
            ..Default::default()
        })
        .await
        .expect("ListWorkOrders")
        .into_inner()
        .work_orders;
    assert!(orders.is_empty(), "{orders:?}");
    drop(platform);
    env.cleanup().await;
}
