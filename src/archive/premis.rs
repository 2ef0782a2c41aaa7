//! Events as PREMIS 3.0 XML (`schemas/premis/premis-v3-0.xsd`): one
//! `object` per bag or item concerned, one `event` per event with its
//! `eventType` from the Library of Congress preservation vocabulary, and
//! newsbag as the linking agent.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use quick_xml::escape::escape;

use super::agent;
use super::events::{Event, EventType, Outcome};

/// The Library of Congress vocabulary of event types.
pub const EVENT_TYPE_SCHEME: &str = "http://id.loc.gov/vocabulary/preservation/eventType";

/// The LoC event type of an event: its code and label.
pub fn event_type(e: &Event) -> (&'static str, &'static str) {
    match e.kind {
        EventType::Ingest => ("ing", "ingestion"),
        EventType::Adopt => ("acc", "accession"),
        EventType::FixityCheck if e.detail["level"].as_str().unwrap_or("fixity") == "fixity" => {
            ("fix", "fixity check")
        }
        EventType::FixityCheck => ("val", "validation"),
        // A bag gone (or back) is what a fixity check of the archive finds.
        EventType::Missing | EventType::Found => ("fix", "fixity check"),
        EventType::Repair => ("rec", "recovery"),
        EventType::Quarantine => ("qua", "quarantine"),
        EventType::Replicate => ("rep", "replication"),
        EventType::CopyCheck => ("fix", "fixity check"),
    }
}

/// What an event says in a line (PREMIS `eventDetail`).
fn detail(e: &Event) -> String {
    let d = &e.detail;
    match e.kind {
        EventType::Ingest => format!(
            "bag ingested and registered: {} items, SHA-256 of the zip {}",
            d["bag"]["items"],
            d["bag"]["sha256"].as_str().unwrap_or("")
        ),
        EventType::Adopt => format!(
            "bag on disk registered ({})",
            d["reason"].as_str().unwrap_or("adopted")
        ),
        EventType::FixityCheck => format!(
            "{} check of the zipped bag and of its manifests, {} bytes read, from {} to {}",
            d["level"].as_str().unwrap_or("fixity"),
            d["bytes"],
            d["start"].as_str().unwrap_or(""),
            d["end"].as_str().unwrap_or("")
        ),
        EventType::Missing => "the bag is missing from the archive".to_owned(),
        EventType::Found => "the bag, recorded missing, is in the archive again".to_owned(),
        EventType::Repair => format!(
            "replaced by the replica copy `{}`",
            d["source"].as_str().unwrap_or("")
        ),
        EventType::Quarantine => {
            format!("damaged bag moved to `{}`", d["to"].as_str().unwrap_or(""))
        }
        EventType::Replicate => format!(
            "copied to and verified at `{}`",
            d["location"].as_str().unwrap_or("")
        ),
        EventType::CopyCheck => format!(
            "fixity check of the replica copy `{}` where it lies, {} bytes read, from {} to {}",
            d["copy"].as_str().unwrap_or(""),
            d["bytes"],
            d["start"].as_str().unwrap_or(""),
            d["end"].as_str().unwrap_or("")
        ),
    }
}

/// The problems or reason of an event, one note each.
fn notes(e: &Event) -> Vec<String> {
    let d = &e.detail;
    let mut out: Vec<String> = d["problems"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if let Some(r) = d["reason"].as_str() {
        out.push(r.to_owned());
    }
    out
}

/// Writes `events` as one PREMIS 3.0 document. `item`: the item whose
/// history this is (its bag's events then link it too).
pub fn to_premis(events: &[Event], item: Option<&str>) -> String {
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(
        "<premis xmlns=\"http://www.loc.gov/premis/v3\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.loc.gov/premis/v3 \
         http://www.loc.gov/standards/premis/v3/premis-v3-0.xsd\" version=\"3.0\">\n",
    );
    // Objects: every bag and item an event links to (at least one object
    // is required; an empty history still names nothing, so say so).
    let mut objects: BTreeSet<(&str, &str)> = BTreeSet::new();
    for e in events {
        objects.insert(("newsbag bag", e.bag.as_str()));
        if let Some(i) = e.item.as_deref().or(item) {
            objects.insert(("newsbag item", i));
        }
    }
    if objects.is_empty() {
        objects.insert(("newsbag bag", ""));
    }
    for (kind, id) in &objects {
        let _ = writeln!(
            x,
            "  <object xsi:type=\"intellectualEntity\">\n    <objectIdentifier>\n      \
             <objectIdentifierType>{}</objectIdentifierType>\n      \
             <objectIdentifierValue>{}</objectIdentifierValue>\n    </objectIdentifier>\n  \
             </object>",
            escape(*kind),
            escape(*id)
        );
    }
    let agent = agent();
    for e in events {
        let (code, label) = event_type(e);
        let outcome = match e.outcome {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        };
        let _ = write!(
            x,
            "  <event>\n    <eventIdentifier>\n      <eventIdentifierType>URN</eventIdentifierType>\n      \
             <eventIdentifierValue>{}</eventIdentifierValue>\n    </eventIdentifier>\n    \
             <eventType authority=\"eventType\" authorityURI=\"{EVENT_TYPE_SCHEME}\" \
             valueURI=\"{EVENT_TYPE_SCHEME}/{code}\">{label}</eventType>\n    \
             <eventDateTime>{}</eventDateTime>\n    <eventDetailInformation>\n      \
             <eventDetail>{}</eventDetail>\n    </eventDetailInformation>\n    \
             <eventOutcomeInformation>\n      <eventOutcome>{outcome}</eventOutcome>\n",
            escape(e.id.as_str()),
            escape(e.time.as_str()),
            escape(detail(e).as_str()),
        );
        for note in notes(e) {
            let note: String = note
                .chars()
                .filter(|&c| crate::dc::is_xml_char(c))
                .collect();
            let _ = writeln!(
                x,
                "      <eventOutcomeDetail>\n        <eventOutcomeDetailNote>{}</eventOutcomeDetailNote>\n      </eventOutcomeDetail>",
                escape(note.as_str())
            );
        }
        let _ = write!(
            x,
            "    </eventOutcomeInformation>\n    <linkingAgentIdentifier>\n      \
             <linkingAgentIdentifierType>software</linkingAgentIdentifierType>\n      \
             <linkingAgentIdentifierValue>{}</linkingAgentIdentifierValue>\n      \
             <linkingAgentRole>executing program</linkingAgentRole>\n    </linkingAgentIdentifier>\n    \
             <linkingObjectIdentifier>\n      <linkingObjectIdentifierType>newsbag bag</linkingObjectIdentifierType>\n      \
             <linkingObjectIdentifierValue>{}</linkingObjectIdentifierValue>\n    </linkingObjectIdentifier>\n",
            escape(e.agent.as_str()),
            escape(e.bag.as_str())
        );
        if let Some(i) = e.item.as_deref().or(item) {
            let _ = write!(
                x,
                "    <linkingObjectIdentifier>\n      <linkingObjectIdentifierType>newsbag item</linkingObjectIdentifierType>\n      \
                 <linkingObjectIdentifierValue>{}</linkingObjectIdentifierValue>\n    </linkingObjectIdentifier>\n",
                escape(i)
            );
        }
        x.push_str("  </event>\n");
    }
    // The agents: every version of newsbag that made one of the events.
    let mut agents: BTreeSet<&str> = events.iter().map(|e| e.agent.as_str()).collect();
    agents.insert(&agent);
    for a in agents {
        let version = a.strip_prefix("newsbag ").unwrap_or(a);
        let _ = writeln!(
            x,
            "  <agent>\n    <agentIdentifier>\n      <agentIdentifierType>software</agentIdentifierType>\n      \
             <agentIdentifierValue>{}</agentIdentifierValue>\n    </agentIdentifier>\n    \
             <agentName>newsbag</agentName>\n    <agentType>software</agentType>\n    \
             <agentVersion>{}</agentVersion>\n  </agent>",
            escape(a),
            escape(version)
        );
    }
    x.push_str("</premis>\n");
    x
}
