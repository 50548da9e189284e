# jq helpers for tests/prometheus/run (jq -L tests/prometheus 'include "dashboard"; ...').
# Grafana is not available to the tests, so a dashboard is checked structurally here and its
# queries are executed against a real Prometheus by the run script.

# Every panel, rows' children included, rows themselves excluded.
def all_panels: [.panels[]? | ., (.panels[]? // empty)] | map(select(.type != "row"));

# Every panel and row (for ids and layout).
def all_items: [.panels[]? | ., (.panels[]? // empty)];

# Variables the dashboard defines, plus Grafana's global ones.
def known_vars:
  ([.templating.list[]?.name]) +
  ["__rate_interval", "__interval", "__interval_ms", "__range", "__range_s", "__range_ms", "__auto"];

# The names of the variables a string refers to: $name, ${name} or ${name:format}.
def var_refs: [scan("\\$\\{?([A-Za-z_][A-Za-z0-9_]*)") | .[0]];

def overlaps(a; b):
  a.gridPos.x < b.gridPos.x + b.gridPos.w and b.gridPos.x < a.gridPos.x + a.gridPos.w and
  a.gridPos.y < b.gridPos.y + b.gridPos.h and b.gridPos.y < a.gridPos.y + a.gridPos.h;

# The problems of one dashboard, one line each; empty when it is fine.
def problems:
  . as $d
  | ($d | known_vars) as $vars
  | ($d | all_panels) as $panels
  | ($d | all_items) as $items
  | [
      (if ($d.uid | type) != "string" or ($d.uid | length) == 0 then "no uid" else empty end),
      (if ($d.title | type) != "string" or ($d.title | length) == 0 then "no title" else empty end),
      (if ($d.schemaVersion // 0) < 39 then "schemaVersion \($d.schemaVersion) is older than Grafana 10" else empty end),
      (if $d.id != null then "id must be null for provisioning and import" else empty end),
      (if ([$d.templating.list[]? | select(.type == "datasource" and .name == "datasource" and .query == "prometheus")] | length) != 1
       then "no datasource variable (type datasource, name datasource, query prometheus)" else empty end),
      (if ($panels | length) == 0 then "no panels" else empty end),
      ($items | group_by(.id)[] | select(length > 1) | "panel id \(.[0].id) used \(length) times"),
      ($panels | group_by(.title)[] | select(length > 1) | "panel title \"\(.[0].title)\" used \(length) times"),
      ($items[] | select((.gridPos | type) != "object" or ([.gridPos.x, .gridPos.y, .gridPos.w, .gridPos.h] | map(type == "number") | all | not)
                         or .gridPos.x + .gridPos.w > 24)
       | "panel \"\(.title)\": bad gridPos \(.gridPos)"),
      ([range(0; $items | length) as $i | range($i + 1; $items | length) as $j
        | select(overlaps($items[$i]; $items[$j])) | "panels \"\($items[$i].title)\" and \"\($items[$j].title)\" overlap"][]),
      ($panels[] | . as $p
       | (if (["timeseries", "stat", "table", "state-timeline", "bargauge", "heatmap", "gauge"] | index($p.type)) == null
          then "panel \"\($p.title)\": unexpected type \($p.type)" else empty end),
         (if ($p.title // "") == "" then "panel \($p.id): no title" else empty end),
         (if ($p.description // "") == "" then "panel \"\($p.title)\": no description" else empty end),
         (if $p.datasource != {"type": "prometheus", "uid": "${datasource}"}
          then "panel \"\($p.title)\": datasource must be {type: prometheus, uid: ${datasource}}" else empty end),
         (if ($p.targets // []) | length == 0 then "panel \"\($p.title)\": no queries" else empty end),
         (($p.targets // []) | group_by(.refId)[] | select(length > 1) | "panel \"\($p.title)\": refId \(.[0].refId) used twice"),
         (($p.targets // [])[] | . as $t
          | (if ($t.expr // "") == "" then "panel \"\($p.title)\" \($t.refId): empty expr" else empty end),
            (if $t.datasource != null and $t.datasource.uid != "${datasource}"
             then "panel \"\($p.title)\" \($t.refId): query datasource is not ${datasource}" else empty end),
            (($t.expr // "") | var_refs[] | select(($vars | index(.)) == null)
             | "panel \"\($p.title)\" \($t.refId): unknown variable $\(.)"))),
      ($d.templating.list[]? | select(.type == "query") | . as $v
       | (if ($v.definition // "") | test("^label_values\\(.+, *[A-Za-z_][A-Za-z0-9_]*\\)$") | not
          then "variable \($v.name): query is not label_values(selector, label)" else empty end),
         (if $v.datasource != {"type": "prometheus", "uid": "${datasource}"}
          then "variable \($v.name): datasource must be ${datasource}" else empty end),
         (($v.definition // "") | var_refs[] | select(($vars | index(.)) == null)
          | "variable \($v.name): unknown variable $\(.)"))
    ]
  | .[];

# One line per query: panel title, refId, expression on one line (tab separated).
def queries:
  all_panels[] | . as $p | .targets[]? | select(.expr)
  | [$p.title, .refId, (.expr | gsub("[\\n\\t]+"; " "))] | @tsv;

# One line per query variable: name, selector, label.
def variable_queries:
  .templating.list[]? | select(.type == "query")
  | (.definition | capture("^label_values\\((?<sel>.+), *(?<label>[A-Za-z_][A-Za-z0-9_]*)\\)$")) as $c
  | [.name, $c.sel, $c.label] | @tsv;

def panel_titles: all_panels[] | .title;
