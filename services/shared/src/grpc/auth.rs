//! Authentication for gRPC: a bearer token (`authorization: Bearer …`) or an API key
//! (`x-api-key: …`) names a principal with a role; each method says which roles may
//! call it. Methods not listed are closed to everyone but admins.

use std::{
    collections::HashMap,
    sync::Arc,
    task::{Context, Poll},
};

use futures_util::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use tonic::{Code, Status, body::Body};
use tonic_types::{ErrorDetails, StatusExt};
use tower::{Layer, Service};

use crate::config::ConfigError;

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A maintenance crew working its department's queue.
    Crew,
    /// The city's staff: review, reroute, broadcast.
    Operator,
    /// An app or back-end system submitting reports.
    Integrator,
    /// Everything.
    Admin,
}

/// One configured credential.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeySettings {
    /// Who holds the key, for logs and audit (such as "city-app" or "crew-lighting-1").
    pub name: String,
    pub role: Role,
    pub key: SecretString,
    /// The departments a crew works for (taxonomy ids such as "street_lighting"); a
    /// crew sees and claims only their orders. Required for crews, ignored otherwise.
    #[serde(default)]
    pub departments: Vec<String>,
}

/// Keys shorter than this are refused at start: they could be guessed.
pub const MIN_KEY_LENGTH: usize = 16;

/// Checks that every key is long enough and that names are unique.
pub fn validate_keys(keys: &[ApiKeySettings], key_path: &str) -> Result<(), ConfigError> {
    let mut names = std::collections::HashSet::new();
    for (i, key) in keys.iter().enumerate() {
        if key.key.expose_secret().len() < MIN_KEY_LENGTH {
            return Err(ConfigError::invalid(
                format!("{key_path}.{i}.key"),
                format!("must be at least {MIN_KEY_LENGTH} characters"),
            ));
        }
        if key.role == Role::Crew && key.departments.is_empty() {
            return Err(ConfigError::invalid(
                format!("{key_path}.{i}.departments"),
                "a crew key must name the departments the crew works for",
            ));
        }
        if !names.insert(key.name.as_str()) {
            return Err(ConfigError::invalid(
                format!("{key_path}.{i}.name"),
                format!("`{}` is used twice", key.name),
            ));
        }
    }
    Ok(())
}

/// The caller of a request, once authenticated. Handlers read it from the request
/// extensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub name: String,
    pub role: Role,
    /// A crew's departments; empty for the other roles.
    pub departments: Vec<String>,
}

/// The name of the key `request` was made with, for audit logs; empty when the
/// method needs none.
pub fn principal_name<T>(request: &tonic::Request<T>) -> String {
    request
        .extensions()
        .get::<Principal>()
        .map_or_else(String::new, |p| p.name.clone())
}

/// Finds the principal a token belongs to.
#[derive(Clone, Default)]
pub struct Authenticator {
    keys: Arc<Vec<ApiKeySettings>>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("keys", &self.keys.len())
            .finish()
    }
}

impl Authenticator {
    pub fn new(keys: Vec<ApiKeySettings>) -> Self {
        Self {
            keys: Arc::new(keys),
        }
    }

    /// Compares against every key in constant time, so timing tells nothing about them.
    pub fn authenticate(&self, token: &str) -> Option<Principal> {
        let mut found = None;
        for key in self.keys.iter() {
            let secret = key.key.expose_secret().as_bytes();
            if bool::from(secret.ct_eq(token.as_bytes())) {
                found = Some(Principal {
                    name: key.name.clone(),
                    role: key.role,
                    departments: key.departments.clone(),
                });
            }
        }
        found
    }
}

/// Who may call a method.
#[derive(Clone, Copy, Debug)]
pub enum Access {
    /// Anyone, without credentials (citizens).
    Public,
    /// These roles, and admins.
    Roles(&'static [Role]),
}

/// The access rule of every method of a server, by full path
/// (`/segnala.intake.v1.IntakeService/CreateReport`).
#[derive(Clone, Debug, Default)]
pub struct MethodPolicy {
    methods: HashMap<String, Access>,
}

/// Services every server exposes to anyone: health checks and reflection.
const PUBLIC_SERVICES: &[&str] = &[
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1.ServerReflection/",
    "/grpc.reflection.v1alpha.ServerReflection/",
];

impl MethodPolicy {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn allow(mut self, path: &str, access: Access) -> Self {
        self.methods.insert(path.to_owned(), access);
        self
    }

    fn access(&self, path: &str) -> Access {
        if PUBLIC_SERVICES
            .iter()
            .any(|prefix| path.starts_with(prefix))
        {
            return Access::Public;
        }
        self.methods
            .get(path)
            .copied()
            .unwrap_or(Access::Roles(&[]))
    }

    /// Decides a call: `Ok(Some(principal))` for an authenticated caller, `Ok(None)` for
    /// an anonymous call to a public method.
    pub fn check(
        &self,
        authenticator: &Authenticator,
        path: &str,
        headers: &http::HeaderMap,
    ) -> Result<Option<Principal>, Status> {
        let access = self.access(path);
        let principal = match credential(headers) {
            Some(token) => Some(authenticator.authenticate(token).ok_or_else(|| {
                auth_status(
                    Code::Unauthenticated,
                    "API_KEY_INVALID",
                    "the credential is not valid",
                )
            })?),
            None => None,
        };
        match (access, principal) {
            (Access::Public, principal) => Ok(principal),
            (Access::Roles(_), None) => Err(auth_status(
                Code::Unauthenticated,
                "CREDENTIAL_MISSING",
                "this method needs an API key: send `authorization: Bearer <key>` or `x-api-key: <key>`",
            )),
            (Access::Roles(roles), Some(principal)) => {
                if principal.role == Role::Admin || roles.contains(&principal.role) {
                    Ok(Some(principal))
                } else {
                    Err(auth_status(
                        Code::PermissionDenied,
                        "ROLE_NOT_ALLOWED",
                        "your role may not call this method",
                    ))
                }
            }
        }
    }
}

fn credential(headers: &http::HeaderMap) -> Option<&str> {
    if let Some(value) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        return Some(bearer_token(value));
    }
    headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The token of an `authorization` value: after the `Bearer` scheme, whose case does
/// not matter (RFC 7235), or the whole value when it names no scheme.
fn bearer_token(value: &str) -> &str {
    let value = value.trim();
    match value.split_once([' ', '\t']) {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => value,
    }
}

fn auth_status(code: Code, reason: &str, message: &str) -> Status {
    let details = ErrorDetails::with_error_info(reason, "auth.segnala", HashMap::new());
    Status::with_error_details(code, message, details)
}

/// A tower layer that applies a [`MethodPolicy`] before any handler runs.
#[derive(Clone, Debug)]
pub struct AuthLayer {
    policy: Arc<MethodPolicy>,
    authenticator: Authenticator,
}

impl AuthLayer {
    pub fn new(policy: MethodPolicy, authenticator: Authenticator) -> Self {
        Self {
            policy: Arc::new(policy),
            authenticator,
        }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct AuthService<S> {
    inner: S,
    layer: AuthLayer,
}

impl<S, B> Service<http::Request<B>> for AuthService<S>
where
    S: Service<http::Request<B>, Response = http::Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        let decision = self.layer.policy.check(
            &self.layer.authenticator,
            request.uri().path(),
            request.headers(),
        );
        match decision {
            Ok(principal) => {
                if let Some(principal) = principal {
                    request.extensions_mut().insert(principal);
                }
                // The clone is the ready service's sibling; swap so the ready one is used.
                let clone = self.inner.clone();
                let mut ready = std::mem::replace(&mut self.inner, clone);
                Box::pin(ready.call(request))
            }
            Err(status) => Box::pin(async move { Ok(status.into_http()) }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authenticator() -> Authenticator {
        Authenticator::new(vec![
            ApiKeySettings {
                name: "app".into(),
                role: Role::Integrator,
                key: SecretString::from("integrator-key-0123456789"),
                departments: Vec::new(),
            },
            ApiKeySettings {
                name: "root".into(),
                role: Role::Admin,
                key: SecretString::from("admin-key-0123456789"),
                departments: Vec::new(),
            },
        ])
    }

    fn headers(value: Option<&str>) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        if let Some(v) = value {
            map.insert(
                "authorization",
                http::HeaderValue::from_str(v).unwrap_or(http::HeaderValue::from_static("")),
            );
        }
        map
    }

    #[test]
    fn roles_public_methods_and_admins() {
        let policy = MethodPolicy::new()
            .allow("/s/Create", Access::Roles(&[Role::Integrator]))
            .allow("/s/Read", Access::Public);
        let auth = authenticator();
        let check = |path: &str, token: Option<&str>| policy.check(&auth, path, &headers(token));

        assert_eq!(check("/s/Read", None).ok(), Some(None));
        let code = |r: Result<Option<Principal>, Status>| r.err().map(|s| s.code());
        assert_eq!(code(check("/s/Create", None)), Some(Code::Unauthenticated));
        assert_eq!(
            code(check("/s/Create", Some("Bearer wrong"))),
            Some(Code::Unauthenticated)
        );
        assert_eq!(
            code(check("/s/Read", Some("Bearer wrong"))),
            Some(Code::Unauthenticated)
        );
        let caller = check("/s/Create", Some("Bearer integrator-key-0123456789"))
            .ok()
            .flatten();
        assert_eq!(caller.map(|p| p.name), Some("app".to_string()));
        assert_eq!(
            code(check(
                "/s/Unlisted",
                Some("Bearer integrator-key-0123456789")
            )),
            Some(Code::PermissionDenied)
        );
        assert!(check("/s/Unlisted", Some("Bearer admin-key-0123456789")).is_ok());
        assert!(check("/grpc.health.v1.Health/Check", None).is_ok());
    }

    #[test]
    fn the_bearer_scheme_is_read_in_any_case() {
        let policy = MethodPolicy::new().allow("/s/Create", Access::Roles(&[Role::Integrator]));
        let auth = authenticator();
        for value in [
            "Bearer integrator-key-0123456789",
            "bearer integrator-key-0123456789",
            "BEARER  integrator-key-0123456789 ",
            "integrator-key-0123456789",
        ] {
            let caller = policy
                .check(&auth, "/s/Create", &headers(Some(value)))
                .map(|p| p.map(|p| p.name));
            assert_eq!(caller.ok().flatten().as_deref(), Some("app"), "{value}");
        }
        let other_scheme = policy.check(
            &auth,
            "/s/Create",
            &headers(Some("Basic integrator-key-0123456789")),
        );
        assert_eq!(
            other_scheme.err().map(|s| s.code()),
            Some(Code::Unauthenticated)
        );
    }

    #[test]
    fn short_and_duplicate_keys_are_refused() {
        let short = vec![ApiKeySettings {
            name: "a".into(),
            role: Role::Crew,
            key: SecretString::from("short"),
            departments: vec!["roads".into()],
        }];
        let error = validate_keys(&short, "auth.api_keys")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("auth.api_keys.0.key"), "{error}");
    }

    #[test]
    fn a_crew_key_names_its_departments() {
        let crew = |departments: Vec<String>| ApiKeySettings {
            name: "crew-1".into(),
            role: Role::Crew,
            key: SecretString::from("crew-key-0123456789"),
            departments,
        };
        let error = validate_keys(&[crew(Vec::new())], "auth.api_keys")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("auth.api_keys.0.departments"), "{error}");
        assert!(validate_keys(&[crew(vec!["roads".into()])], "auth.api_keys").is_ok());
        let principal = Authenticator::new(vec![crew(vec!["roads".into()])])
            .authenticate("crew-key-0123456789")
            .map(|p| p.departments);
        assert_eq!(principal, Some(vec!["roads".to_owned()]));
    }
}
