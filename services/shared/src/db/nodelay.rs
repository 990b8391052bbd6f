//! Nagle's algorithm off on the process's connections to PostgreSQL.
//!
//! sqlx 0.9.0 opens its TCP sockets without `TCP_NODELAY`. A statement longer than one
//! TCP segment (a multi-row insert, easily) then leaves its last segment waiting for the
//! server's delayed acknowledgement, 40 ms on Linux, for a round trip that otherwise takes
//! a fraction of a millisecond. sqlx offers no hook on the socket it makes, so after each
//! new connection the process's own sockets to the database's port are found and set.
//!
//! Upstream this is <https://github.com/transact-rs/sqlx/issues/4335>: sqlx set the option
//! from #3055 on, 0.9.0 lost it in a refactoring (#4022), and #4336 sets it again. That
//! fix is merged after 0.9.0 and in no release yet. This module, its call in `db.rs` and
//! the `rustix` dependency can go once `Cargo.lock` has a `sqlx-core` that includes #4336:
//! the first sqlx release after 0.9.0 (0.9.1, if it is a patch release).

use std::{fs, io, net::SocketAddr};

use rustix::{
    net::{getpeername, sockopt::set_tcp_nodelay},
    process::{PidfdFlags, PidfdGetfdFlags, getpid, pidfd_getfd, pidfd_open},
};

/// Turns Nagle's algorithm off on every TCP socket of this process connected to `port`.
pub fn on_sockets_to(port: u16) {
    if let Err(error) = set_on_sockets_to(port) {
        tracing::warn!(%error, "Nagle's algorithm stays on for the database connections");
    }
}

fn set_on_sockets_to(port: u16) -> io::Result<()> {
    // The process's own descriptors, reached through its pidfd: no raw descriptor is
    // borrowed, and each one looked at is a duplicate closed at once.
    let process = pidfd_open(getpid(), PidfdFlags::empty())?;
    for entry in fs::read_dir("/proc/self/fd")? {
        let entry = entry?;
        let Some(fd) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        let is_socket = fs::read_link(entry.path())
            .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
        if !is_socket {
            continue;
        }
        // Gone since the listing, or not ours to take: nothing to set.
        let Ok(socket) = pidfd_getfd(&process, fd, PidfdGetfdFlags::empty()) else {
            continue;
        };
        let peer = getpeername(&socket)
            .ok()
            .flatten()
            .and_then(|address| SocketAddr::try_from(address).ok());
        if peer.is_some_and(|peer| peer.port() == port) {
            set_tcp_nodelay(&socket, true)?;
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::net::{TcpListener, TcpStream};

    use super::on_sockets_to;

    #[test]
    fn sockets_to_the_port_get_nodelay_and_others_keep_theirs() {
        let database = TcpListener::bind("127.0.0.1:0").unwrap();
        let elsewhere = TcpListener::bind("127.0.0.1:0").unwrap();
        let to_database = TcpStream::connect(database.local_addr().unwrap()).unwrap();
        let to_elsewhere = TcpStream::connect(elsewhere.local_addr().unwrap()).unwrap();
        assert!(
            !to_database.nodelay().unwrap(),
            "a new socket starts with Nagle on"
        );

        on_sockets_to(database.local_addr().unwrap().port());

        assert!(to_database.nodelay().unwrap());
        assert!(!to_elsewhere.nodelay().unwrap());
    }
}
