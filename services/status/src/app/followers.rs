//! Whether any webhook subscription is live, remembered for a moment: most changes
//! have no follower, and then announcing them costs no query.

use std::{
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

/// How long a reading is trusted. A subscription made through this process counts at
/// once; one made through another replica, at the latest this much later.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

#[derive(Clone, Debug, Default)]
pub struct Followers {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    /// Whether any subscription was live, and when that was read.
    reading: Option<(bool, Instant)>,
    /// Raised by every subscription made here, so that a reading taken before it
    /// cannot be remembered after it.
    generation: u64,
}

/// What is known without asking the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Known {
    Some,
    None,
    /// Ask, then `remember` the answer with this ticket.
    Ask(u64),
}

impl Followers {
    pub fn known(&self, now: Instant) -> Known {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match state.reading {
            Some((any, at)) if now.duration_since(at) < FRESH_FOR => {
                if any {
                    Known::Some
                } else {
                    Known::None
                }
            }
            _ => Known::Ask(state.generation),
        }
    }

    /// Keeps what was read with `ticket`, unless a subscription was made meanwhile.
    pub fn remember(&self, ticket: u64, any: bool, read_at: Instant) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.generation == ticket {
            state.reading = Some((any, read_at));
        }
    }

    /// A subscription was stored: the next change asks again.
    pub fn subscribed(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.generation += 1;
        state.reading = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reading_is_trusted_while_fresh() {
        let followers = Followers::default();
        let start = Instant::now();
        let Known::Ask(ticket) = followers.known(start) else {
            panic!("nothing read yet");
        };
        followers.remember(ticket, false, start);
        assert_eq!(followers.known(start + FRESH_FOR / 2), Known::None);
        assert!(matches!(followers.known(start + FRESH_FOR), Known::Ask(_)));
    }

    #[test]
    fn a_subscription_here_counts_at_once() {
        let followers = Followers::default();
        let start = Instant::now();
        let Known::Ask(ticket) = followers.known(start) else {
            panic!("nothing read yet");
        };
        followers.remember(ticket, false, start);
        followers.subscribed();
        let Known::Ask(ticket) = followers.known(start) else {
            panic!("asks again after a subscription");
        };
        followers.remember(ticket, true, start);
        assert_eq!(followers.known(start), Known::Some);
    }

    #[test]
    fn a_reading_older_than_a_subscription_is_not_kept() {
        let followers = Followers::default();
        let start = Instant::now();
        let Known::Ask(ticket) = followers.known(start) else {
            panic!("nothing read yet");
        };
        // The subscription commits after the reading and before it is remembered.
        followers.subscribed();
        followers.remember(ticket, false, start);
        assert!(matches!(followers.known(start), Known::Ask(_)));
    }
}
