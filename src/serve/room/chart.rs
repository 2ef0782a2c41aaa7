//! The counts-over-time chart of a search, drawn on the server as an
//! inline SVG (no script): for each period, a pale bar of the items the
//! filters alone select and a dark bar of those matching the query too,
//! the numbers `find --count-by` prints.

use std::fmt::Write;

use crate::archive::search::find::Count;

/// The chart's size in SVG user units (it scales to the page's width).
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 40.0;
/// At most this many period labels under the bars; the others are left
/// out (every bar still names its period in its tooltip).
const MAX_LABELS: usize = 8;

/// `s` escaped for SVG (XML) text and attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Which bars carry a label: the first, the last, and evenly spaced ones
/// between, at most [`MAX_LABELS`].
fn labelled(n: usize) -> Vec<bool> {
    if n <= MAX_LABELS {
        return vec![true; n];
    }
    let step = n.div_ceil(MAX_LABELS - 1);
    (0..n).map(|i| i % step == 0 || i + 1 == n).collect()
}

#[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
fn f(n: u64) -> f64 {
    n as f64
}

/// The SVG of `counts` (one bar pair a period, in their order) titled
/// `title`, or `None` when there is nothing to draw.
pub(crate) fn svg(counts: &[Count], title: &str) -> Option<String> {
    let max = counts.iter().map(|c| c.total_count.max(c.count)).max()?;
    if max == 0 {
        return None;
    }
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / f(counts.len() as u64);
    let bar = (slot * 0.8).max(1.0);
    let y = |n: u64| TOP + plot_h - plot_h * f(n) / f(max);
    let mut s = String::new();
    let title = escape(title);
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {WIDTH} \
         {HEIGHT}\" role=\"img\" aria-label=\"{title}\"><title>{title}</title>"
    );
    // Axes and the scale: 0 and the largest count.
    let base = TOP + plot_h;
    let _ = write!(
        s,
        "<path d=\"M{LEFT} {TOP}V{base}H{}\" fill=\"none\" stroke=\"#666\" \
         stroke-width=\"1\"/>",
        WIDTH - RIGHT
    );
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\" fill=\"#333\">{max}</text>\
         <text x=\"{}\" y=\"{base}\" text-anchor=\"end\" font-size=\"12\" \
         fill=\"#333\">0</text>",
        LEFT - 4.0,
        TOP + 10.0,
        LEFT - 4.0
    );
    let labels = labelled(counts.len());
    for (i, (c, label)) in counts.iter().zip(labels).enumerate() {
        let x = LEFT + slot * f(i as u64) + (slot - bar) / 2.0;
        let key = escape(&c.key);
        let _ = write!(
            s,
            "<g><title>{key}: {} of {} items ({:.1} %)</title>",
            c.count,
            c.total_count,
            c.ratio * 100.0
        );
        for (n, class, fill) in [
            (c.total_count, "total", "#c9d6e8"),
            (c.count, "count", "#1f4e8c"),
        ] {
            if n > 0 {
                let top = y(n);
                let _ = write!(
                    s,
                    "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{top:.1}\" width=\"{bar:.1}\" \
                     height=\"{:.1}\" fill=\"{fill}\"/>",
                    base - top
                );
            }
        }
        s.push_str("</g>");
        if label {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\" \
                 fill=\"#333\">{key}</text>",
                x + bar / 2.0,
                base + 16.0
            );
        }
    }
    s.push_str("</svg>");
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(key: &str, count: u64, total_count: u64) -> Count {
        #[allow(clippy::cast_precision_loss, reason = "a test ratio")]
        let ratio = count as f64 / total_count as f64;
        Count {
            key: key.into(),
            count,
            total_count,
            ratio,
        }
    }

    /// The `height` of each `<rect class="CLASS">`, in order.
    fn heights(svg: &str, class: &str) -> Vec<f64> {
        svg.split(&format!("<rect class=\"{class}\""))
            .skip(1)
            .map(|r| {
                let h = r.split("height=\"").nth(1).unwrap_or_default();
                h[..h.find('"').unwrap_or_default()].parse().unwrap_or(-1.0)
            })
            .collect()
    }

    #[test]
    fn bars_are_proportional_to_the_counts() {
        let svg = svg(
            &[
                count("2026-01", 1, 4),
                count("2026-02", 2, 2),
                count("2026-03", 0, 1),
            ],
            "matches",
        )
        .unwrap_or_default();
        let plot = HEIGHT - TOP - BOTTOM;
        assert_eq!(heights(&svg, "total"), vec![plot, plot / 2.0, plot / 4.0]);
        // No dark bar for a period without matches.
        assert_eq!(heights(&svg, "count"), vec![plot / 4.0, plot / 2.0]);
        assert!(
            svg.contains("<title>2026-01: 1 of 4 items (25.0 %)</title>"),
            "{svg}"
        );
        assert!(
            svg.contains(">4</text>"),
            "the scale shows the largest count"
        );
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn nothing_to_draw_is_no_chart() {
        assert_eq!(svg(&[], "x"), None);
        assert_eq!(svg(&[count("2026", 0, 0)], "x"), None);
    }

    #[test]
    fn labels_and_titles_are_escaped() {
        let svg = svg(&[count("<a&'\">", 1, 1)], "\"q\" & <b>").unwrap_or_default();
        assert!(svg.contains("&lt;a&amp;&#39;&quot;&gt;"), "{svg}");
        assert!(
            svg.contains("aria-label=\"&quot;q&quot; &amp; &lt;b&gt;\""),
            "{svg}"
        );
        assert!(!svg.contains("<a&"));
    }

    #[test]
    fn labels_are_thinned_but_keep_both_ends() {
        assert_eq!(labelled(3), vec![true; 3]);
        let many = labelled(100);
        assert!(many[0] && many[99]);
        let n = many.iter().filter(|&&l| l).count();
        assert!((2..=MAX_LABELS + 1).contains(&n), "{n} labels");
        let svg = svg(
            &(0..100)
                .map(|i| count(&format!("k{i:03}"), 1, 1))
                .collect::<Vec<_>>(),
            "t",
        )
        .unwrap_or_default();
        assert_eq!(heights(&svg, "count").len(), 100);
        assert_eq!(svg.matches("text-anchor=\"middle\"").count(), n);
    }
}
