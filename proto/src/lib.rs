//! Segnala's contracts: the gRPC services and the events each service publishes.
//! Generated from the `.proto` files beside this crate; see `proto/buf.yaml`.
#![allow(clippy::doc_lazy_continuation, clippy::large_enum_variant)]

pub mod common {
    pub mod v1 {
        tonic::include_proto!("segnala.common.v1");
    }
}
pub mod intake {
    pub mod v1 {
        tonic::include_proto!("segnala.intake.v1");
    }
}
pub mod triage {
    pub mod v1 {
        tonic::include_proto!("segnala.triage.v1");
    }
}
pub mod tracking {
    pub mod v1 {
        tonic::include_proto!("segnala.tracking.v1");
    }
}
pub mod status {
    pub mod v1 {
        tonic::include_proto!("segnala.status.v1");
    }
}

/// Every contract as an encoded `FileDescriptorSet`, for gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("segnala_descriptor");
