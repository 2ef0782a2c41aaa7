#![no_main]
use libfuzzer_sys::fuzz_target;
use newsbag::item::{self, ItemFormat};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Never panics; an item's body never holds the furniture it removed.
    if let Ok(items) = item::parse(&text, ItemFormat::Text) {
        assert_eq!(items.len(), 1);
        let item = &items[0];
        if let Some(title) = &item.title {
            assert!(title.chars().count() <= item::MAX_TITLE_CHARS);
            assert!(!title.contains('\n'));
        }
        let _ = item::sniff(data);
    }
});
