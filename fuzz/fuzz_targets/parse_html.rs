#![no_main]
use libfuzzer_sys::fuzz_target;
use newsbag::dc::{Origin, Record};
use newsbag::item::{self, ItemFormat};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = item::html_to_text(&text);
    if let Ok(items) = item::parse(&text, ItemFormat::Html) {
        // Whatever an HTML page gives, its DC record round-trips.
        let record = Record::from_item(&items[0], &Origin::default());
        assert_eq!(Record::read_xml(&record.write_xml()).ok(), Some(record));
    }
});
