//! What the commands print. A reader that goes away early (`segnala … | head`) ends the
//! command quietly: writing then fails with a broken pipe, which `print!` would turn
//! into a panic with a backtrace.

use std::io::Write;

use super::CommandError;

/// Writes to standard output; a closed reader is [`CommandError::output_closed`].
pub fn write(text: std::fmt::Arguments<'_>) -> Result<(), CommandError> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_fmt(text)
        .and_then(|()| stdout.flush())
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::BrokenPipe => CommandError::output_closed(),
            _ => CommandError::new(format!("cannot write the output: {error}")),
        })
}

/// `print!` for commands: returns from the command when the output is closed.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::write(format_args!($($arg)*))?
    };
}

/// `println!` for commands: returns from the command when the output is closed.
macro_rules! outln {
    () => {
        $crate::cli::output::write(format_args!("\n"))?
    };
    ($($arg:tt)*) => {
        $crate::cli::output::write(format_args!("{}\n", format_args!($($arg)*)))?
    };
}
