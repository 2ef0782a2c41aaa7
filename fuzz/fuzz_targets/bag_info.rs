#![no_main]
use libfuzzer_sys::fuzz_target;
use newsbag::tagfile::{BagInfo, decode_tag_file};

const ENCODINGS: [&str; 4] = ["UTF-8", "UTF-16", "ISO-8859-1", "no-such-encoding"];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let encoding = ENCODINGS[usize::from(selector) % ENCODINGS.len()];
    let (text, _) = decode_tag_file(bytes, encoding, "bag-info.txt");
    for strict in [false, true] {
        let (info, _) = BagInfo::parse(&text, "bag-info.txt", strict);
        // Whatever was parsed can be written (or is refused cleanly), and a
        // written bag-info parses back to the same elements.
        let mut rebuilt = BagInfo::new();
        if info.entries().iter().all(|(l, v)| rebuilt.push(l, v).is_ok()) {
            let written = String::from_utf8(rebuilt.to_bytes()).expect("bag-info is UTF-8");
            let (back, _) = BagInfo::parse(&written, "bag-info.txt", true);
            assert_eq!(back, rebuilt);
        }
    }
});
