//! Camera photos lose what the camera wrote about them and keep their look, in every
//! format the platform takes, and so do those stored before the platform did this.

use image::ImageFormat;
use sea_orm::{ConnectionTrait, Statement};
use sea_orm_migration::MigratorTrait;
use segnala::ServiceKind;
use segnala_intake::store::Migrator;
use segnala_shared::photo::strip_metadata;
use serde_json::Value;
use uuid::Uuid;

use crate::support::{
    TestEnv,
    photos::{self, CAMERA_TAGS, assert_upright, revealing, tagged_photo, tags},
};

fn check(format: ImageFormat, extra_tags: &[&str], exact: bool) {
    let dir = tempfile::tempdir().unwrap();
    let tags_written: Vec<&str> = CAMERA_TAGS.iter().chain(extra_tags).copied().collect();
    let photo = tagged_photo(dir.path(), format, &tags_written);
    let before = tags(dir.path(), &photo, format);
    for tag in [
        "EXIF:GPSLatitude",
        "EXIF:Make",
        "EXIF:Artist",
        "XMP:Creator",
    ] {
        assert!(before.contains_key(tag), "{format:?} written without {tag}");
    }
    assert_eq!(before["EXIF:Orientation"], "Rotate 90 CW");

    let stripped = strip_metadata(&photo, format.to_mime_type()).unwrap();

    let after = tags(dir.path(), &stripped, format);
    assert_eq!(
        revealing(&after),
        Vec::<String>::new(),
        "{format:?}: {after:#?}"
    );
    let width = after
        .iter()
        .find(|(key, _)| key.ends_with(":ImageWidth"))
        .map(|(_, value)| value.clone());
    assert_eq!(width, Some(Value::from(20)), "{format:?}");
    assert_upright(&stripped, exact);
}

#[test]
fn a_camera_jpeg_loses_gps_device_owner_xmp_and_iptc_and_stands_upright() {
    check(
        ImageFormat::Jpeg,
        &[
            "-IPTC:By-line=Anna Bianchi",
            "-IPTC:City=Milano",
            "-Comment=scattata dal balcone di casa",
        ],
        false,
    );
}

#[test]
fn a_png_loses_its_exif_and_xmp_and_stands_upright() {
    check(ImageFormat::Png, &[], true);
}

#[test]
fn a_webp_loses_its_exif_and_xmp_and_stands_upright() {
    check(ImageFormat::WebP, &[], true);
}

#[test]
fn a_gif_keeps_its_frames_and_loses_comments_and_xmp() {
    let dir = tempfile::tempdir().unwrap();
    let photo = tagged_photo(
        dir.path(),
        ImageFormat::Gif,
        &[
            "-Comment=Anna Bianchi, via Roma 3",
            "-XMP-dc:Creator=Anna Bianchi",
        ],
    );
    let before = tags(dir.path(), &photo, ImageFormat::Gif);
    assert!(before.contains_key("XMP:Creator"), "{before:#?}");

    let stripped = strip_metadata(&photo, "image/gif").unwrap();

    let after = tags(dir.path(), &stripped, ImageFormat::Gif);
    assert_eq!(revealing(&after), Vec::<String>::new(), "{after:#?}");
    let picture = image::load_from_memory(&stripped).unwrap();
    assert_eq!((picture.width(), picture.height()), (40, 20));
}

/// Photos intake stored before it removed metadata: the upgrade cleans them, and one
/// it cannot clean (a HEIC) is hidden from the public with the reason on record.
#[tokio::test]
async fn photos_stored_before_lose_their_metadata_on_upgrade_and_a_heic_is_hidden() {
    let env = TestEnv::new().await;
    let db = env.service_db(ServiceKind::Intake).await;
    let all = <Migrator as MigratorTrait>::migrations().len();
    let before_photo_migrations = u32::try_from(all - 2).unwrap();
    Migrator::up(&db, Some(before_photo_migrations))
        .await
        .unwrap();
    let report = Uuid::now_v7();
    let (camera, heic) = (Uuid::now_v7(), Uuid::now_v7());
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        "INSERT INTO reports (id, tracking_code, channel, description, created_at) \
         VALUES ($1, 'LAMP-0042', 'telegram', 'Lampione spento', now())",
        [report.into()],
    ))
    .await
    .unwrap();
    for (id, content_type, content) in [
        (camera, "image/jpeg", photos::camera_jpeg()),
        (
            heic,
            "image/heic",
            b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec(),
        ),
    ] {
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            "INSERT INTO media (id, report_id, content_type, content, created_at) \
             VALUES ($1, $2, $3, $4, now())",
            [
                id.into(),
                report.into(),
                content_type.into(),
                content.into(),
            ],
        ))
        .await
        .unwrap();
    }

    Migrator::up(&db, None).await.unwrap();

    let row = |id: Uuid| {
        let db = &db;
        async move {
            db.query_one_raw(Statement::from_sql_and_values(
                backend,
                "SELECT content, hidden_at IS NOT NULL AS hidden FROM media WHERE id = $1",
                [id.into()],
            ))
            .await
            .unwrap()
            .map(|r| {
                (
                    r.try_get::<Vec<u8>>("", "content").unwrap(),
                    r.try_get::<bool>("", "hidden").unwrap(),
                )
            })
            .expect("the photo is kept")
        }
    };
    let (cleaned, hidden) = row(camera).await;
    assert!(!hidden);
    photos::assert_without_camera_metadata(&cleaned);
    let (_, hidden) = row(heic).await;
    assert!(
        hidden,
        "a photo whose metadata cannot be removed is not public"
    );
    let record = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT media_id, operator, reason FROM media_visibility_changes",
        ))
        .await
        .unwrap();
    assert_eq!(record.len(), 1);
    assert_eq!(record[0].try_get::<Uuid>("", "media_id").unwrap(), heic);
    assert!(
        record[0]
            .try_get::<String>("", "reason")
            .unwrap()
            .contains("HEIC")
    );
    db.close().await.ok();
    env.cleanup().await;
}
