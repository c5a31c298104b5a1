#!/usr/bin/env bats
# config.json's annotations kept with the container (oci/state.c, src/cli/list.c): in `state` and
# `list --format json`, byte for byte as runc writes them, for the container's whole life.

load helpers

setup() {
  requires root
  setup_bundle
}

teardown() {
  teardown_bundle
}

# Keys out of order, an empty value, characters Go escapes (<, >, &, U+2028), quotes, a backslash,
# and UTF-8 it keeps.
ANNOTATIONS='{"org.example.b": "v<&>\u2028é", "org.example.a": "", "c": "x\"y\\z"}'

@test "state: the annotations sorted by key and escaped as Go's encoding/json does" {
  update_config ".annotations = $ANNOTATIONS"
  set_args sleep 1000
  create_container "$ID"
  run skiff state "$ID"
  assert_success
  # the block as runc prints it: two-space indent, sorted keys, HTML-safe escapes
  local want
  want=$(printf '%s\n' '  "annotations": {' '    "c": "x\"y\\z",' '    "org.example.a": "",' \
    '    "org.example.b": "v\u003c\u0026\u003e\u2028é"' '  },')
  [[ $output == *"$want"* ]] || fail "annotations block differs from runc's: $output"
  echo "$output" | jq -e --argjson a "$ANNOTATIONS" '.annotations == $a'
  skiff delete --force "$ID"
}

@test "list --format json: each container with its own annotations, none without" {
  local a b
  a=$(new_id)
  b=$(new_id)
  set_args sleep 1000
  update_config ".annotations = $ANNOTATIONS"
  create_container "$a"
  update_config 'del(.annotations)'
  create_container "$b"

  run skiff list --format json
  assert_success
  echo "$output" | jq -e --arg a "$a" --arg b "$b" --argjson ann "$ANNOTATIONS" '
    (map(select(.id == $a))[0].annotations == $ann)
    and (map(select(.id == $b))[0] | has("annotations") | not)'
  # the same bytes as state writes, compact
  [[ $output == *'"annotations":{"c":"x\"y\\z","org.example.a":"","org.example.b":"v\u003c\u0026\u003e\u2028é"}'* ]] ||
    fail "list's annotations differ from runc's: $output"
  skiff delete --force "$a"
  skiff delete --force "$b"
}

@test "annotations: kept through start and after the process exits" {
  local shared
  shared=$(shared_dir)
  update_config ".annotations = $ANNOTATIONS"
  set_args sh -c 'touch /shared/ready; while [ ! -e /shared/stop ]; do sleep 0.05; done'
  create_container "$ID"
  skiff start "$ID"
  wait_for_file "$shared/ready"
  run skiff state "$ID"
  echo "$output" | jq -e --argjson a "$ANNOTATIONS" '.status == "running" and .annotations == $a'
  touch "$shared/stop"
  wait_for_status "$ID" stopped
  run skiff state "$ID"
  echo "$output" | jq -e --argjson a "$ANNOTATIONS" '.status == "stopped" and .annotations == $a'
  run skiff list --format json
  echo "$output" | jq -e --argjson a "$ANNOTATIONS" '.[0].status == "stopped" and .[0].annotations == $a'
  skiff delete "$ID"
}

@test "annotations: taken at create; editing config.json afterwards changes nothing" {
  update_config '.annotations = {"org.example.phase": "created"}'
  set_args sleep 1000
  create_container "$ID"
  update_config '.annotations = {"org.example.phase": "edited"}'
  skiff start "$ID"
  run skiff state "$ID"
  echo "$output" | jq -e '.annotations == {"org.example.phase": "created"}'
  skiff delete --force "$ID"
}

@test "annotations: many, with long values, all kept in order" {
  local json
  json=$(jq -n '[range(200) | {key: "org.example.k\(. | tostring | ("000" + .)[-3:])",
    value: ("v" * 300 + (. | tostring))}] | from_entries')
  update_config '.annotations = $a' --argjson a "$json"
  set_args sleep 1000
  create_container "$ID"
  run skiff state "$ID"
  assert_success
  echo "$output" | jq -e --argjson a "$json" '.annotations == $a and (.annotations | keys_unsorted == (keys | sort))'
  skiff delete --force "$ID"
}
