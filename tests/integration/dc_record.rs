//! The Dublin Core record of a Persian item spells its words as the text
//! derivative does: the bundled sample page's creator, publisher, subjects
//! and rights get the Persian repairs `text.txt` got, the original keeps
//! the untouched spelling, and provenance counts the record's repairs.

use std::fs;
use std::path::Path;

use crate::util::newsbag;

/// Arabic yeh (U+064A), which Persian text spells as Persian yeh.
const ARABIC_YEH: char = '\u{64A}';

#[test]
fn a_persian_pages_record_agrees_with_its_text() {
    let tmp = tempfile::tempdir().unwrap();
    let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("archive/inbox/page.html");
    let archive = tmp.path().join("archive");
    newsbag()
        .args([
            "ingest",
            "--date",
            "2000-01-01",
            "--name",
            "page",
            "--archive",
        ])
        .arg(&archive)
        .arg(&page)
        .assert()
        .success();
    let out = tmp.path().join("out");
    newsbag()
        .arg("extract")
        .arg(archive.join("bags/page.zip"))
        .arg("--to")
        .arg(&out)
        .assert()
        .success();
    let items: Vec<_> = fs::read_dir(out.join("data/items"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(items.len(), 1, "{items:?}");
    let item = &items[0];
    let dc = fs::read_to_string(item.join("dc.xml")).unwrap();
    let text = fs::read_to_string(item.join("text.txt")).unwrap();
    let provenance: serde_json::Value =
        serde_json::from_slice(&fs::read(item.join("provenance.json")).unwrap()).unwrap();
    assert_eq!(provenance["text"]["persian"], true, "{provenance:#}");

    // The text and the record spell the creator the same way.
    assert!(text.contains("قدیمی"), "text.txt lacks قدیمی");
    assert!(dc.contains("<dc:creator>فاطمه قدیمی</dc:creator>"), "{dc}");
    assert!(
        dc.contains("<dc:publisher>دیارمیرزا</dc:publisher>"),
        "{dc}"
    );
    assert!(dc.contains("<dc:subject>شهری</dc:subject>"), "{dc}");
    assert!(dc.contains("<dc:rights>© دیارمیرزا</dc:rights>"), "{dc}");
    // No value taken from the page keeps an Arabic yeh (the identifiers
    // are URLs, the format a label: ASCII).
    let left: Vec<&str> = dc.lines().filter(|l| l.contains(ARABIC_YEH)).collect();
    assert!(left.is_empty(), "Arabic yeh left in the record: {left:#?}");
    // Provenance counts what was repaired in the record.
    let yeh = provenance["record"]["repairs"]["persian_yeh"]
        .as_u64()
        .unwrap_or_default();
    assert!(yeh >= 7, "{provenance:#}");
    // The original is the page's bytes, untouched.
    let original = fs::read(item.join("original.html")).unwrap();
    assert_eq!(original, fs::read(&page).unwrap());
}
