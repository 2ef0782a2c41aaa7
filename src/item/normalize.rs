//! The values a Dublin Core record takes from a news item, normalised like
//! the item's text derivative, so that the record and `text.txt` spell a
//! word the same way (a search for `قدیمی` finds both the text and the
//! creator).

use crate::encoding::{self, Normalizer, Repairs};

use super::NewsItem;

impl NewsItem {
    /// The item with each value a record takes from it as text (title,
    /// creators, subjects, description, publisher, rights) normalised like
    /// the item's text derivative, and the repairs made, counted by kind.
    ///
    /// `persian` is the decision made for the item's text: when it is
    /// Persian, every value gets the Persian repairs, however short (a
    /// name alone is too short to be judged Persian by itself). Otherwise
    /// each value is judged on its own, as [`encoding::normalize`] does.
    /// Identifiers, links, dates, the language and the body are left as
    /// they are; the item itself (and its original bytes) are untouched.
    ///
    /// ```
    /// use newsbag::item::NewsItem;
    ///
    /// let item = NewsItem { creators: vec!["فاطمه قديمي".into()], ..NewsItem::default() };
    /// let (normalized, repairs) = item.normalized(true);
    /// assert_eq!(normalized.creators, ["فاطمه قدیمی"]);
    /// assert_eq!(repairs.values().sum::<u64>(), 2);
    /// assert_eq!(item.creators, ["فاطمه قديمي"]);
    /// ```
    #[must_use]
    pub fn normalized(&self, persian: bool) -> (NewsItem, Repairs) {
        let mut repairs = Repairs::new();
        let mut n = |value: &String| {
            let (text, made) = normalize_value(value, persian);
            for (kind, count) in made {
                encoding::add_repair(&mut repairs, kind, count);
            }
            text
        };
        let mut out = self.clone();
        out.title = self.title.as_ref().map(&mut n);
        out.creators = self.creators.iter().map(&mut n).collect();
        out.subjects = self.subjects.iter().map(&mut n).collect();
        out.description = self.description.as_ref().map(&mut n);
        out.publisher = self.publisher.as_ref().map(&mut n);
        out.rights = self.rights.as_ref().map(&mut n);
        (out, repairs)
    }
}

/// One value normalised: with the Persian repairs if `persian`, else as
/// [`encoding::normalize`] decides for the value alone.
fn normalize_value(value: &str, persian: bool) -> (String, Repairs) {
    if !persian {
        let n = encoding::normalize(value);
        return (n.text, n.repairs);
    }
    let mut normalizer = Normalizer::new(true);
    let mut out = String::with_capacity(value.len());
    normalizer.push(value, &mut out);
    normalizer.finish(&mut out);
    (out, normalizer.into_repairs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::RepairKind;

    fn sample() -> NewsItem {
        NewsItem {
            title: Some("نشست هم اندیشی".into()),
            creators: vec!["فاطمه قديمي".into()],
            subjects: vec!["شهري".into(), "رشت".into()],
            description: Some("كتاب".into()),
            publisher: Some("ديارميرزا".into()),
            rights: Some("© ديارميرزا".into()),
            identifiers: vec!["https://example.org/ي".into()],
            body: "متن قديمي".into(),
            ..NewsItem::default()
        }
    }

    #[test]
    fn a_persian_item_repairs_every_value() {
        let item = sample();
        let (n, repairs) = item.normalized(true);
        assert_eq!(n.creators, ["فاطمه قدیمی"]);
        assert_eq!(n.subjects, ["شهری", "رشت"]);
        assert_eq!(n.description.as_deref(), Some("کتاب"));
        assert_eq!(n.publisher.as_deref(), Some("دیارمیرزا"));
        assert_eq!(n.rights.as_deref(), Some("© دیارمیرزا"));
        assert_eq!(n.title, item.title);
        // Identifiers and the body are not the record's text values.
        assert_eq!(n.identifiers, item.identifiers);
        assert_eq!(n.body, item.body);
        assert_eq!(repairs.get(&RepairKind::PersianYeh), Some(&7));
        assert_eq!(repairs.get(&RepairKind::PersianKeheh), Some(&1));
        // Normalising again changes nothing.
        let (again, more) = n.normalized(true);
        assert_eq!(again, n);
        assert!(more.is_empty(), "{more:?}");
    }

    #[test]
    fn other_items_judge_each_value_alone() {
        let item = NewsItem {
            creators: vec!["فاطمه قديمي".into()],
            title: Some("Cafe\u{301}".into()),
            ..NewsItem::default()
        };
        let (n, repairs) = item.normalized(false);
        assert_eq!(n.creators, item.creators);
        assert_eq!(n.title.as_deref(), Some("Café"));
        assert_eq!(repairs.get(&RepairKind::Nfc), Some(&1));
        assert_eq!(repairs.len(), 1);
    }
}
