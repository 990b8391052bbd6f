//! Discovery, the service list and service definitions.

use axum::{
    extract::{Path, RawQuery, State},
    http::HeaderMap,
    response::Response,
};

use super::{
    Asked, Open311, answer,
    document::{Format, Node},
    response::{Document, Open311Error},
};
use crate::{
    app::find_service,
    domain::{Attribute, ServiceType},
};

const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";
/// When this endpoint's interface last changed.
const CHANGESET: &str = "2026-11-23T00:00:00Z";

pub fn discovery(open311: &Open311, format: Format) -> Document {
    let formats = Node::list(
        "format",
        vec![Node::text("text/xml"), Node::text("application/json")],
    );
    let endpoint = Node::object([
        ("specification", Node::text(SPECIFICATION)),
        ("url", Node::text(open311.endpoint_url.clone())),
        ("changeset", Node::text(CHANGESET)),
        ("type", Node::text("production")),
        ("formats", formats),
    ]);
    Document {
        format,
        root: "discovery",
        node: Node::object([
            ("changeset", Node::text(CHANGESET)),
            ("contact", Node::Null),
            ("key_service", Node::Null),
            ("endpoints", Node::list("endpoint", vec![endpoint])),
        ]),
    }
}

pub async fn list(open311: &Open311, asked: &Asked) -> Result<Document, Open311Error> {
    let format = asked.format;
    let catalog = open311
        .catalog
        .catalog(&asked.language)
        .await
        .map_err(|e| Open311Error::from_app(format, e))?;
    Ok(Document {
        format,
        root: "services",
        node: Node::list("service", catalog.services.iter().map(service).collect()),
    })
}

/// Texts a service lacks are empty, never null, as real servers give them.
fn service(service: &ServiceType) -> Node {
    Node::object([
        ("service_code", Node::text(service.code.clone())),
        ("service_name", Node::text(service.name.clone())),
        ("description", Node::text(service.description.clone())),
        ("metadata", Node::Bool(service.has_questions())),
        ("type", Node::text("realtime")),
        ("keywords", Node::text(service.keywords.join(", "))),
        ("group", Node::text(service.group.clone())),
    ])
}

/// `services/{code}.{format}`.
pub async fn definition(
    State(open311): State<Open311>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let open311 = &open311;
    answer(open311, &file, query, &headers, |code, asked| async move {
        let format = asked.format;
        let service = find_service(open311.catalog.as_ref(), code, &asked.language)
            .await
            .map_err(|e| Open311Error::from_app(format, e))?;
        let mut attributes: Vec<&Attribute> = service.attributes.iter().collect();
        attributes.sort_by_key(|a| a.order);
        Ok::<_, Open311Error>(Document {
            format,
            root: "service_definition",
            node: Node::object([
                ("service_code", Node::text(service.code.clone())),
                (
                    "attributes",
                    Node::list("attribute", attributes.into_iter().map(attribute).collect()),
                ),
            ]),
        })
    })
    .await
}

fn attribute(attribute: &Attribute) -> Node {
    let values = attribute
        .values
        .iter()
        .map(|v| {
            Node::object([
                ("key", Node::text(v.key.clone())),
                ("name", Node::text(v.name.clone())),
            ])
        })
        .collect();
    Node::object([
        ("variable", Node::Bool(attribute.variable)),
        ("code", Node::text(attribute.code.clone())),
        ("datatype", Node::text(attribute.datatype.as_str())),
        ("required", Node::Bool(attribute.required)),
        (
            "datatype_description",
            Node::text(attribute.datatype_description.clone()),
        ),
        ("order", Node::Number(f64::from(attribute.order))),
        ("description", Node::text(attribute.description.clone())),
        ("values", Node::list("value", values)),
    ])
}
