#!/usr/bin/env bash
# Runs README.md's "The main job" commands exactly as written there, so README cannot drift from
# what works: the first `bazel run //services:edgellm_server ...` command starts in the background,
# then every other command of that block runs in order once the server answers. A command followed
# by a `#   text ...` comment line must print that text (the part before "...") on its stdout.
# Prints one line per command and exits non-zero on the first failure (server log shown).
#
#   bash tools/check_readme_main_job.sh      # from anywhere; needs ../shared beside the checkout
set -uo pipefail
cd "$(dirname "$0")/.."

fail() { echo "readme main job: FAILED: $*"; exit 1; }

# The ```sh block under "## The main job", with `\` continuations joined: one line per command;
# expected-output comments come out as "EXPECT <text>".
mapfile -t lines < <(awk '
  /^## The main job/ { sec = 1; next }
  sec && /^## / { exit }
  sec && /^```sh/ { blk = 1; next }
  blk && /^```/ { exit }
  blk {
    if (cmd != "") { sub(/^[ \t]+/, " "); cmd = cmd $0 } else if ($0 ~ /^#   /) {
      t = substr($0, 5); sub(/ *\.\.\.$/, "", t); print "EXPECT " t; next
    } else if ($0 ~ /^#/ || $0 ~ /^[ \t]*$/) { next } else { cmd = $0 }
    if (cmd ~ /\\$/) { sub(/\\$/, "", cmd); next }
    print "CMD " cmd; cmd = ""
  }' README.md)
[[ ${#lines[@]} -gt 0 ]] || fail "no \`\`\`sh block under '## The main job' in README.md"

server_cmd="" cmds=() expects=()
for l in "${lines[@]}"; do
  if [[ $l == "CMD "* ]]; then
    c=${l#CMD }
    if [[ -z $server_cmd && $c == "bazel run //services:edgellm_server"* ]]; then
      server_cmd=$c
    else
      cmds+=("$c") expects+=("")
    fi
  elif [[ $l == "EXPECT "* && ${#cmds[@]} -gt 0 ]]; then
    expects[${#cmds[@]}-1]=${l#EXPECT }
  fi
done
[[ -n $server_cmd ]] || fail "README's main job has no 'bazel run //services:edgellm_server' command"
[[ ${#cmds[@]} -gt 0 ]] || fail "README's main job has no client command"

log=$(mktemp "${TMPDIR:-/tmp}/edgellm-readme-server.XXXXXX")
out=$(mktemp "${TMPDIR:-/tmp}/edgellm-readme-client.XXXXXX")
server_pid=""
cleanup() {
  # the server runs in its own session: stop it and anything `bazel run` left beside it
  [[ -n $server_pid ]] && kill -- "-$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -f "$log" "$out"
}
trap cleanup EXIT

echo "readme main job: starting: $server_cmd"
setsid bash -c "exec $server_cmd" >"$log" 2>&1 </dev/null &
server_pid=$!
port=$(grep -o -- '--port=[0-9]*' <<<"$server_cmd" | cut -d= -f2)
port=${port:-50051}
for ((i = 0; i < 600; i++)); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$log"; fail "the server exited before listening"; }
  sleep 1
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { cat "$log"; fail "no server on port $port after 600 s"; }

for i in "${!cmds[@]}"; do
  c=${cmds[$i]} want=${expects[$i]}
  if ! bash -c "$c" >"$out" 2>&1 </dev/null; then
    cat "$out"; echo "--- server log:"; tail -20 "$log"; fail "$c"
  fi
  if [[ -n $want ]] && ! grep -qF -- "$want" "$out"; then
    cat "$out"; fail "$c: its output lacks README's expected text: $want"
  fi
  echo "readme main job: ok: $c${want:+ (printed: $want ...)}"
done
echo "readme main job: passed (${#cmds[@]} client commands against the server)"
