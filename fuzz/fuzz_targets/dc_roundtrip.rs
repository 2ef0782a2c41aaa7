#![no_main]
use libfuzzer_sys::fuzz_target;
use newsbag::dc::{ELEMENTS, Record, is_xml_char};

// Structured input: up to 15 lists of strings, one per DCMES element.
fuzz_target!(|values: Vec<Vec<String>>| {
    let mut record = Record::default();
    for (name, vals) in ELEMENTS.iter().zip(values) {
        let slot = record.get_mut(name).expect("a DCMES name");
        *slot = vals
            .into_iter()
            .map(|v| v.chars().filter(|c| is_xml_char(*c)).collect())
            .collect();
    }
    let xml = record.write_xml();
    assert_eq!(Record::read_xml(&xml).expect("our own output reads back"), record);
});
