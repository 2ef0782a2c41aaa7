//! The OAI-PMH 2.0 data provider
//! (<http://www.openarchives.org/OAI/openarchivesprotocol.html>): a
//! request's arguments and the catalog in, the response document out, with
//! no HTTP in between (`http` carries it).
//!
//! - Every item is a record, in `oai_dc` only: the item's own `dc.xml`
//!   from its bag, byte for byte but for its XML declaration.
//! - Identifiers are `oai:newsbag:BAG/ID`; the datestamp of an item is its
//!   bag's registration time in the catalog (UTC, seconds); items are
//!   never deleted (`deletedRecord` `no`).
//! - Sets: `bag:NAME` for each bag and `source:HOST` for each host of the
//!   items' `dc:source` URLs, under the parents `bag` and `source`.
//! - Resumption tokens hold the position of the last item sent in the
//!   catalog's harvest order (see [`crate::archive::catalog::HarvestItem`])
//!   and the request's arguments, never an offset: they survive a restart
//!   of the server, never expire, and a harvest that goes on while bags are
//!   added neither skips nor repeats an item.

use std::fmt::Write as _;
use std::path::Path;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::record::{read_records, without_declaration};
use crate::archive::catalog::{Catalog, HarvestItem, HarvestQuery, SetFilter, source_host};
use crate::archive::zips::ZipCache;
use crate::archive::{Result, rfc3339};

/// The one metadata format.
pub const OAI_DC: &str = "oai_dc";
const OAI_DC_SCHEMA: &str = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd";
const OAI_DC_NAMESPACE: &str = "http://www.openarchives.org/OAI/2.0/oai_dc/";
/// The prefix of every item's OAI identifier.
pub const IDENTIFIER_PREFIX: &str = "oai:newsbag:";
/// Records (or headers) in one response of a list.
pub const DEFAULT_PAGE_SIZE: usize = 250;

/// The repository a request is answered from.
#[derive(Debug)]
pub struct Provider<'a> {
    /// The catalog, open read-only.
    pub catalog: &'a Catalog,
    /// The archive root, where the bags are.
    pub root: &'a Path,
    /// The base URL of the data provider (`http://HOST:PORT/oai`).
    pub base_url: &'a str,
    /// `repositoryName` of Identify.
    pub name: &'a str,
    /// `adminEmail` of Identify.
    pub admin_email: &'a str,
    /// Records (or headers) per list response.
    pub page_size: usize,
    /// Parsed central directories of the bags, kept between requests.
    pub zips: &'a ZipCache,
}

/// The protocol's error codes (section 3.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// Illegal, missing or repeated argument, or a bad argument value.
    BadArgument,
    /// The resumption token is invalid.
    BadResumptionToken,
    /// Missing, repeated or unknown verb.
    BadVerb,
    /// The metadata format is not served.
    CannotDisseminateFormat,
    /// The identifier is unknown.
    IdDoesNotExist,
    /// The list would be empty.
    NoRecordsMatch,
}

impl Code {
    /// The code as the protocol writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::BadArgument => "badArgument",
            Code::BadResumptionToken => "badResumptionToken",
            Code::BadVerb => "badVerb",
            Code::CannotDisseminateFormat => "cannotDisseminateFormat",
            Code::IdDoesNotExist => "idDoesNotExist",
            Code::NoRecordsMatch => "noRecordsMatch",
        }
    }
}

type OaiError = (Code, String);

fn error<T>(code: Code, message: impl Into<String>) -> Result<Result<T, OaiError>> {
    Ok(Err((code, message.into())))
}

const VERBS: [(&str, &[&str]); 6] = [
    ("Identify", &[]),
    ("ListMetadataFormats", &["identifier"]),
    ("ListSets", &["resumptionToken"]),
    (
        "ListIdentifiers",
        &["metadataPrefix", "from", "until", "set", "resumptionToken"],
    ),
    (
        "ListRecords",
        &["metadataPrefix", "from", "until", "set", "resumptionToken"],
    ),
    ("GetRecord", &["identifier", "metadataPrefix"]),
];

/// A request whose verb and arguments are legal.
#[derive(Debug)]
struct Request<'r> {
    verb: &'static str,
    args: Vec<(&'static str, &'r str)>,
}

impl Request<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.args.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
}

/// Checks the verb and the arguments' names (section 3.1.2, 3.6).
fn parse_request(args: &[(String, String)]) -> Result<Request<'_>, Vec<OaiError>> {
    let verbs: Vec<&str> = args
        .iter()
        .filter(|(k, _)| k == "verb")
        .map(|(_, v)| v.as_str())
        .collect();
    let (verb, allowed) = match verbs.as_slice() {
        [] => return Err(vec![(Code::BadVerb, "the verb argument is missing".into())]),
        [v] => match VERBS.iter().find(|(name, _)| name == v) {
            Some(&(name, allowed)) => (name, allowed),
            None => {
                return Err(vec![(
                    Code::BadVerb,
                    format!("`{v}` is not an OAI-PMH verb"),
                )]);
            }
        },
        _ => {
            return Err(vec![(
                Code::BadVerb,
                "the verb argument is repeated".into(),
            )]);
        }
    };
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (k, v) in args.iter().filter(|(k, _)| k != "verb") {
        match allowed.iter().find(|a| **a == k) {
            None => errors.push((
                Code::BadArgument,
                format!("`{k}` is not an argument of {verb}"),
            )),
            Some(&name) if out.iter().any(|(n, _)| *n == name) => {
                errors.push((Code::BadArgument, format!("`{k}` is repeated")));
            }
            Some(&name) => out.push((name, v.as_str())),
        }
    }
    let request = Request { verb, args: out };
    if request.get("resumptionToken").is_some() && request.args.len() > 1 {
        errors.push((
            Code::BadArgument,
            "resumptionToken is an exclusive argument".into(),
        ));
    }
    let required: &[&str] = match verb {
        "GetRecord" => &["identifier", "metadataPrefix"],
        "ListIdentifiers" | "ListRecords" if request.get("resumptionToken").is_none() => {
            &["metadataPrefix"]
        }
        _ => &[],
    };
    for r in required {
        if request.get(r).is_none() {
            errors.push((Code::BadArgument, format!("{verb} needs the {r} argument")));
        }
    }
    if errors.is_empty() {
        Ok(request)
    } else {
        Err(errors)
    }
}

/// Answers one OAI-PMH request: `args` are the request's arguments (from
/// the query string of a GET or the form body of a POST, in order, repeats
/// kept), `now` the time in seconds since the epoch. An error of the
/// catalog or of a bag is an `Err` (the server's failure, not the
/// protocol's).
pub fn respond(p: &Provider<'_>, args: &[(String, String)], now: u64) -> Result<Vec<u8>> {
    let (request, outcome) = match parse_request(args) {
        Err(errors) => (None, Err(errors)),
        Ok(request) => {
            let body = match request.verb {
                "Identify" => identify(p)?,
                "ListMetadataFormats" => list_metadata_formats(p, &request)?,
                "ListSets" => list_sets(p, &request)?,
                "GetRecord" => get_record(p, &request)?,
                _ => list(p, &request)?,
            };
            (Some(request), body.map_err(|e| vec![e]))
        }
    };
    let mut w = Writer::new(Vec::new());
    let io = |e: std::io::Error| crate::archive::Error::io("write", "the OAI-PMH response", e);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(io)?;
    w.get_mut().push(b'\n');
    w.write_event(Event::Start(BytesStart::new("OAI-PMH").with_attributes([
        ("xmlns", "http://www.openarchives.org/OAI/2.0/"),
        ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
        (
            "xsi:schemaLocation",
            "http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd",
        ),
    ])))
    .map_err(io)?;
    text_element(&mut w, "responseDate", &rfc3339(now)).map_err(io)?;
    // The request's arguments are echoed unless it had a badVerb or
    // badArgument error (section 3.2).
    let mut req = BytesStart::new("request");
    if let Some(request) = &request
        && outcome
            .as_ref()
            .err()
            .is_none_or(|e| e.iter().all(|(c, _)| *c != Code::BadArgument))
    {
        req.push_attribute(("verb", request.verb));
        for &(k, v) in &request.args {
            req.push_attribute((k, v));
        }
    }
    w.write_event(Event::Start(req)).map_err(io)?;
    w.write_event(Event::Text(BytesText::new(p.base_url)))
        .map_err(io)?;
    w.write_event(Event::End(BytesEnd::new("request")))
        .map_err(io)?;
    match outcome {
        Ok(body) => w.get_mut().extend_from_slice(&body),
        Err(errors) => {
            for (code, message) in errors {
                w.write_event(Event::Start(
                    BytesStart::new("error").with_attributes([("code", code.as_str())]),
                ))
                .map_err(io)?;
                w.write_event(Event::Text(BytesText::new(&message)))
                    .map_err(io)?;
                w.write_event(Event::End(BytesEnd::new("error")))
                    .map_err(io)?;
            }
        }
    }
    w.write_event(Event::End(BytesEnd::new("OAI-PMH")))
        .map_err(io)?;
    w.get_mut().push(b'\n');
    Ok(w.into_inner())
}

fn text_element(w: &mut Writer<Vec<u8>>, name: &str, text: &str) -> std::io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(text))?;
    Ok(())
}

/// A verb's response body (the element named after the verb).
type Body = Result<Vec<u8>, OaiError>;

fn io_err(e: std::io::Error) -> crate::archive::Error {
    crate::archive::Error::io("write", "the OAI-PMH response", e)
}

fn identify(p: &Provider<'_>) -> Result<Body> {
    let earliest = p
        .catalog
        .earliest_registration()?
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned());
    let mut w = Writer::new(Vec::new());
    let write = |w: &mut Writer<Vec<u8>>| -> std::io::Result<()> {
        w.write_event(Event::Start(BytesStart::new("Identify")))?;
        text_element(w, "repositoryName", p.name)?;
        text_element(w, "baseURL", p.base_url)?;
        text_element(w, "protocolVersion", "2.0")?;
        text_element(w, "adminEmail", p.admin_email)?;
        text_element(w, "earliestDatestamp", &earliest)?;
        text_element(w, "deletedRecord", "no")?;
        text_element(w, "granularity", "YYYY-MM-DDThh:mm:ssZ")?;
        w.write_event(Event::End(BytesEnd::new("Identify")))?;
        Ok(())
    };
    write(&mut w).map_err(io_err)?;
    Ok(Ok(w.into_inner()))
}

/// The bag and item of an OAI identifier.
fn parse_identifier(identifier: &str) -> Option<(&str, &str)> {
    identifier
        .strip_prefix(IDENTIFIER_PREFIX)?
        .split_once('/')
        .filter(|(bag, id)| !bag.is_empty() && !id.is_empty())
}

/// The item an identifier names, or idDoesNotExist.
fn find_item(p: &Provider<'_>, identifier: &str) -> Result<Result<HarvestItem, OaiError>> {
    let found = match parse_identifier(identifier) {
        Some((bag, id)) => p.catalog.harvest_item(bag, id)?,
        None => None,
    };
    match found {
        Some(item) => Ok(Ok(item)),
        None => error(
            Code::IdDoesNotExist,
            format!("`{identifier}` is not an item of this archive"),
        ),
    }
}

fn list_metadata_formats(p: &Provider<'_>, r: &Request<'_>) -> Result<Body> {
    if let Some(identifier) = r.get("identifier")
        && let Err(e) = find_item(p, identifier)?
    {
        return Ok(Err(e));
    }
    let mut w = Writer::new(Vec::new());
    let write = |w: &mut Writer<Vec<u8>>| -> std::io::Result<()> {
        w.write_event(Event::Start(BytesStart::new("ListMetadataFormats")))?;
        w.write_event(Event::Start(BytesStart::new("metadataFormat")))?;
        text_element(w, "metadataPrefix", OAI_DC)?;
        text_element(w, "schema", OAI_DC_SCHEMA)?;
        text_element(w, "metadataNamespace", OAI_DC_NAMESPACE)?;
        w.write_event(Event::End(BytesEnd::new("metadataFormat")))?;
        w.write_event(Event::End(BytesEnd::new("ListMetadataFormats")))?;
        Ok(())
    };
    write(&mut w).map_err(io_err)?;
    Ok(Ok(w.into_inner()))
}

/// Whether `s` is a valid set spec component (the schema's pattern).
fn spec_part_ok(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.!~*'()".contains(c))
}

/// The sets of an item, as its header lists them.
fn item_sets(item: &HarvestItem) -> Vec<String> {
    let mut sets = Vec::new();
    if spec_part_ok(&item.bag) {
        sets.push(format!("bag:{}", item.bag));
    }
    let mut hosts: Vec<String> = item.sources.iter().filter_map(|s| source_host(s)).collect();
    hosts.sort();
    hosts.dedup();
    sets.extend(hosts.into_iter().map(|h| format!("source:{h}")));
    sets
}

fn list_sets(p: &Provider<'_>, r: &Request<'_>) -> Result<Body> {
    if r.get("resumptionToken").is_some() {
        // The whole list is sent at once: no token was ever issued.
        return error(
            Code::BadResumptionToken,
            "ListSets sends every set in one response and issues no resumption token",
        );
    }
    let mut sets: Vec<(String, String)> = vec![
        ("bag".into(), "Bags".into()),
        ("source".into(), "Sources (hosts of dc:source)".into()),
    ];
    for bag in p.catalog.harvest_bags()? {
        if spec_part_ok(&bag) {
            sets.push((format!("bag:{bag}"), format!("Bag {bag}")));
        }
    }
    for host in p.catalog.source_hosts()? {
        sets.push((format!("source:{host}"), format!("Source {host}")));
    }
    let mut w = Writer::new(Vec::new());
    let write = |w: &mut Writer<Vec<u8>>| -> std::io::Result<()> {
        w.write_event(Event::Start(BytesStart::new("ListSets")))?;
        for (spec, name) in &sets {
            w.write_event(Event::Start(BytesStart::new("set")))?;
            text_element(w, "setSpec", spec)?;
            text_element(w, "setName", name)?;
            w.write_event(Event::End(BytesEnd::new("set")))?;
        }
        w.write_event(Event::End(BytesEnd::new("ListSets")))?;
        Ok(())
    };
    write(&mut w).map_err(io_err)?;
    Ok(Ok(w.into_inner()))
}

fn write_header(w: &mut Writer<Vec<u8>>, item: &HarvestItem) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new("header")))?;
    text_element(
        w,
        "identifier",
        &format!("{IDENTIFIER_PREFIX}{}/{}", item.bag, item.id),
    )?;
    text_element(w, "datestamp", &item.registered)?;
    for set in item_sets(item) {
        text_element(w, "setSpec", &set)?;
    }
    w.write_event(Event::End(BytesEnd::new("header")))?;
    Ok(())
}

fn write_record(w: &mut Writer<Vec<u8>>, item: &HarvestItem, dc: &[u8]) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new("record")))?;
    write_header(w, item)?;
    w.write_event(Event::Start(BytesStart::new("metadata")))?;
    w.get_mut().extend_from_slice(without_declaration(dc));
    w.write_event(Event::End(BytesEnd::new("metadata")))?;
    w.write_event(Event::End(BytesEnd::new("record")))?;
    Ok(())
}

fn check_prefix(prefix: &str) -> Result<(), OaiError> {
    if prefix == OAI_DC {
        Ok(())
    } else {
        Err((
            Code::CannotDisseminateFormat,
            format!("`{prefix}` is not served: every item is served in oai_dc only"),
        ))
    }
}

fn get_record(p: &Provider<'_>, r: &Request<'_>) -> Result<Body> {
    let (Some(identifier), Some(prefix)) = (r.get("identifier"), r.get("metadataPrefix")) else {
        return error(
            Code::BadArgument,
            "GetRecord needs identifier and metadataPrefix",
        );
    };
    if let Err(e) = check_prefix(prefix) {
        return Ok(Err(e));
    }
    let item = match find_item(p, identifier)? {
        Ok(item) => item,
        Err(e) => return Ok(Err(e)),
    };
    let dc = read_records(p.root, std::slice::from_ref(&item), p.zips)?;
    let mut w = Writer::new(Vec::new());
    let write = |w: &mut Writer<Vec<u8>>| -> std::io::Result<()> {
        w.write_event(Event::Start(BytesStart::new("GetRecord")))?;
        write_record(w, &item, &dc[0])?;
        w.write_event(Event::End(BytesEnd::new("GetRecord")))?;
        Ok(())
    };
    write(&mut w).map_err(io_err)?;
    Ok(Ok(w.into_inner()))
}

/// A `from` or `until` argument: the time (RFC 3339 UTC seconds) and
/// whether it was given as a day.
fn parse_datestamp(s: &str, until: bool) -> Option<(String, bool)> {
    match s.len() {
        10 => {
            let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
            let time = if until { "23:59:59" } else { "00:00:00" };
            Some((format!("{}T{time}Z", d.format("%Y-%m-%d")), true))
        }
        20 => {
            let t = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%SZ").ok()?;
            Some((t.format("%Y-%m-%dT%H:%M:%SZ").to_string(), false))
        }
        _ => None,
    }
}

/// What a list request selects, and where it goes on from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ListState {
    records: bool,
    from: Option<String>,
    until: Option<String>,
    set: Option<String>,
    /// The last item sent: its position, bag and id.
    after: Option<(i64, String, String)>,
    /// How many were sent before.
    cursor: u64,
}

const TOKEN_VERSION: &str = "1";

fn hex(s: &str) -> String {
    s.bytes().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn unhex(s: &str) -> Option<String> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

impl ListState {
    /// The resumption token: the fields, each hex-encoded, joined by `.`.
    fn token(&self) -> String {
        let opt = |v: &Option<String>| v.as_deref().map_or_else(|| "-".to_owned(), hex);
        let (pos, bag, id) = self.after.clone().unwrap_or_default();
        [
            TOKEN_VERSION.to_owned(),
            if self.records { "r" } else { "i" }.to_owned(),
            pos.to_string(),
            hex(&bag),
            hex(&id),
            self.cursor.to_string(),
            opt(&self.from),
            opt(&self.until),
            opt(&self.set),
        ]
        .join(".")
    }

    fn from_token(token: &str, records: bool) -> Option<ListState> {
        let f: Vec<&str> = token.split('.').collect();
        let [version, kind, pos, bag, id, cursor, from, until, set] = f.as_slice() else {
            return None;
        };
        if *version != TOKEN_VERSION || *kind != if records { "r" } else { "i" } {
            return None;
        }
        let opt = |v: &str| -> Option<Option<String>> {
            if v == "-" {
                Some(None)
            } else {
                unhex(v).map(Some)
            }
        };
        Some(ListState {
            records,
            from: opt(from)?,
            until: opt(until)?,
            set: opt(set)?,
            after: Some((pos.parse().ok()?, unhex(bag)?, unhex(id)?)),
            cursor: cursor.parse().ok()?,
        })
    }
}

/// The filter of a set spec; `None` for a set that does not exist.
fn set_filter(spec: &str) -> Option<Option<SetFilter<'_>>> {
    match spec {
        "bag" => Some(None),
        "source" => Some(Some(SetFilter::AnySource)),
        _ => match spec.split_once(':')? {
            ("bag", name) if spec_part_ok(name) => Some(Some(SetFilter::Bag(name))),
            ("source", host) if spec_part_ok(host) => Some(Some(SetFilter::SourceHost(host))),
            _ => None,
        },
    }
}

/// The arguments of a first list request, checked.
fn new_list(r: &Request<'_>, records: bool) -> Result<ListState, OaiError> {
    let prefix = r.get("metadataPrefix").unwrap_or_default();
    let from = r.get("from").map(|s| (s, parse_datestamp(s, false)));
    let until = r.get("until").map(|s| (s, parse_datestamp(s, true)));
    for (name, v) in [("from", &from), ("until", &until)] {
        if let Some((s, None)) = v {
            return Err((
                Code::BadArgument,
                format!("{name} `{s}` is neither YYYY-MM-DD nor YYYY-MM-DDThh:mm:ssZ"),
            ));
        }
    }
    let from = from.and_then(|(_, v)| v);
    let until = until.and_then(|(_, v)| v);
    if let (Some((f, f_day)), Some((u, u_day))) = (&from, &until) {
        if f_day != u_day {
            return Err((
                Code::BadArgument,
                "from and until must have the same granularity".into(),
            ));
        }
        if f > u {
            return Err((Code::BadArgument, "from is later than until".into()));
        }
    }
    check_prefix(prefix)?;
    Ok(ListState {
        records,
        from: from.map(|(t, _)| t),
        until: until.map(|(t, _)| t),
        set: r.get("set").map(str::to_owned),
        after: None,
        cursor: 0,
    })
}

fn list(p: &Provider<'_>, r: &Request<'_>) -> Result<Body> {
    let records = r.verb == "ListRecords";
    let state = match r.get("resumptionToken") {
        Some(token) => {
            let state = ListState::from_token(token, records).filter(|s| {
                s.after.is_some() && s.set.as_deref().is_none_or(|v| set_filter(v).is_some())
            });
            let Some(state) = state else {
                return error(
                    Code::BadResumptionToken,
                    format!("`{token}` is not a resumption token of {}", r.verb),
                );
            };
            // The last item sent must still be where the token says: a
            // catalog rebuilt since has other positions.
            if let Some((pos, bag, id)) = &state.after {
                let here = p.catalog.harvest_item(bag, id)?.map(|i| i.position);
                if here != Some(*pos) {
                    return error(
                        Code::BadResumptionToken,
                        "the catalog has changed since this resumption token was issued \
                         (rebuilt or the bag registered again): start the harvest again",
                    );
                }
            }
            state
        }
        None => match new_list(r, records) {
            Ok(state) => state,
            Err(e) => return Ok(Err(e)),
        },
    };
    let filter = match state.set.as_deref().map(set_filter) {
        Some(None) => {
            return error(
                Code::NoRecordsMatch,
                format!(
                    "there is no set `{}`",
                    state.set.as_deref().unwrap_or_default()
                ),
            );
        }
        Some(Some(f)) => f,
        None => None,
    };
    let query = HarvestQuery {
        from: state.from.as_deref(),
        until: state.until.as_deref(),
        set: filter,
    };
    let after = state.after.as_ref().map(|a| a.0);
    let page_size = p.page_size.max(1);
    let mut items = p.catalog.harvest_items(&query, after, page_size + 1)?;
    if items.is_empty() {
        return error(Code::NoRecordsMatch, "no item matches the request");
    }
    let more = items.len() > page_size;
    items.truncate(page_size);
    let complete = state.cursor + p.catalog.harvest_count(&query, after)?;
    let dc = if records {
        read_records(p.root, &items, p.zips)?
    } else {
        Vec::new()
    };
    let token = if more {
        let last = items
            .last()
            .map(|i| (i.position, i.bag.clone(), i.id.clone()));
        Some(
            ListState {
                after: last,
                cursor: state.cursor + items.len() as u64,
                ..state.clone()
            }
            .token(),
        )
    } else {
        None
    };
    let mut w = Writer::new(Vec::new());
    let write = |w: &mut Writer<Vec<u8>>| -> std::io::Result<()> {
        w.write_event(Event::Start(BytesStart::new(r.verb)))?;
        for (i, item) in items.iter().enumerate() {
            if records {
                write_record(w, item, &dc[i])?;
            } else {
                write_header(w, item)?;
            }
        }
        // A list in several parts has a resumptionToken element in each
        // response; the last one is empty (section 3.5).
        if token.is_some() || state.after.is_some() {
            let complete = complete.to_string();
            let cursor = state.cursor.to_string();
            let el = w.create_element("resumptionToken").with_attributes([
                ("completeListSize", complete.as_str()),
                ("cursor", cursor.as_str()),
            ]);
            match &token {
                Some(t) => {
                    el.write_text_content(BytesText::new(t))?;
                }
                None => {
                    el.write_empty()?;
                }
            }
        }
        w.write_event(Event::End(BytesEnd::new(r.verb)))?;
        Ok(())
    };
    write(&mut w).map_err(io_err)?;
    Ok(Ok(w.into_inner()))
}

#[cfg(test)]
mod tests;
