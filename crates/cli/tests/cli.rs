//! The `crimescope` binary end to end: output formats, exit codes and messages.

mod common;

use std::path::Path;

use common::*;

#[test]
fn ingest_json_reports_every_file_and_reconciles() {
    let store = tempfile::tempdir().unwrap();
    let s = store.path().to_str().unwrap();
    let out = crimescope(&[
        "ingest",
        "--store",
        s,
        "--json",
        fixtures().join("city-of-london").to_str().unwrap(),
    ]);
    let v = stdout_json(&out);
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 13);
    let mut read = 0;
    for f in files {
        for key in [
            "path",
            "profile",
            "rows_read",
            "rows_loaded",
            "rows_rejected",
            "duplicates_dropped",
        ] {
            assert!(!f[key].is_null(), "{key} missing");
        }
        let n = |k: &str| f[k].as_u64().unwrap();
        assert_eq!(
            n("rows_read"),
            n("rows_loaded") + n("rows_rejected") + n("duplicates_dropped")
        );
        read += n("rows_read");
    }
    assert_eq!(v["totals"]["rows_read"].as_u64().unwrap(), read);
    assert_eq!(read, 9_992 + 111);

    // The same store answers SQL as JSON rows, and CSV with a header.
    let out = crimescope(&[
        "sql",
        "--store",
        s,
        "--format",
        "json",
        "SELECT source, COUNT(*) AS n FROM incidents GROUP BY source ORDER BY source",
    ]);
    let rows = stdout_json(&out);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["source"], "asb");
    let out = crimescope(&[
        "sql",
        "--store",
        s,
        "--format",
        "csv",
        "SELECT category FROM incidents WHERE source = 'asb' LIMIT 1",
    ]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "category\nAnti-social behaviour\n"
    );
    let out = crimescope(&[
        "sql",
        "--store",
        s,
        "--format",
        "json",
        "SELECT * FROM incidents WHERE 1 = 0",
    ]);
    assert_eq!(stdout_json(&out), serde_json::json!([]));
    // A value the user's SQL cannot convert ('2024-07' is not a date; `month` is one) is
    // the user's error (exit 1), not reported as a crimescope defect (exit 2).
    let out = crimescope(&[
        "sql",
        "--store",
        s,
        "SELECT COUNT(*) AS n FROM incidents WHERE month >= '2024-07'",
    ]);
    let err = common::user_error(&out);
    assert!(err.contains("SQL error") && err.contains("2024-07"), "{err}");
    assert!(!err.contains("bug"), "{err}");

    let info = stdout_json(&crimescope(&["info", "--store", s, "--format", "json"]));
    assert_eq!(info["files"], 13);
    assert_eq!(info["sources"].as_array().unwrap().len(), 2);
    let table = crimescope(&["info", "--store", s]);
    assert!(table.status.success());
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("Rejects by reason") && text.contains("Violence and sexual offences"));
}

#[test]
fn user_errors_exit_1_with_the_file_line_or_statement_named() {
    let store = tempfile::tempdir().unwrap();
    let s = store.path().to_str().unwrap();
    let input = tempfile::tempdir().unwrap();
    let bad = input.path().join("nottingham.csv");
    std::fs::write(&bad, "month,longitude,latitude,location,lsoa_code\n").unwrap();
    let out = crimescope(&["ingest", "--store", s, bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("error: ") && err.contains("nottingham.csv, line 1"),
        "{err}"
    );

    let out = crimescope(&["ingest", "--store", s, "/no/such/path"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/path"));

    let out = crimescope(&["sql", "--store", s, "SELECT 1"]);
    assert_eq!(out.status.code(), Some(1), "no store yet");

    crimescope(&[
        "ingest",
        "--store",
        s,
        fixtures()
            .join("city-of-london/2024-01-city-of-london-street.csv")
            .to_str()
            .unwrap(),
    ]);
    let out = crimescope(&[
        "sql",
        "--store",
        s,
        "COPY (SELECT 1) TO '/tmp/crimescope-should-not-exist.csv'",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused: COPY"));
    assert!(out.stdout.is_empty());
    assert!(!Path::new("/tmp/crimescope-should-not-exist.csv").exists());
}

/// Without the `distributed` feature, `--cluster` and the cluster roles say how to get
/// them instead of failing on an unknown argument.
#[cfg(not(feature = "distributed"))]
#[test]
fn cluster_options_explain_the_feature_when_it_is_not_built() {
    let store = city_store();
    let store = store.path().to_str().unwrap();
    for args in [
        vec!["sql", "--store", store, "--cluster", "df://127.0.0.1:50050", "SELECT 1"],
        vec![
            "trend",
            "--store",
            store,
            "--period",
            "2024-07..2024-12",
            "--cluster",
            "df://127.0.0.1:50050",
        ],
        vec!["scheduler"],
        vec!["executor"],
    ] {
        let err = user_error(&crimescope(&args));
        assert!(err.contains("--features distributed"), "{args:?}: {err}");
    }
}

#[test]
fn user_errors_exit_1_and_defects_exit_2_reported_once() {
    // A usage mistake (clap) and a library user error: exit 1, one `error:` line.
    for args in [
        &["trend", "--store", "/no/such/store", "--period", "2024-13"][..],
        &[
            "trend",
            "--store",
            "/no/such/store",
            "--period",
            "2024-01",
            "--by",
            "colour",
        ][..],
        &["info", "--store", "/no/such/store"][..],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_crimescope"))
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(err.matches("error:").count(), 1, "{args:?}: {err}");
    }
    // A defect, as a bug would surface, and a panic: exit 2, reported once as internal.
    // The fault is injected by debug builds only (main.rs, fault_injection).
    for (fault, says) in [
        ("internal", "error: injected internal fault"),
        ("panic", "internal error:"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_crimescope"))
            .args(["profiles"])
            .env("CRIMESCOPE_INJECT_FAULT", fault)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{fault}: {err}");
        assert!(err.starts_with(says), "{fault}: {err}");
        assert_eq!(err.matches("error").count(), 1, "{fault}: {err}");
    }
}

/// Rows without an LSOA code in the store, through `crimescope sql`.
fn uncoded(store: &str) -> u64 {
    let out = crimescope(&[
        "sql",
        "--store",
        store,
        "--format",
        "json",
        "SELECT COUNT(*) AS n FROM incidents WHERE lsoa_code IS NULL AND longitude IS NOT NULL",
    ]);
    stdout_json(&out)[0]["n"].as_u64().unwrap()
}

#[test]
fn boundaries_add_fills_stored_rows_unless_told_not_to() {
    // The City's January file with its LSOA columns blanked.
    let text = std::fs::read_to_string(fixtures().join("city-of-london/2024-01-city-of-london-street.csv")).unwrap();
    let mut blanked = String::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut writer = csv::Writer::from_writer(Vec::new());
    for (i, record) in reader.records().enumerate() {
        let mut fields: Vec<String> = record.unwrap().iter().map(str::to_string).collect();
        if i > 0 {
            fields[7].clear();
            fields[8].clear();
        }
        writer.write_record(&fields).unwrap();
    }
    blanked.push_str(&String::from_utf8(writer.into_inner().unwrap()).unwrap());
    let input = tempfile::tempdir().unwrap();
    let file = input.path().join("2024-01-blanked-street.csv");
    std::fs::write(&file, blanked).unwrap();
    let store = tempfile::tempdir().unwrap();
    let s = store.path().to_str().unwrap();
    assert!(
        crimescope(&["ingest", "--store", s, file.to_str().unwrap()])
            .status
            .success()
    );
    let located = uncoded(s);
    assert!(located > 600, "{located}");

    let geojson = fixtures().join("../boundaries/central_london_lsoa11.geojson");
    let add = |extra: &[&str]| {
        let mut args = vec![
            "boundaries",
            "add",
            "--store",
            s,
            "--level",
            "lsoa",
            "--code-field",
            "lsoa_code",
            "--name-field",
            "lsoa_name",
        ];
        args.extend_from_slice(extra);
        args.push(geojson.to_str().unwrap());
        let out = crimescope(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let kept = add(&["--no-apply-to-stored"]);
    assert!(kept.contains("keep their codes"), "{kept}");
    assert_eq!(uncoded(s), located, "--no-apply-to-stored leaves the stored rows");

    let applied = add(&[]);
    let left = uncoded(s);
    assert!(left < located / 10, "{left} of {located} still without a code");
    assert!(
        applied.contains(&format!("{} LSOA", located - left)) && applied.contains(&format!("{left} located")),
        "{applied}"
    );
}

/// The subcommands `crimescope --help` lists (clap's own `help` left out).
fn help_subcommands() -> Vec<String> {
    let out = crimescope(&["--help"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let commands = text.split("Commands:").nth(1).expect("a Commands: list");
    let commands = commands.split("Options:").next().unwrap();
    let names: Vec<String> = commands
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect();
    assert!(names.len() >= 15, "{names:?}");
    names
}

#[test]
fn completions_and_man_pages_name_every_subcommand() {
    let commands = help_subcommands();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = crimescope(&["completions", shell]);
        assert!(
            out.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let script = String::from_utf8_lossy(&out.stdout);
        for c in &commands {
            assert!(script.contains(c.as_str()), "{shell} completion lacks {c}");
        }
        // The global flags complete too.
        assert!(script.contains("quiet") && script.contains("color"), "{shell}");
    }
    let e = user_error(&crimescope(&["completions", "tcsh"]));
    assert!(e.contains("tcsh"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let out = crimescope(&["man", "--out", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let main = std::fs::read_to_string(dir.path().join("crimescope.1")).unwrap();
    assert!(main.contains(".TH crimescope"), "{}", &main[..200.min(main.len())]);
    // roff writes a hyphen as `\-`.
    let roff = |s: &str| s.replace('-', "\\-");
    for c in &commands {
        assert!(
            main.contains(c.as_str()) || main.contains(&roff(c)),
            "crimescope.1 lacks {c}"
        );
        let page = std::fs::read_to_string(dir.path().join(format!("crimescope-{c}.1")))
            .unwrap_or_else(|e| panic!("no page for {c}: {e}"));
        let named = page.contains(&format!("crimescope-{c}")) || page.contains(&roff(&format!("crimescope-{c}")));
        assert!(named, "crimescope-{c}.1 does not name itself");
    }
    // Nested commands get their own pages.
    assert!(dir.path().join("crimescope-query-run.1").is_file());
    // Without --out, the main page goes to stdout.
    let out = crimescope(&["man"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(".TH crimescope"));
}

#[test]
fn quiet_and_color_govern_stderr_only() {
    let store = city_store();
    let s = store.path().to_str().unwrap();
    let args = [
        "hotspots",
        "--store",
        s,
        "--period",
        "2024-01..2024-12",
        "--format",
        "csv",
    ];
    let loud = crimescope(&args);
    assert!(loud.status.success());
    assert!(String::from_utf8_lossy(&loud.stderr).contains("note:"));
    let mut quiet_args = vec!["--quiet"];
    quiet_args.extend(args);
    let quiet = crimescope(&quiet_args);
    assert!(quiet.status.success());
    assert!(quiet.stderr.is_empty(), "{}", String::from_utf8_lossy(&quiet.stderr));
    assert_eq!(quiet.stdout, loud.stdout, "--quiet changes no result");
    // Errors are printed whatever --quiet says; colour only when asked for (stderr here is
    // a pipe, so auto means none), and NO_COLOR does not overrule --color always.
    let bad = ["-q", "info", "--store", "/no/such/store"];
    let plain = user_error(&crimescope(&bad));
    assert!(plain.starts_with("error:") && !plain.contains('\x1b'), "{plain}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_crimescope"))
        .args(["--color", "always", "info", "--store", "/no/such/store"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let coloured = String::from_utf8_lossy(&out.stderr);
    assert!(coloured.starts_with("\x1b[1;31merror:\x1b[0m"), "{coloured:?}");
}
