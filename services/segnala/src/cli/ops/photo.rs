//! `segnala ops photo`: keep a photo uploaded with a report from the public (a face, a
//! plate, a home), or show it again, on intake. Each change is recorded with the key's
//! name and the reason.

use clap::Subcommand;
use segnala_proto::intake::v1::{
    GetPhotoRequest, HidePhotoRequest, Photo, ShowPhotoRequest,
    intake_service_client::IntakeServiceClient,
};
use segnala_shared::time::from_timestamp;

use crate::cli::{
    CommandError,
    client::{KeyArgs, connect},
};

#[derive(Debug, clap::Args)]
pub struct PhotoArgs {
    #[command(flatten)]
    intake: super::IntakeServer,
    #[command(subcommand)]
    command: PhotoCommand,
}

#[derive(Debug, Subcommand)]
enum PhotoCommand {
    /// Whether the public sees the photo, and who hid or showed it, when and why.
    Get {
        /// The photo's link (…/media/{id}), its name (photos/{id}) or its id.
        photo: String,
    },
    /// Keep the photo from the public: its link answers 404, Open311 leaves it out.
    Hide {
        /// The photo's link (…/media/{id}), its name (photos/{id}) or its id.
        photo: String,
        /// Why, for the record ("shows a face").
        #[arg(long)]
        reason: String,
    },
    /// Show a hidden photo to the public again.
    Unhide {
        /// The photo's link (…/media/{id}), its name (photos/{id}) or its id.
        photo: String,
        /// Why, for the record.
        #[arg(long)]
        reason: String,
    },
}

/// "photos/{id}" from a link, a name or a bare id.
fn photo_name(given: &str) -> String {
    let id = given
        .trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    format!("photos/{id}")
}

pub async fn run(args: PhotoArgs, key: &KeyArgs) -> Result<(), CommandError> {
    let mut client = connect(
        &args.intake.url,
        &key.trust,
        key.key(),
        IntakeServiceClient::new,
    )
    .await?;
    let failed = |status: tonic::Status| CommandError::from_status(&status, &args.intake.url);
    let photo = match args.command {
        PhotoCommand::Get { photo } => {
            client
                .get_photo(GetPhotoRequest {
                    name: photo_name(&photo),
                })
                .await
                .map_err(failed)?
                .into_inner()
                .photo
        }
        PhotoCommand::Hide { photo, reason } => {
            client
                .hide_photo(HidePhotoRequest {
                    name: photo_name(&photo),
                    reason,
                })
                .await
                .map_err(failed)?
                .into_inner()
                .photo
        }
        PhotoCommand::Unhide { photo, reason } => {
            client
                .show_photo(ShowPhotoRequest {
                    name: photo_name(&photo),
                    reason,
                })
                .await
                .map_err(failed)?
                .into_inner()
                .photo
        }
    };
    print_photo(&photo.unwrap_or_default())
}

fn print_photo(photo: &Photo) -> Result<(), CommandError> {
    let seen = if photo.hidden {
        "hidden from the public"
    } else {
        "public"
    };
    outln!("{} of {}: {seen}", photo.uri, photo.report);
    for change in &photo.changes {
        let when = from_timestamp(change.change_time.as_ref())
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default();
        let what = if change.hidden { "hidden" } else { "shown" };
        outln!("  {when}  {what} by {}: {}", change.operator, change.reason);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::photo_name;

    #[test]
    fn a_photo_is_named_by_its_link_its_name_or_its_id() {
        let id = "0193e0a2-7c4d-7b8e-9f00-123456789abc";
        let expected = format!("photos/{id}");
        assert_eq!(
            photo_name(&format!("https://segnala.example/media/{id}")),
            expected
        );
        assert_eq!(photo_name(&format!("photos/{id}")), expected);
        assert_eq!(photo_name(&format!(" {id}\n")), expected);
    }
}
