use super::*;
use crate::error::{ErrorKind, Result};
use serde_json::json;
use serde_json::Value;

fn columns() -> Vec<String> {
    ["day", "symbol", "open", "high", "low", "close", "volume"]
        .map(str::to_owned)
        .to_vec()
}

fn parse(options: Value) -> Result<TsViewSpec> {
    TsViewSpec::parse(&options, &columns(), TimeKind::Date)
}

fn sql(spec: &TsViewSpec) -> String {
    spec.select_sql("\"prices\"", &columns(), "day", "finml")
        .unwrap()
}

#[test]
fn defaults_use_the_columns_that_exist() {
    let spec = parse(json!({})).unwrap();
    assert_eq!(spec.price, "close");
    assert_eq!(spec.volume.as_deref(), Some("volume"));
    assert_eq!(spec.volume_z, Some(20));
    assert_eq!(spec.macd, Some((12, 26, 9)));
    assert!(spec.direction);
    assert_eq!(spec.forward_volatility, vec![5]);
    assert_eq!(spec.longest_window(), 34);
    assert_eq!(
        spec.calendar,
        vec![CalendarPart::DayOfWeek, CalendarPart::Month]
    );
    let sql = sql(&spec);
    assert!(sql.contains(
            "ln((CASE WHEN \"close\"::float8 > 0 THEN \"close\"::float8 END) / lag((CASE WHEN \"close\"::float8 > 0 THEN \"close\"::float8 END), 5) OVER w) AS ret_5"
        ), "{sql}");
    assert!(sql.contains("ROWS BETWEEN 19 PRECEDING AND CURRENT ROW"));
    assert!(sql.contains("finml.fin_ema(\"close\"::float8, 12) OVER w"));
    // Only targets look forward.
    for line in sql
        .lines()
        .filter(|l| l.contains("lead(") || l.contains("FOLLOWING"))
    {
        assert!(line.contains("AS target_"), "{line}");
    }
    assert!(sql.contains("(w ROWS BETWEEN 1 FOLLOWING AND 5 FOLLOWING)"));
    assert!(sql.len() < 8_000, "{} bytes", sql.len());
    // The view's columns are the relation's, then the ones the spec names.
    let outer = &sql["SELECT ".len()..sql.find("\n  FROM (SELECT").unwrap()];
    let names: Vec<&str> = outer
        .split(",\n       ")
        .map(|c| c.rsplit("AS ").next().unwrap().trim_matches('"'))
        .collect();
    let mut expected = columns();
    expected.extend(spec.added_columns());
    assert_eq!(names, expected);
    let bare =
        TsViewSpec::parse(&json!({}), &["t".into(), "close".into()], TimeKind::Date).unwrap();
    assert_eq!((bare.volume, bare.volume_z, bare.high), (None, None, None));
}

#[test]
fn bad_options_are_refused() {
    let refused = |o: Value| parse(o).unwrap_err();
    assert_eq!(
        refused(json!({"windowz": [5]})).kind,
        ErrorKind::InvalidOption
    );
    assert!(refused(json!({"windows": [0]})).message.contains("windows"));
    assert!(refused(json!({"macd": [26, 12, 9]}))
        .message
        .contains("macd"));
    assert!(refused(json!({"rsi": 1})).message.contains("rsi"));
    assert!(refused(json!({"targets": {"sharpe": [5]}}))
        .message
        .contains("sharpe"));
    assert!(refused(json!({"windows": [5, 20, 5]}))
        .message
        .contains("lists 5 twice"));
    let e = TsViewSpec::parse(
        &json!({"volume_z": 20}),
        &["t".into(), "close".into()],
        TimeKind::Date,
    );
    assert!(e
        .unwrap_err()
        .message
        .contains("volume_z needs a volume column"));
    let e =
        TsViewSpec::parse(&json!({}), &["t".into(), "last".into()], TimeKind::Date).unwrap_err();
    assert_eq!(e.kind, ErrorKind::UnknownColumn);
}

#[test]
fn every_list_and_number_is_bounded() {
    let refused = |o: Value| {
        let e = parse(o).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidOption, "{}", e.message);
        assert!(e.hint.is_some(), "{}", e.message);
        e
    };
    // The report's options: 1,000 volatility windows of 100,000 rows.
    let windows: Vec<usize> = (0..1000).map(|i| 100_000 - i).collect();
    let e = refused(json!({"targets": {"volatility": windows}}));
    assert!(
        e.message.contains("1000 periods, more than 64"),
        "{}",
        e.message
    );
    let e = refused(json!({"targets": {"volatility": [100_000]}}));
    assert!(e.hint.unwrap().contains("10,000"));
    for key in ["returns", "windows", "ema"] {
        refused(json!({ key: [MAX_PERIODS + 1] }));
        refused(json!({ key: (1..=65).collect::<Vec<usize>>() }));
        assert!(parse(json!({ key: [MAX_PERIODS] })).is_ok(), "{key}");
        assert!(
            parse(json!({ key: (1..=64).collect::<Vec<usize>>() })).is_ok(),
            "{key}"
        );
    }
    refused(json!({"targets": {"return": [MAX_PERIODS + 1]}}));
    refused(json!({"targets": {"return": (1..=65).collect::<Vec<usize>>()}}));
    for key in ["rsi", "bollinger", "volume_z"] {
        let e = refused(json!({ key: MAX_PERIODS + 1 }));
        assert!(e.hint.unwrap().contains("10,000"), "{key}");
        refused(json!({ key: u64::MAX }));
    }
    refused(json!({"macd": [12, 100_000, 9]}));
    refused(json!({"macd": [12, 26, 100_000]}));
    refused(json!({"calendar": ["month", "month"]}));
    refused(json!({"calendar": ["hour", "hour", "hour", "hour", "hour"]}));

    // The largest view the bounds allow: under the column and SQL bounds, and the
    // volatility target's SQL does not grow with its horizon.
    let most = |from: usize| (from..from + MAX_LIST).collect::<Vec<usize>>();
    let spec = TsViewSpec::parse(
        &json!({"returns": most(MAX_PERIODS - 63), "windows": most(MAX_PERIODS - 63),
                    "ema": most(MAX_PERIODS - 63), "rsi": MAX_PERIODS, "bollinger": MAX_PERIODS,
                    "macd": [MAX_PERIODS - 1, MAX_PERIODS, MAX_PERIODS],
                    "calendar": ["day_of_week", "month", "hour", "minute"],
                    "targets": {"direction": true, "return": most(MAX_PERIODS - 63),
                                "volatility": most(MAX_PERIODS - 63)}}),
        &columns(),
        TimeKind::Timestamp,
    )
    .unwrap();
    let added = spec.added_columns().len();
    assert!(added <= MAX_FEATURE_COLUMNS, "{added}");
    let long_names: Vec<String> = (0..1600).map(|i| format!("{i:\"<63}")).collect();
    let mut relation = columns();
    relation.extend(long_names);
    let big = spec
        .select_sql("\"prices\"", &relation, "day", "\"finml\"")
        .unwrap();
    assert!(big.len() < MAX_SQL_BYTES / 2, "{} bytes", big.len());
    let one = parse(json!({"targets": {"volatility": [5]}})).unwrap();
    let long = parse(json!({"targets": {"volatility": [MAX_PERIODS]}})).unwrap();
    assert_eq!(
        sql(&long).len() - sql(&one).len(),
        5 * 4,
        "only the number's digits"
    );
}

#[test]
fn non_positive_prices_give_null_returns_not_errors() {
    let sql = sql(&parse(json!({"targets": {"return": [1, 5], "volatility": [3]}})).unwrap());
    let positive = "(CASE WHEN \"close\"::float8 > 0 THEN \"close\"::float8 END)";
    // Every logarithm is of a ratio of two prices each NULL unless positive.
    let logs: Vec<&str> = sql.match_indices("ln(").map(|(i, _)| &sql[i..]).collect();
    assert_eq!(
        logs.len(),
        1 + 3 + 2,
        "the 1-period return, ret_1/5/20, two targets"
    );
    for log in logs {
        let ratio = &log[3..];
        let lagged = ratio.starts_with(&format!("{positive} / lag({positive}"));
        let led = ratio.starts_with(&format!("lead({positive}"));
        assert!(lagged || led, "{}", &log[..120]);
        if led {
            assert!(log.contains(&format!("OVER w / {positive}) AS target_return_")));
        }
    }
    // Ratios divide by nullif(…, 0); a window's statistics need all of its returns.
    assert!(sql.contains("/ nullif(finml.fin_ema(\"close\"::float8, 12) OVER w, 0) - 1"));
    assert!(sql.contains("/ nullif(\"close\"::float8, 0) AS range"));
    assert!(sql.contains(
            "CASE WHEN count(fin_ret) OVER (w ROWS BETWEEN 4 PRECEDING AND CURRENT ROW) = 5 THEN stddev_samp(fin_ret)"
        ));
    assert!(sql.contains(
            "CASE WHEN count(fin_ret) OVER (w ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING) = 3 THEN sqrt(sum(power(fin_ret, 2)) OVER (w ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING)) END AS target_volatility_3"
        ));
}

#[test]
fn the_view_checks_for_rows_at_the_same_time_whenever_it_is_read() {
    let spec = parse(json!({"partition_by": "symbol"})).unwrap();
    let sql = sql(&spec);
    assert!(
        sql.contains("count(*) OVER (w RANGE BETWEEN CURRENT ROW AND CURRENT ROW) AS fin_repeats")
    );
    // Between the first layer (which counts) and the second (whose windows would read
    // the repeated rows in an arbitrary order).
    let check = "WHERE CASE WHEN fin_repeats > 1 THEN finml.fin_ts_repeated_key('symbol', \"symbol\"::text, 'day', \"day\"::text, fin_repeats) ELSE true END";
    let at = sql.find(check).expect(check);
    assert!(sql[..at].contains(") l1"), "{sql}");
    assert!(!sql[at..].contains(") l1"));
    let plain = parse(json!({})).unwrap();
    assert!(sql_of(&plain, "we're \\ odd").contains(
            "finml.fin_ts_repeated_key(NULL, NULL, E'we''re \\\\ odd', \"we're \\ odd\"::text, fin_repeats)"
        ));

    let e = repeated_key(
        Some(("symbol", Some("AAA"))),
        ("day", Some("2024-01-05")),
        2,
    );
    assert_eq!(e.kind, ErrorKind::InvalidData);
    assert_eq!(
        e.message,
        "2 rows of one series share a time: (\"symbol\", \"day\") = (\"AAA\", \"2024-01-05\")"
    );
    assert!(e.hint.unwrap().contains("one row per series and time"));
    let e = repeated_key(None, ("day", None), 3);
    assert_eq!(
        e.message,
        "3 rows of one series share a time: (\"day\") = (NULL)"
    );
}

fn sql_of(spec: &TsViewSpec, time: &str) -> String {
    spec.select_sql("\"prices\"", &columns(), time, "finml")
        .unwrap()
}

#[test]
fn timestamps_have_hours_and_minutes_in_utc() {
    let options = json!({"calendar": ["hour", "minute", "day_of_week"]});
    let spec = TsViewSpec::parse(&options, &columns(), TimeKind::Timestamp).unwrap();
    let sql = sql_of(&spec, "day");
    assert!(sql.contains("extract(hour FROM \"day\")::int AS hour"));
    assert!(sql.contains("extract(minute FROM \"day\")::int AS minute"));
    assert!(sql.contains("extract(isodow FROM \"day\")::int AS day_of_week"));
    assert!(!sql.contains("AS month"));
    assert!(sql.find("AS hour").unwrap() < sql.find("AS minute").unwrap());
    let spec = TsViewSpec::parse(&options, &columns(), TimeKind::TimestampTz).unwrap();
    assert!(sql_of(&spec, "day")
        .contains("extract(hour FROM (\"day\" AT TIME ZONE 'UTC'))::int AS hour"));
    // The default calendar is the day of week and the month, whatever the time's type.
    let spec = TsViewSpec::parse(&json!({}), &columns(), TimeKind::TimestampTz).unwrap();
    assert_eq!(
        spec.calendar,
        vec![CalendarPart::DayOfWeek, CalendarPart::Month]
    );
    assert!(sql_of(&spec, "day")
        .contains("extract(isodow FROM (\"day\" AT TIME ZONE 'UTC'))::int AS day_of_week"));
    // A date has no time of day.
    let e = parse(json!({"calendar": ["minute"]})).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidOption);
    assert!(e.message.contains("needs a timestamp"), "{}", e.message);
    assert!(parse(json!({"calendar": ["weekday"]})).is_err());
    assert!(parse(json!({"calendar": "month"})).is_err());
    assert!(parse(json!({"calendar": false}))
        .unwrap()
        .calendar
        .is_empty());
}

#[test]
fn relation_columns_may_not_take_the_views_names() {
    let with = |name: &str| {
        let mut c = columns();
        c.push(name.to_owned());
        c
    };
    let e = TsViewSpec::parse(&json!({}), &with("month"), TimeKind::Date).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidOption);
    assert!(
        e.message.contains("\"month\", a name the view would add"),
        "{}",
        e.message
    );
    let e = TsViewSpec::parse(&json!({}), &with("fin_ret"), TimeKind::Date).unwrap_err();
    assert!(e.message.contains("uses internally"), "{}", e.message);
    // Left out, the name is free.
    let spec = TsViewSpec::parse(&json!({"calendar": false}), &with("month"), TimeKind::Date);
    assert!(spec.is_ok());
}
