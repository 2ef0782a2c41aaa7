#![no_main]
use libfuzzer_sys::fuzz_target;
use newsbag::dc::{Origin, Record};
use newsbag::item::{self, ItemFormat};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for format in [ItemFormat::Rss, ItemFormat::Atom] {
        if let Ok(items) = item::parse(&text, format) {
            for it in &items {
                let record = Record::from_item(it, &Origin::default());
                assert_eq!(Record::read_xml(&record.write_xml()).ok(), Some(record));
            }
        }
    }
});
