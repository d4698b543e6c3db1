//! `shipments` and `track` through the binary: spreadsheet import with a bad row (exit 2, good
//! rows stored), tracking by number, offline normalisation for scripts.

use crate::helpers::Env;

const ORG: &str = "Acme Trading";

const FORWARDER_CSV: &str = "\
运单号,轨迹时间,轨迹描述,地点
YT2412345678901,2025-12-01 10:00:00,快件已揽收,深圳
YT2412345678901,2025-12-31 25:61:00,快件已发出,深圳
YT2412345678901,2025-12-09 15:30:00,已签收,Berlin
";

#[test]
fn import_reports_bad_rows_stores_the_rest_and_track_shows_the_timeline() {
    for env in Env::all() {
        let env = env.with_owner(ORG);
        let file = env.write("events.csv", FORWARDER_CSV.as_bytes());
        let file = file.to_str().expect("utf-8 path");
        let run = env.run(&[
            "shipments",
            "import",
            file,
            "--org",
            ORG,
            "--carrier",
            "yunexpress",
        ]);
        run.exit_code(2);
        assert!(
            run.stderr.contains("line 3"),
            "[{}] {}",
            env.backend,
            run.stderr
        );
        assert!(
            run.stderr.contains("other rows were stored"),
            "{}",
            run.stderr
        );
        // Re-running stores nothing new and still reports the bad row.
        let again = env.run(&[
            "shipments",
            "import",
            file,
            "--org",
            ORG,
            "--carrier",
            "yunexpress",
        ]);
        again.exit_code(2);
        assert!(
            again.stdout.contains("2 already stored"),
            "{}",
            again.stdout
        );

        let track = env.ok(&[
            "track",
            "yt 2412345678901",
            "--org",
            ORG,
            "--tz",
            "Europe/Berlin",
        ]);
        assert!(
            track.stdout.contains("status: delivered"),
            "{}",
            track.stdout
        );
        assert!(
            track.stdout.contains("2025-12-01 10:00 +08:00"),
            "{}",
            track.stdout
        );
        assert!(
            track.stdout.contains("2025-12-01 02:00Z"),
            "{}",
            track.stdout
        );
        assert!(
            track.stdout.contains("2025-12-01 03:00"),
            "{}",
            track.stdout
        );

        let json = env.ok(&["track", "YT2412345678901", "--org", ORG, "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
        assert_eq!(v["timeline"].as_array().map(Vec::len), Some(2));

        env.ok(&[
            "shipments",
            "create",
            "--org",
            ORG,
            "--reference",
            "PO-7",
            "--tracking",
            "1Z999AA10123456784",
            "--carrier",
            "ups",
            "--destination",
            "DE",
        ]);
        let list = env.ok(&["shipments", "list", "--org", ORG, "--format", "json"]);
        let items: serde_json::Value = serde_json::from_str(&list.stdout).expect("json");
        assert_eq!(items.as_array().map(Vec::len), Some(2));
        let missing = env.run(&["track", "NO-SUCH-NUMBER", "--org", ORG]);
        missing.exit_code(2);
        assert!(missing.stderr.contains("--events"), "{}", missing.stderr);
    }
}

/// A file larger than one stored chunk (PostgreSQL stores two chunks at a time): every row is
/// stored once, a bad row deep in the file is reported with its own line, shipments spanning
/// chunks come out whole, and a second run stores nothing.
#[test]
fn a_large_import_is_stored_in_chunks_with_line_numbers_kept() {
    const STEPS: [&str; 4] = ["快件已揽收", "已到达深圳分拨中心", "航班已起飞", "已签收"];
    let mut csv = String::from("运单号,轨迹时间,轨迹描述,地点\n");
    let (shipments, per) = (3_000, 4);
    for i in 0..shipments * per {
        // Journeys are interleaved, so every shipment has rows in several chunks.
        let (s, k) = (i % shipments, i / shipments);
        let time = if i == 10_500 {
            "2025-12-32 10:00:00".to_string()
        } else {
            format!("2025-12-0{} {:02}:{:02}:00", k + 1, s / 60 % 24, s % 60)
        };
        csv.push_str(&format!("YT{s:013},{time},{},深圳\n", STEPS[k]));
    }
    for env in Env::all() {
        let env = env.with_owner(ORG);
        let file = env.write("big.csv", csv.as_bytes());
        let file = file.to_str().expect("utf-8 path");
        let args = [
            "shipments",
            "import",
            file,
            "--org",
            ORG,
            "--carrier",
            "yunexpress",
        ];
        let run = env.run(&args);
        run.exit_code(2);
        assert!(
            run.stderr.contains("line 10502"),
            "[{}] {}",
            env.backend,
            run.stderr
        );
        assert!(
            run.stdout.contains("12000 rows, 11999 events stored"),
            "[{}] {}",
            env.backend,
            run.stdout
        );
        let again = env.run(&args);
        again.exit_code(2);
        assert!(
            again
                .stdout
                .contains("0 events stored, 11999 already stored"),
            "[{}] {}",
            env.backend,
            again.stdout
        );
        let json = env.ok(&["track", "YT0000000002999", "--org", ORG, "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
        assert_eq!(
            v["timeline"].as_array().map(Vec::len),
            Some(4),
            "[{}]",
            env.backend
        );
        assert!(
            json.stdout.contains("delivered"),
            "[{}] {}",
            env.backend,
            json.stdout
        );
    }
}

#[test]
fn normalize_pipes_json_lines_and_reports_bad_events() {
    let env = Env::sqlite();
    let body = r#"[
        {"tracking_number": "1Z999AA10123456784", "code": "KB", "text": "DELIVERED", "time": "2025-12-03T14:00:00+01:00"},
        {"tracking_number": "1Z999AA10123456784", "code": "AR", "text": "Arrived", "time": "no time at all"}
    ]"#;
    let run = env.run_with_stdin(
        &["track", "normalize", "-", "--carrier", "ups"],
        body.as_bytes(),
    );
    run.exit_code(2);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["status"], "delivered");
    assert_eq!(lines[0]["time"]["utc"], "2025-12-03T13:00:00Z");
    assert!(run.stderr.contains("event 2"), "{}", run.stderr);

    let file = env.write("payload.json", body.as_bytes());
    let offline = env.ok(&[
        "track",
        "1Z 999 AA1 0123456784",
        "--carrier",
        "ups",
        "--events",
        file.to_str().expect("utf-8 path"),
        "--tz",
        "Asia/Shanghai",
    ]);
    assert!(offline.stdout.contains("not stored"), "{}", offline.stdout);
    assert!(
        offline.stdout.contains("2025-12-03 14:00 +01:00"),
        "{}",
        offline.stdout
    );
    assert!(
        offline.stdout.contains("2025-12-03 21:00"),
        "{}",
        offline.stdout
    );
}

#[test]
fn unmapped_text_is_mapped_from_the_command_line_and_past_events_follow() {
    for env in Env::all() {
        let env = env.with_owner(ORG);
        let csv = "运单号,轨迹时间,轨迹描述,地点\n\
                   YT2400000000077,2025-12-01 10:00:00,快件已揽收,深圳\n\
                   YT2400000000077,2025-12-06 09:00:00,批次 A17 已登记,Berlin\n";
        let file = env.write("events.csv", csv.as_bytes());
        env.ok(&[
            "shipments",
            "import",
            file.to_str().expect("utf-8 path"),
            "--org",
            ORG,
            "--carrier",
            "acme_forwarder",
        ]);
        let unmapped = env.ok(&["shipments", "unmapped", "--org", ORG, "--format", "json"]);
        let rows: serde_json::Value = serde_json::from_str(&unmapped.stdout).expect("json");
        assert_eq!(
            rows.as_array().map(Vec::len),
            Some(1),
            "{}",
            unmapped.stdout
        );
        let map = env.ok(&[
            "shipments",
            "map",
            "--org",
            ORG,
            "--carrier",
            "acme_forwarder",
            "--text",
            "已登记",
            "--status",
            "ready_for_pickup",
        ]);
        assert!(
            map.stdout.contains("1 events re-classified"),
            "{}",
            map.stdout
        );
        let track = env.ok(&["track", "YT2400000000077", "--org", ORG]);
        assert!(
            track.stdout.contains("status: ready_for_pickup"),
            "[{}] {}",
            env.backend,
            track.stdout
        );
        let none = env.ok(&["shipments", "unmapped", "--org", ORG, "--format", "json"]);
        assert_eq!(none.stdout.trim(), "[]");
        let listed = env.ok(&["shipments", "mappings", "--org", ORG]);
        assert!(listed.stdout.contains("已登记"), "{}", listed.stdout);
        let bad = env.run(&[
            "shipments",
            "map",
            "--org",
            ORG,
            "--carrier",
            "ups",
            "--code",
            "Q9",
            "--status",
            "teleported",
        ]);
        bad.exit_code(2);
        let rederive = env.ok(&["shipments", "rederive", "--org", ORG]);
        assert!(
            rederive.stderr.contains("re-derived 1 shipments"),
            "{}",
            rederive.stderr
        );
        // The list filters by the leg of the current status.
        let on_leg = env.ok(&[
            "shipments",
            "list",
            "--org",
            ORG,
            "--leg",
            "last_mile",
            "--format",
            "json",
        ]);
        let items: serde_json::Value = serde_json::from_str(&on_leg.stdout).expect("json");
        assert_eq!(items.as_array().map(Vec::len), Some(1), "{}", on_leg.stdout);
    }
}
