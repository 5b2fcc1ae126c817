//! Rendering in memory: filters, strictness, escaping, secret tracking. File writing and
//! `render_dir` are tested in engine/tests/template.rs.

use std::collections::BTreeMap;

use expect_test::{expect, Expect};

use super::*;

fn vars(pairs: &[(&str, Data)]) -> Data {
    Data::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<BTreeMap<_, _>>())
}

fn sample() -> Data {
    vars(&[
        ("name", Data::Str("hive & <friends>".into())),
        ("port", Data::Int(9083)),
        ("ratio", Data::Float(0.5)),
        ("on", Data::Bool(true)),
        ("empty", Data::Str(String::new())),
        ("nothing", Data::Null),
        ("tags", Data::List(vec![Data::Str("a".into()), Data::Str("b c".into())])),
        ("db", vars(&[("host", Data::Str("pg.local".into())), ("users", Data::List(vec![Data::Str("x".into())]))])),
        ("password", Data::Secret(Secret::new("pa55word-xyz"))),
        ("storage", Data::Unknown("dev/acme/infra.storage_account".into())),
    ])
}

fn templates() -> (tempfile::TempDir, Templates) {
    let dir = tempfile::tempdir().expect("temp dir");
    let templates = Templates::new(&Repo::at(dir.path()).expect("repository"));
    (dir, templates)
}

/// Renders `source` as template `name` and shows the text, `[secret]` when flagged, or the
/// error.
fn check(name: &str, source: &str, expected: Expect) {
    let (_dir, templates) = templates();
    let actual = match templates.render_named(name, source, &sample()) {
        Ok(Rendered { text, secret: true, .. }) => format!("[secret]{text}"),
        Ok(Rendered { text, secret: false, .. }) => text,
        Err(e) => format!("error: {e}"),
    };
    expected.assert_eq(&actual);
}

#[test]
fn values_render_as_they_are_in_plain_files() {
    check(
        "app.yaml.j2",
        "name: {{ name }}\nport: {{ port }}\nratio: {{ ratio }}\non: {{ on }}\ntags: {{ tags | join(',') }}\nhost: {{ db.host }}\n",
        expect![[r#"
            name: hive & <friends>
            port: 9083
            ratio: 0.5
            on: True
            tags: a,b c
            host: pg.local
        "#]],
    );
    check(
        "app.properties.j2",
        "name={{ name }}\n",
        expect![[r#"
        name=hive & <friends>
    "#]],
    );
}

#[test]
fn xml_and_html_outputs_are_escaped() {
    check(
        "conf/core-site.xml.j2",
        "<value>{{ name }}</value><v a='{{ \"it's\" }}'/>{{ '<raw/>' | safe }}\n",
        expect![[r#"
            <value>hive &amp; &lt;friends&gt;</value><v a='it&apos;s'/><raw/>
        "#]],
    );
    check("index.html.j2", "<p>{{ name }}</p>", expect!["<p>hive &amp; &lt;friends&gt;</p>"]);
}

#[test]
fn block_tags_leave_no_blank_lines_and_the_trailing_newline_stays() {
    check(
        "a.yaml.j2",
        "items:\n{% for t in tags %}\n  - {{ t }}\n{% endfor %}\n",
        expect![[r#"
            items:
              - a
              - b c
        "#]],
    );
}

#[test]
fn strict_undefined_names_the_variable_file_and_line() {
    check(
        "apps/hive/core-site.xml.j2",
        "<configuration>\n  <value>{{ missing }}</value>\n</configuration>\n",
        expect![[r#"
            error: undefined value: `missing` is undefined (in apps/hive/core-site.xml.j2:2)
            hint: pass the variable to the template, or make it optional with `{{ name | default("...") }}` or `{% if name is defined %}`
            ------------------------------ core-site.xml.j2 -------------------------------
               1 | <configuration>
               2 >   <value>{{ missing }}</value>
                 i             ^^^^^^^ undefined value
               3 | </configuration>
            ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"#]],
    );
    check(
        "a.yaml.j2",
        "{{ db.port }}",
        expect![[r#"
        error: undefined value: `db.port` is undefined (in a.yaml.j2:1)
        hint: pass the variable to the template, or make it optional with `{{ name | default("...") }}` or `{% if name is defined %}`
        ---------------------------------- a.yaml.j2 ----------------------------------
           1 > {{ db.port }}
             i    ^^^^^^^ undefined value
        ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"#]],
    );
    check("a.yaml.j2", "{{ missing | default('d') }} {% if missing is defined %}x{% endif %}", expect!["d "]);
}

#[test]
fn syntax_errors_point_at_the_line() {
    check(
        "a.yaml.j2",
        "ok\n{% if %}\n",
        expect![[r#"
        error: syntax error: unexpected end of block (in a.yaml.j2:2)
        ---------------------------------- a.yaml.j2 ----------------------------------
           1 | ok
           2 > {% if %}
             i       ^^ syntax error
        ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"#]],
    );
}

#[test]
fn to_json_and_to_yaml() {
    check(
        "a.yaml.j2",
        "{{ db | to_json }} {{ tags | tojson }} {{ port | to_json }}",
        expect![[r#"{"host":"pg.local","users":["x"]} ["a","b c"] 9083"#]],
    );
    check(
        "a.json.j2",
        "{{ db | to_json(2) }}",
        expect![[r#"
        {
          "host": "pg.local",
          "users": [
            "x"
          ]
        }"#]],
    );
    check(
        "a.yaml.j2",
        "db:\n  {{ db | to_yaml | indent(2) }}\n",
        expect![[r#"
        db:
          host: pg.local
          users:
          - x
    "#]],
    );
    check("a.yaml.j2", "{{ nothing | to_json }} {{ on | to_yaml }}", expect!["null true"]);
}

#[test]
fn encoding_filters() {
    check(
        "a.yaml.j2",
        "{{ 'hello' | b64encode }} {{ 'aGVsbG8=' | b64decode }} {{ 'hello' | sha256 }}",
        expect!["aGVsbG8= hello 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"],
    );
    check(
        "a.yaml.j2",
        "{{ '%%%' | b64decode }}",
        expect![[r#"
        error: invalid operation: b64decode: not valid base64: Invalid symbol 37, offset 0. (in a.yaml.j2:1)
        ---------------------------------- a.yaml.j2 ----------------------------------
           1 > {{ '%%%' | b64decode }}
             i            ^^^^^^^^^ invalid operation
        ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"#]],
    );
}

#[test]
fn quote_and_indent() {
    check(
        "a.yaml.j2",
        "v: {{ 'say \"hi\"\\n' | quote }}\nn: {{ port | quote }}\nx:\n  {{ 'a\\nb\\n' | indent(2) }}\n",
        expect![[r#"
            v: "say \"hi\"\n"
            n: "9083"
            x:
              a
              b
        "#]],
    );
}

#[test]
fn required_rejects_undefined_none_and_empty() {
    check("a.yaml.j2", "{{ port | required('port') }}", expect!["9083"]);
    for source in [
        "{{ missing | required('set the port') }}",
        "{{ nothing | required('set the port') }}",
        "{{ empty | required('set the port') }}",
    ] {
        let (_dir, templates) = templates();
        let error = templates.render_named("a.yaml.j2", source, &sample()).unwrap_err().to_string();
        assert!(error.starts_with("invalid operation: value required: set the port (in a.yaml.j2:1)"), "{error}");
    }
}

#[test]
fn secrets_render_for_real_and_flag_the_result() {
    check(
        "a.yaml.j2",
        "pw: {{ password }}\n",
        expect![[r#"
        [secret]pw: pa55word-xyz
    "#]],
    );
    check("a.yaml.j2", "{{ password | b64encode }}", expect!["[secret]cGE1NXdvcmQteHl6"]);
    check("a.yaml.j2", "{{ password | upper }}", expect!["[secret]PA55WORD-XYZ"]);
    check("a.yaml.j2", "{{ 'u:' ~ password }}", expect!["[secret]u:pa55word-xyz"]);
    check("a.yaml.j2", "{{ {'pw': password} | to_json }}", expect![[r#"[secret]{"pw":"pa55word-xyz"}"#]]);
    check(
        "a.yaml.j2",
        "{{ password | sha256 | quote }}",
        expect![[r#"[secret]"2a1a9ef796f985e93955ab805d035586f342d3fb58f76e5b297abae3a63de0c5""#]],
    );
    check("c.xml.j2", "<v>{{ password }}</v>", expect!["[secret]<v>pa55word-xyz</v>"]);
    // Defined-ness checks do not use the value: the result is not a secret.
    check("a.yaml.j2", "{% if password is defined %}set{% endif %}", expect!["set"]);
}

#[test]
fn unknown_values_render_as_placeholders() {
    check("a.yaml.j2", "account: {{ storage }} {{ storage.name }}", expect![
        "account: (known after apply: dev/acme/infra.storage_account) (known after apply: dev/acme/infra.storage_account.name)"
    ]);
}

#[test]
fn a_render_using_unknown_values_is_itself_unknown() {
    let (_dir, templates) = templates();
    let rendered = templates.render_text("a: {{ storage }}\nb: {{ storage }}", &sample()).unwrap();
    assert_eq!(rendered.unknowns, ["dev/acme/infra.storage_account"]);
    assert_eq!(rendered.into_data(), Data::Unknown("template using dev/acme/infra.storage_account".into()));
    let known = templates.render_text("{% if storage is defined %}x{% endif %}", &sample()).unwrap();
    assert_eq!(known.into_data(), Data::Str("x".into()));
}

#[test]
fn vars_must_be_a_map() {
    let (_dir, templates) = templates();
    expect!["template variables must be a map, not array"]
        .assert_eq(&templates.render_text("x", &Data::List(vec![])).unwrap_err().to_string());
    assert_eq!(templates.render_text("x", &Data::Null).unwrap().text, "x");
}

#[test]
fn includes_are_repository_relative_or_relative_to_the_includer() {
    let (dir, templates) = templates();
    std::fs::create_dir_all(dir.path().join("t/parts")).unwrap();
    std::fs::write(dir.path().join("t/parts/labels.j2"), "app: {{ name }}").unwrap();
    std::fs::write(
        dir.path().join("t/main.yaml.j2"),
        "{% include './parts/labels.j2' %}|{% include 't/parts/labels.j2' %}\n",
    )
    .unwrap();
    let rendered = templates.render_file(&RepoPath::default().join("t/main.yaml.j2"), &sample()).unwrap();
    // trim_blocks: the newline right after a block tag goes, as in Jinja.
    assert_eq!(rendered.text, "app: hive & <friends>|app: hive & <friends>");
    let escape = templates.render_text("{% include '../outside.j2' %}", &sample()).unwrap_err().to_string();
    assert!(escape.contains("is outside the repository"), "{escape}");
}

#[test]
fn renders_on_two_threads_at_once_each_report_only_their_own_use() {
    let (_dir, templates) = templates();
    let rounds = 50;
    let start = std::sync::Barrier::new(2);
    let (with_secret, without) = std::thread::scope(|s| {
        let a = s.spawn(|| {
            start.wait();
            (0..rounds)
                .map(|_| templates.render_text("{{ password | b64encode }} {{ storage }}", &sample()).unwrap())
                .collect::<Vec<_>>()
        });
        let b = s.spawn(|| {
            start.wait();
            (0..rounds).map(|_| templates.render_text("{{ name }} {{ port }}", &sample()).unwrap()).collect::<Vec<_>>()
        });
        (a.join().unwrap(), b.join().unwrap())
    });
    for rendered in with_secret {
        assert!(rendered.secret, "{rendered:?}");
        assert_eq!(rendered.unknowns, ["dev/acme/infra.storage_account"]);
    }
    for rendered in without {
        assert_eq!(rendered, Rendered { text: "hive & <friends> 9083".into(), secret: false, unknowns: vec![] });
    }
    // The same on one thread: a secret of one render, printed, flags that render only.
    let (a, b) = (values::Tracker::default(), values::Tracker::default());
    let secret = values::to_value(&Data::Secret(Secret::new("pa55word-xyz")), &a);
    let _plain = values::to_value(&Data::Str("x".into()), &b);
    assert_eq!(secret.to_string(), "pa55word-xyz");
    assert!(a.used().secret);
    assert!(!b.used().secret);
    // A filter's secret output keeps its input's tracker: printed later, it flags the
    // render (the text no longer contains the secret, so only the tracker can tell).
    check("a.yaml.j2", "{% set x = password | b64encode %}{{ x }}", expect!["[secret]cGE1NXdvcmQteHl6"]);
    check("a.yaml.j2", "{% set x = password | b64encode %}ok", expect!["ok"]);
    check("a.yaml.j2", "{{ 'x' | b64encode }}", expect!["eA=="]);
}
