//! What the channels deal in: citizens' messages and how to answer them, conversations
//! in progress, the question after a resolution, and what words can be taken as. No
//! platform, transport or storage types here.

mod conversation;
mod message;
mod question;
pub mod words;

pub use conversation::{PendingReport, ReporterRoute};
pub use message::{
    ButtonPress, Choice, IncomingMessage, PhotoRef, ReplyRoute, Unreadable, coordinates_in,
    language_of,
};
pub use question::{Question, QuestionState};
