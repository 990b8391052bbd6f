//! `segnala ops redaction-eval`: how well the redactor finds personal data in texts
//! whose personal data is marked, kind by kind. Runs locally, no server needed.

use std::path::PathBuf;

use segnala_shared::redaction::evaluation::{self, Evaluation, REQUIRED_SCORE};

use crate::cli::CommandError;

#[derive(Debug, clap::Args)]
pub struct RedactionEvalArgs {
    /// Marked texts, one a line (`Chiamatemi al [[phone:333 123 4567]]`); default: the
    /// built-in set, its texts to tune on and its held-out texts.
    #[arg(long)]
    file: Option<PathBuf>,
    /// Also list every span the redactor missed or found wrongly.
    #[arg(long)]
    mistakes: bool,
}

/// Prints a table per set; fails when a kind falls below the required score.
pub fn run(args: RedactionEvalArgs) -> Result<(), CommandError> {
    let sets = match &args.file {
        Some(path) => {
            let source = std::fs::read_to_string(path)
                .map_err(|e| CommandError::new(format!("{}: {e}", path.display())))?;
            vec![(path.display().to_string(), source)]
        }
        None => vec![
            ("built-in, dev".to_owned(), evaluation::DEV.to_owned()),
            (
                "built-in, held-out".to_owned(),
                evaluation::HELD_OUT.to_owned(),
            ),
        ],
    };
    let mut failing = Vec::new();
    for (name, source) in sets {
        let examples =
            evaluation::parse(&source).map_err(|e| CommandError::new(format!("{name}: {e}")))?;
        let result = Evaluation::of(&examples);
        outln!("{name}");
        outln!("{result}");
        if args.mistakes {
            for m in &result.mistakes {
                let what = if m.missed { "missed" } else { "false" };
                outln!("  {what} {} {:?} in {:?}", m.kind.as_str(), m.span, m.text);
            }
        }
        outln!();
        let below = result.below(REQUIRED_SCORE);
        if !below.is_empty() {
            let kinds: Vec<&str> = below.iter().map(|k| k.as_str()).collect();
            failing.push(format!("{name}: {}", kinds.join(", ")));
        }
    }
    if failing.is_empty() {
        Ok(())
    } else {
        Err(CommandError::new(format!(
            "below {REQUIRED_SCORE} in recall or precision: {}",
            failing.join("; ")
        )))
    }
}
