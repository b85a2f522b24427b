//! Reading Embedded Metric Format lines back: the checks CloudWatch applies (the EMF
//! specification) and the catalogue's (name, unit, dimension set, bounded values), and running
//! totals of what was read.
//!
//! The tests parse every line the handlers emit with [`parse_line`]; the local stack keeps
//! [`Totals`] of the lines it prints and serves them as `GET /dev/metrics`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::catalogue::{Metric, Unit, metric};

/// Units the EMF specification accepts.
const UNITS: &[&str] = &[
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// Why a line is not a valid metric line of this project.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EmfError {
    /// Breaks the Embedded Metric Format specification.
    #[error("not an EMF document: {0}")]
    Spec(String),
    /// Valid EMF, but not what the catalogue says.
    #[error("not in the metric catalogue: {0}")]
    Catalogue(String),
}

/// One metric read from a line.
#[derive(Debug, Clone, PartialEq)]
pub struct DataPoint {
    /// The namespace.
    pub namespace: String,
    /// The catalogue's entry.
    pub metric: &'static Metric,
    /// Every dimension of its set, with its value.
    pub dimensions: BTreeMap<String, String>,
    /// The values (a count, or the durations of one flush).
    pub values: Vec<f64>,
}

impl DataPoint {
    /// The value of dimension `name`.
    pub fn dimension(&self, name: &str) -> Option<&str> {
        self.dimensions.get(name).map(String::as_str)
    }
}

fn spec(msg: impl Into<String>) -> EmfError {
    EmfError::Spec(msg.into())
}

fn catalogue(msg: impl Into<String>) -> EmfError {
    EmfError::Catalogue(msg.into())
}

/// Parses one line. `extra_dimensions` are the static dimensions the emitter was configured
/// with (they join every dimension set).
pub fn parse_line(
    line: &str,
    extra_dimensions: &[(String, String)],
) -> Result<Vec<DataPoint>, EmfError> {
    let root: Map<String, Value> = serde_json::from_str(line.trim_end())
        .map_err(|e| spec(format!("not a JSON object: {e}")))?;
    let aws = root
        .get("_aws")
        .and_then(Value::as_object)
        .ok_or_else(|| spec("no `_aws` object"))?;
    if !aws.get("Timestamp").is_some_and(Value::is_u64) {
        return Err(spec("`_aws.Timestamp` is not a non-negative integer"));
    }
    let directives = aws
        .get("CloudWatchMetrics")
        .and_then(Value::as_array)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| spec("`_aws.CloudWatchMetrics` is not a non-empty array"))?;
    let mut points = Vec::new();
    for directive in directives {
        points.extend(read_directive(&root, directive, extra_dimensions)?);
    }
    Ok(points)
}

fn read_directive(
    root: &Map<String, Value>,
    directive: &Value,
    extra: &[(String, String)],
) -> Result<Vec<DataPoint>, EmfError> {
    let namespace = directive["Namespace"]
        .as_str()
        .filter(|n| !n.is_empty() && n.len() <= 255)
        .ok_or_else(|| spec("`Namespace` is not a string of 1 to 255 characters"))?;
    let sets = directive["Dimensions"]
        .as_array()
        .ok_or_else(|| spec("`Dimensions` is not an array"))?;
    if sets.len() != 1 {
        return Err(catalogue(format!(
            "{} dimension sets; each metric has exactly one",
            sets.len()
        )));
    }
    let names = sets[0]
        .as_array()
        .filter(|s| s.len() <= 30)
        .ok_or_else(|| spec("a dimension set is not an array of at most 30 names"))?;
    let mut dimensions = BTreeMap::new();
    for name in names {
        let name = name
            .as_str()
            .ok_or_else(|| spec("a dimension name is not a string"))?;
        let value = root
            .get(name)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty() && v.len() <= 1024)
            .ok_or_else(|| {
                spec(format!(
                    "dimension `{name}` has no string value at the root"
                ))
            })?;
        dimensions.insert(name.to_owned(), value.to_owned());
    }
    let metrics = directive["Metrics"]
        .as_array()
        .filter(|m| !m.is_empty() && m.len() <= 100)
        .ok_or_else(|| spec("`Metrics` is not an array of 1 to 100 definitions"))?;
    metrics
        .iter()
        .map(|definition| read_metric(root, namespace, definition, &dimensions, extra))
        .collect()
}

fn read_metric(
    root: &Map<String, Value>,
    namespace: &str,
    definition: &Value,
    dimensions: &BTreeMap<String, String>,
    extra: &[(String, String)],
) -> Result<DataPoint, EmfError> {
    let (name, unit) = read_definition(definition)?;
    let values = read_values(root, name)?;
    let entry = metric(name).ok_or_else(|| catalogue(format!("unknown metric `{name}`")))?;
    if unit != entry.unit.as_str() {
        return Err(catalogue(format!(
            "`{name}` in {unit}, catalogued in {}",
            entry.unit.as_str()
        )));
    }
    check_dimensions(entry, dimensions, extra)?;
    check_values(entry, &values)?;
    Ok(DataPoint {
        namespace: namespace.to_owned(),
        metric: entry,
        dimensions: dimensions.clone(),
        values,
    })
}

/// A metric definition's name and unit, as the EMF specification allows them.
fn read_definition(definition: &Value) -> Result<(&str, &str), EmfError> {
    let name = definition["Name"]
        .as_str()
        .filter(|n| !n.is_empty() && n.len() <= 1024)
        .ok_or_else(|| spec("a metric `Name` is not a string of 1 to 1024 characters"))?;
    let unit = match definition.get("Unit") {
        None => "None",
        Some(u) => u
            .as_str()
            .filter(|u| UNITS.contains(u))
            .ok_or_else(|| spec(format!("`{name}` has unit {u}, not a CloudWatch unit")))?,
    };
    if let Some(r) = definition.get("StorageResolution")
        && r != 1
        && r != 60
    {
        return Err(spec(format!("`{name}` has StorageResolution {r}")));
    }
    Ok((name, unit))
}

/// The number, or array of numbers, the root holds under the metric's name.
fn read_values(root: &Map<String, Value>, name: &str) -> Result<Vec<f64>, EmfError> {
    match root.get(name) {
        Some(Value::Number(n)) => Ok(vec![n.as_f64().unwrap_or(f64::NAN)]),
        Some(Value::Array(items)) if !items.is_empty() && items.len() <= 100 => items
            .iter()
            .map(|v| {
                v.as_f64()
                    .ok_or_else(|| spec(format!("`{name}` holds a non-number")))
            })
            .collect(),
        _ => Err(spec(format!(
            "`{name}` has no number (or array of 1 to 100 numbers) at the root"
        ))),
    }
}

/// The dimension set is exactly the catalogued one plus the static ones, with catalogued values.
fn check_dimensions(
    entry: &'static Metric,
    dimensions: &BTreeMap<String, String>,
    extra: &[(String, String)],
) -> Result<(), EmfError> {
    let name = entry.name;
    let mut expected: Vec<&str> = entry.dimensions.iter().map(|d| d.name).collect();
    expected.extend(extra.iter().map(|(n, _)| n.as_str()));
    expected.sort_unstable();
    let got: Vec<&str> = dimensions.keys().map(String::as_str).collect();
    if got != expected {
        return Err(catalogue(format!(
            "`{name}` has dimensions {got:?}, catalogued {expected:?}"
        )));
    }
    for d in entry.dimensions {
        let value = &dimensions[d.name];
        if !d.values.contains(&value.as_str()) {
            return Err(catalogue(format!(
                "`{name}` {}={value} is not a catalogued value",
                d.name
            )));
        }
    }
    for (n, v) in extra {
        if dimensions.get(n) != Some(v) {
            return Err(catalogue(format!(
                "`{name}` lacks the static dimension {n}={v}"
            )));
        }
    }
    Ok(())
}

/// Counts are whole and non-negative; durations non-negative.
fn check_values(entry: &'static Metric, values: &[f64]) -> Result<(), EmfError> {
    for v in values {
        let fits = match entry.unit {
            Unit::Count => v.is_finite() && *v >= 0.0 && v.fract() == 0.0,
            Unit::Milliseconds => v.is_finite() && *v >= 0.0,
        };
        if !fits {
            return Err(catalogue(format!(
                "`{}` = {v} is not a {}",
                entry.name,
                entry.unit.as_str()
            )));
        }
    }
    Ok(())
}

/// Running totals per metric series: the sum of counts, or the number and largest of the
/// durations.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Totals {
    series: BTreeMap<(String, Vec<(String, String)>), Series>,
}

/// One series' running figures.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Series {
    /// How many values were read.
    pub samples: u64,
    /// Their sum (the count, for `Count` metrics).
    pub sum: f64,
    /// The largest value.
    pub max: f64,
}

impl Totals {
    /// Adds the points of one line.
    pub fn add(&mut self, points: &[DataPoint]) {
        for p in points {
            let key = (
                p.metric.name.to_owned(),
                p.dimensions
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            );
            let s = self.series.entry(key).or_default();
            for v in &p.values {
                s.samples += 1;
                s.sum += v;
                s.max = s.max.max(*v);
            }
        }
    }

    /// The sum of `metric` over every series whose dimensions include all of `filter`.
    pub fn sum(&self, metric: &str, filter: &[(&str, &str)]) -> f64 {
        self.matching(metric, filter).map(|s| s.sum).sum()
    }

    /// The number of values of `metric` over every series matching `filter`.
    pub fn samples(&self, metric: &str, filter: &[(&str, &str)]) -> u64 {
        self.matching(metric, filter).map(|s| s.samples).sum()
    }

    fn matching<'a>(
        &'a self,
        metric: &'a str,
        filter: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = &'a Series> + 'a {
        self.series
            .iter()
            .filter(move |((name, dims), _)| {
                name == metric
                    && filter
                        .iter()
                        .all(|(k, v)| dims.iter().any(|(dk, dv)| dk == k && dv == v))
            })
            .map(|(_, s)| s)
    }

    /// Every series as JSON: `[{"metric", "dimensions", "samples", "sum", "max"}]`.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.series
                .iter()
                .map(|((name, dims), s)| {
                    let dimensions: Map<String, Value> = dims
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                        .collect();
                    serde_json::json!({
                        "metric": name,
                        "dimensions": dimensions,
                        "samples": s.samples,
                        "sum": s.sum,
                        "max": s.max,
                    })
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(body: &str) -> String {
        format!(
            r#"{{"_aws":{{"Timestamp":1700000000000,"CloudWatchMetrics":[{{"Namespace":"SecureInitiation",{body}}}]}},"Function":"validate-session","EntryPoint":"web-services","Reason":"replayed","Validations":1}}"#
        )
    }

    const VALID: &str = r#""Dimensions":[["Function","EntryPoint","Reason"]],"Metrics":[{"Name":"Validations","Unit":"Count"}]"#;

    #[test]
    fn a_catalogued_line_is_read_with_its_dimensions_and_value() {
        let points = parse_line(&line(VALID), &[]).unwrap();
        assert_eq!(points.len(), 1);
        assert_eq!(points[0].metric.name, "Validations");
        assert_eq!(points[0].dimension("Reason"), Some("replayed"));
        assert_eq!(points[0].values, vec![1.0]);
        let mut totals = Totals::default();
        totals.add(&points);
        totals.add(&points);
        assert_eq!(totals.sum("Validations", &[("Reason", "replayed")]), 2.0);
        assert_eq!(totals.sum("Validations", &[("Reason", "ok")]), 0.0);
    }

    #[test]
    fn lines_that_break_the_specification_or_the_catalogue_are_refused() {
        let cases = [
            ("not json".to_owned(), "JSON"),
            (r#"{"Validations":1}"#.to_owned(), "_aws"),
            (
                line(VALID).replace("1700000000000", "\"now\""),
                "Timestamp",
            ),
            (
                line(r#""Dimensions":[["Function","EntryPoint","Reason"]],"Metrics":[{"Name":"Validations","Unit":"Counts"}]"#),
                "unit",
            ),
            (
                line(r#""Dimensions":[["Function","EntryPoint","Reason"]],"Metrics":[{"Name":"Validations","Unit":"Milliseconds"}]"#),
                "catalogued in Count",
            ),
            (
                line(r#""Dimensions":[["Function","Reason"]],"Metrics":[{"Name":"Validations","Unit":"Count"}]"#),
                "dimensions",
            ),
            (
                line(r#""Dimensions":[["Function","EntryPoint","Reason","Subject"]],"Metrics":[{"Name":"Validations","Unit":"Count"}]"#),
                "Subject",
            ),
            (
                line(VALID).replace("\"replayed\"", "\"forged\""),
                "Reason=forged",
            ),
            (
                line(r#""Dimensions":[["Function","EntryPoint","Reason"]],"Metrics":[{"Name":"Forgeries","Unit":"Count"}]"#)
                    .replace("\"Validations\":1", "\"Forgeries\":1"),
                "unknown metric",
            ),
            (line(VALID).replace("\"Validations\":1", "\"Validations\":1.5"), "Count"),
            (line(VALID).replace("\"Validations\":1", "\"Validations\":\"1\""), "number"),
        ];
        for (input, needle) in cases {
            let e = parse_line(&input, &[]).unwrap_err();
            assert!(
                e.to_string().contains(needle),
                "{input}\n→ {e} (expected `{needle}`)"
            );
        }
    }

    #[test]
    fn static_dimensions_must_be_on_every_line() {
        let extra = [("Environment".to_owned(), "prod".to_owned())];
        assert!(parse_line(&line(VALID), &extra).is_err());
        let with = line(r#""Dimensions":[["Environment","Function","EntryPoint","Reason"]],"Metrics":[{"Name":"Validations","Unit":"Count"}]"#)
            .replace("\"Validations\":1", "\"Validations\":1,\"Environment\":\"prod\"");
        assert_eq!(parse_line(&with, &extra).unwrap().len(), 1);
    }
}
