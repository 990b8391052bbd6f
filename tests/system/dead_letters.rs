//! Test 3: a poison message ends in the dead-letter queue and the consumer goes on with
//! the next ones.

use std::time::Duration;

use lapin::{BasicProperties, Connection, ConnectionProperties, options::BasicPublishOptions};
use segnala::ServiceKind;
use segnala_proto::status::v1::PublicState;

use crate::support::{RunningPlatform, TestEnv, eventually};

#[tokio::test]
async fn poison_messages_are_dead_lettered_and_consumers_go_on() {
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &ServiceKind::ALL).await;
    let topology = env.topology();

    let connection = Connection::connect(&env.amqp_url, ConnectionProperties::default())
        .await
        .expect("connect");
    let channel = connection.create_channel().await.expect("channel");
    channel
        .confirm_select(Default::default())
        .await
        .expect("confirms");
    let routing_key = "segnala.intake.v1.ReportReceived";
    let poison = [
        // Not a protobuf message at all.
        (
            vec![0xff, 0xff, 0xff, 0x07, 0x01],
            BasicProperties::default()
                .with_message_id(uuid::Uuid::new_v4().to_string().into())
                .with_type(routing_key.into()),
        ),
        // No message id: nothing could recognise its redelivery.
        (
            b"\x0a\x03abc".to_vec(),
            BasicProperties::default().with_type(routing_key.into()),
        ),
    ];
    for (payload, properties) in poison {
        channel
            .basic_publish(
                topology.exchange().as_str().into(),
                routing_key.into(),
                BasicPublishOptions::default(),
                &payload,
                properties,
            )
            .await
            .expect("publish")
            .await
            .expect("confirmed");
    }
    let _ = connection.close(200, "done".into()).await;

    // Both subscribers of ReportReceived set them aside.
    for consumer in ["triage", "status"] {
        let queue = topology.dead_letter_queue(consumer);
        eventually(
            &format!("{queue} holds both poison messages"),
            Duration::from_secs(30),
            || {
                let env = &env;
                let queue = queue.clone();
                async move { (env.queue_depth(&queue).await == 2).then_some(()) }
            },
        )
        .await;
    }

    // And the next report goes through as usual.
    let mut clients = platform.clients().await;
    let code = clients
        .submit(
            "Un ramo dell'albero è caduto in giardino",
            &uuid::Uuid::new_v4().to_string(),
        )
        .await;
    let status = clients
        .wait_for_state(&code, PublicState::Assigned, Duration::from_secs(30))
        .await;
    assert_eq!(status.department, "parks_trees");
    assert_eq!(env.queue_depth(&topology.queue("triage")).await, 0);
    drop(platform);
    env.cleanup().await;
}
