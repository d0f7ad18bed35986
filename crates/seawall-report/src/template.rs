//! User templates (`--format template --template FILE`): a MiniJinja template rendered with the
//! report as context.
//!
//! The template sees every top-level field of the JSON report (`target`, `packages`, `findings`,
//! `suppressed`, `models`, `warnings`, `scanners`, `tool`, `schema_version`; shapes in
//! `docs/json-output.md`) plus `rules` (the catalog: `id`, `kind`, `severity`, `practice`, `title`,
//! `rationale`, `fix`, `references`). Auto-escaping is chosen from the template name's extension:
//! `.html`/`.htm`/`.xml` escape HTML, `.json`/`.json5`/`.js`/`.yaml`/`.yml` escape JSON, anything else
//! is raw. Undefined names are errors, so a typo in a template fails loudly.
//!
//! ```
//! use seawall_report::{render_template, sample, RenderContext};
//! let mut out = Vec::new();
//! let tpl = "{% for f in findings %}{{ f.severity }} {{ f.id }}\n{% endfor %}";
//! render_template(&sample::report(), "ids.txt", tpl, &RenderContext::new(sample::RULES), &mut out).unwrap();
//! assert!(String::from_utf8(out).unwrap().starts_with("CRITICAL "));
//! ```

use std::io::Write;

use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value, context};
use seawall_core::Report;

use crate::{RenderContext, ReportError};

/// Renders `template` (named `name`, which selects auto-escaping) with the report as context.
pub fn render_template(
    report: &Report,
    name: &str,
    template: &str,
    ctx: &RenderContext<'_>,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let terr = |source| ReportError::Template { format: "template", source };
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_template(name, template).map_err(terr)?;
    let tmpl = env.get_template(name).map_err(terr)?;
    let text = tmpl
        .render(context! {
            schema_version => report.schema_version,
            tool => Value::from(Serde(&report.tool)),
            target => Value::from(Serde(&report.target)),
            scanners => Value::from(Serde(&report.scanners)),
            packages => Value::from(Serde(&report.packages)),
            models => Value::from(Serde(&report.models)),
            findings => Value::from(Serde(&report.findings)),
            suppressed => Value::from(Serde(&report.suppressed)),
            warnings => Value::from(Serde(&report.warnings)),
            rules => Value::from(Serde(ctx.rules)),
        })
        .map_err(terr)?;
    out.write_all(text.as_bytes()).map_err(ReportError::io("template"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;

    fn run(name: &str, tpl: &str) -> Result<String, ReportError> {
        let mut out = Vec::new();
        render_template(&sample::report(), name, tpl, &RenderContext::new(sample::RULES), &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn sees_report_and_rules() {
        let s =
            run("t.txt", "{{ target.name }} {{ findings|length }} {{ rules[0].id }} {{ packages[0].purl }}")
                .unwrap();
        assert_eq!(
            s,
            "registry.example/acme/ml-api:1.4 7 SW-DF-001 pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"
        );
    }

    #[test]
    fn html_templates_escape() {
        let s = run("t.html", "{{ packages[0].purl }}").unwrap();
        assert!(s.contains("&amp;distro"), "{s}");
    }

    #[test]
    fn syntax_errors_are_errors() {
        assert!(matches!(run("t.txt", "{% for %}"), Err(ReportError::Template { .. })));
        assert!(
            run("t.txt", "{{ nosuch }}").is_err(),
            "undefined names are errors (strict mode), not blanks"
        );
    }
}
