//! A small SVG line chart of accuracy per round (no plotting dependency needed).

use std::fmt::Write;

/// An SVG chart of `points` (round, accuracy in 0..=1), titled `title`.
pub fn accuracy_svg(title: &str, points: &[(u32, f64)]) -> String {
	let (w, h) = (640.0, 400.0);
	let (left, right, top, bottom) = (60.0, 20.0, 40.0, 50.0);
	let pw = w - left - right;
	let ph = h - top - bottom;
	let max_round = points.iter().map(|p| p.0).max().unwrap_or(1).max(1) as f64;
	let lo = points.iter().map(|p| p.1).fold(1.0f64, f64::min);
	// Show the interesting range: from a round-number floor under the worst point up to 100 %.
	let y_min = ((lo * 10.0).floor() / 10.0).clamp(0.0, 0.9);
	let x = |r: f64| left + pw * r / max_round;
	let y = |a: f64| top + ph * (1.0 - (a - y_min) / (1.0 - y_min));

	let mut s = String::new();
	let _ = writeln!(
		s,
		r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
	);
	let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
	let _ = writeln!(
		s,
		r#"<text x="{}" y="22" text-anchor="middle" font-size="15">{}</text>"#,
		w / 2.0,
		escape(title)
	);
	// Grid and y labels every 10 % (or 2 % when the range is narrow).
	let step = if 1.0 - y_min <= 0.2 { 0.02 } else { 0.1 };
	let mut a = y_min;
	while a <= 1.0 + 1e-9 {
		let yy = y(a);
		let _ = writeln!(
			s,
			r##"<line x1="{left}" y1="{yy:.1}" x2="{}" y2="{yy:.1}" stroke="#ddd"/>"##,
			w - right
		);
		let _ = writeln!(
			s,
			r#"<text x="{}" y="{:.1}" text-anchor="end">{:.0}%</text>"#,
			left - 6.0,
			yy + 4.0,
			a * 100.0
		);
		a += step;
	}
	let every = ((max_round / 10.0).ceil() as u32).max(1);
	for r in (0..=max_round as u32).step_by(every as usize) {
		let xx = x(r as f64);
		let _ = writeln!(
			s,
			r#"<text x="{xx:.1}" y="{}" text-anchor="middle">{r}</text>"#,
			h - bottom + 18.0
		);
	}
	let _ = writeln!(
		s,
		r#"<text x="{}" y="{}" text-anchor="middle">round</text>"#,
		left + pw / 2.0,
		h - 10.0
	);
	let _ = writeln!(
		s,
		r#"<text x="16" y="{}" text-anchor="middle" transform="rotate(-90 16 {})">test accuracy</text>"#,
		top + ph / 2.0,
		top + ph / 2.0
	);
	let _ = writeln!(
		s,
		r##"<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>"##
	);
	if !points.is_empty() {
		let path: Vec<String> = points
			.iter()
			.map(|(r, a)| format!("{:.1},{:.1}", x(*r as f64), y(*a)))
			.collect();
		let _ = writeln!(
			s,
			r##"<polyline points="{}" fill="none" stroke="#d9480f" stroke-width="2"/>"##,
			path.join(" ")
		);
		for (r, a) in points {
			let _ = writeln!(
				s,
				r##"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="#d9480f"><title>round {r}: {:.2}%</title></circle>"##,
				x(*r as f64),
				y(*a),
				a * 100.0
			);
		}
	}
	s.push_str("</svg>\n");
	s
}

fn escape(t: &str) -> String {
	t.replace('&', "&amp;")
		.replace('<', "&lt;")
		.replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn chart_has_one_marker_per_point_and_escapes_the_title() {
		let svg = accuracy_svg("a < b", &[(0, 0.8), (1, 0.9), (2, 0.95)]);
		assert!(svg.starts_with("<svg"));
		assert_eq!(svg.matches("<circle").count(), 3);
		assert!(svg.contains("a &lt; b"));
		assert!(svg.contains("round 2: 95.00%"));
		assert!(accuracy_svg("empty", &[]).contains("</svg>"));
	}
}
