#!/usr/bin/env bash
# Replays the Dockerfile outside Docker (these machines run no Docker engine), step for step:
#   context  a clean copy of the files Docker would see (git's tracked and unignored files, nothing built)
#   build    npm ci, npm run build, npm prune --omit=dev            (Dockerfile stage "build")
#   runtime  package.json + node_modules + dist from build, fixtures + openapi from the context  (stage "runtime")
#   run      the Dockerfile's ENV (with /data mapped to a temp folder), as an unprivileged user (nobody when this
#            script runs as root; otherwise the current user), then the Dockerfile's own HEALTHCHECK command,
#            then SIGTERM and a check that the server exits 0 promptly.
# Usage: scripts/docker-smoke.sh [--workdir DIR] [--keep]
#   --workdir DIR  work in DIR (kept afterwards; test/ship.test.ts reuses its build), default a temp folder
#   --keep         keep the temp folder
# Exit status 0 and a last line "docker-smoke: ok ..." when everything passed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK=""
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --workdir) WORK="$2"; KEEP=1; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "docker-smoke: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf 'docker-smoke: %s\n' "$*"; }
die() { printf 'docker-smoke: FAILED: %s\n' "$*" >&2; exit 1; }

if [ -z "$WORK" ]; then WORK="$(mktemp -d "${TMPDIR:-/tmp}/restoresim-smoke.XXXXXX")"; fi
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -KILL "$SERVER_PID" 2>/dev/null || true; fi
  if [ "$KEEP" = 0 ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

NPM_FLAGS=(--no-audit --no-fund --loglevel=error)
DOCKERFILE="$ROOT/Dockerfile"
[ -f "$DOCKERFILE" ] || die "no Dockerfile in $ROOT"

# ---- context: a clean copy --------------------------------------------------------------------------------------
CONTEXT="$WORK/context"
rm -rf "$CONTEXT" "$WORK/build" "$WORK/runtime" "$WORK/data"
mkdir -p "$CONTEXT"
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # Tracked files and untracked ones git does not ignore (what a fresh clone plus your edits would hold).
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
    | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$CONTEXT"
  say "context: $(cd "$CONTEXT" && find . -type f | wc -l) files from git ls-files"
else
  (cd "$ROOT" && tar --exclude=./node_modules --exclude=./dist --exclude=./data --exclude=./.git -cf - .) | tar -xf - -C "$CONTEXT"
  say "context: copy of $ROOT without node_modules, dist, data"
fi

# ---- stage build ----------------------------------------------------------------------------------------------
BUILD="$WORK/build"
mkdir -p "$BUILD"
cp "$CONTEXT/package.json" "$CONTEXT/package-lock.json" "$BUILD/"
say "build: npm ci (compiles better-sqlite3 when no prebuilt binary is reachable)"
(cd "$BUILD" && npm ci "${NPM_FLAGS[@]}") || die "npm ci"
cp "$CONTEXT"/tsconfig.json "$CONTEXT"/tsconfig.build.json "$BUILD/"
cp -R "$CONTEXT/src" "$BUILD/src"
say "build: npm run build && npm prune --omit=dev"
(cd "$BUILD" && npm run build --silent && npm prune --omit=dev "${NPM_FLAGS[@]}") || die "build or prune"
say "build: trim better-sqlite3 to its compiled module"
(cd "$BUILD/node_modules/better-sqlite3" \
  && rm -rf deps src build/deps build/*.mk build/Makefile build/config.gypi \
  && find build/Release -mindepth 1 -maxdepth 1 ! -name better_sqlite3.node -exec rm -rf {} +) || die "trim"

# ---- stage runtime --------------------------------------------------------------------------------------------
RUNTIME="$WORK/runtime"
mkdir -p "$RUNTIME"
cp "$BUILD/package.json" "$RUNTIME/"
cp -R "$BUILD/node_modules" "$RUNTIME/node_modules"
cp -R "$BUILD/dist" "$RUNTIME/dist"
cp -R "$CONTEXT/fixtures" "$RUNTIME/fixtures"
cp -R "$CONTEXT/openapi" "$RUNTIME/openapi"
for dev in typescript vitest tsx @types/node; do
  [ ! -e "$RUNTIME/node_modules/$dev" ] || die "runtime holds dev dependency $dev"
done
[ -x "$RUNTIME/dist/server.js" ] || die "dist/server.js is not executable"
head -n1 "$RUNTIME/dist/server.js" | grep -q '^#!/usr/bin/env node' || die "dist/server.js has no shebang"
say "runtime: $(du -sh "$RUNTIME" | cut -f1) ($(ls "$RUNTIME/node_modules" | wc -l) top-level packages)"

# ---- run as the image would -----------------------------------------------------------------------------------
DATA="$WORK/data"
mkdir -p "$DATA"
RUNAS=()
if [ "$(id -u)" = 0 ]; then
  USER_NAME=nobody
  GROUP_NAME="$(id -gn nobody)"
  chown "$USER_NAME:$GROUP_NAME" "$DATA"
  # Every folder above the runtime must be traversable by that user (mktemp makes 0700 folders).
  d="$WORK"; while [ "$d" != "/" ]; do chmod a+x "$d" 2>/dev/null || true; d="$(dirname "$d")"; done
  chmod -R a+rX "$RUNTIME"
  if command -v setpriv >/dev/null; then
    RUNAS=(setpriv --reuid="$USER_NAME" --regid="$GROUP_NAME" --clear-groups --)
  elif command -v runuser >/dev/null; then
    RUNAS=(runuser -u "$USER_NAME" --)
  else
    die "running as root and neither setpriv nor runuser exists to drop privileges"
  fi
  say "run: as $USER_NAME:$GROUP_NAME via ${RUNAS[0]}"
else
  say "run: as the current user $(id -un) (not root, so no other user to switch to)"
fi

# The runtime stage's ENV lines (KEY=VALUE words), with the /data volume mapped to $DATA.
ENVS=()
while read -r line; do
  for kv in ${line#ENV }; do ENVS+=("${kv//\/data/$DATA}"); done
done < <(awk '/^FROM /{stage=$NF} stage=="runtime" && /^ENV /' "$DOCKERFILE")
[ ${#ENVS[@]} -gt 0 ] || die "no ENV line in the Dockerfile's runtime stage"
HEALTHCHECK="$(sed -n 's/^HEALTHCHECK .* CMD //p' "$DOCKERFILE")"
[ -n "$HEALTHCHECK" ] || die "no HEALTHCHECK ... CMD line in the Dockerfile"
case "$HEALTHCHECK" in *curl*|*wget*) die "HEALTHCHECK must use node, not curl or wget" ;; esac

# As with `docker run -e RESTORESIM_PORT=<free port>`: port 8780 may be taken on this machine.
PORT="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
ENVS+=("RESTORESIM_PORT=$PORT")
LOG="$WORK/server.log"
NODE_BIN="$(command -v node)"
(cd "$RUNTIME" && exec env -i PATH="$(dirname "$NODE_BIN"):/usr/bin:/bin" HOME=/tmp "${ENVS[@]}" \
  ${RUNAS[@]+"${RUNAS[@]}"} "$NODE_BIN" dist/server.js >"$LOG" 2>&1) &
SERVER_PID=$!
say "run: ${ENVS[*]} node dist/server.js (pid $SERVER_PID)"

for _ in $(seq 1 150); do
  grep -q '^restoresim listening on ' "$LOG" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$LOG" >&2; die "the server exited before listening"; }
  sleep 0.2
done
grep -q '^restoresim listening on ' "$LOG" || { cat "$LOG" >&2; die "no 'restoresim listening on' line within 30 s"; }
say "run: $(grep '^restoresim listening on ' "$LOG")"

say "healthcheck: $HEALTHCHECK"
(cd "$RUNTIME" && env -i PATH="$(dirname "$NODE_BIN"):/usr/bin:/bin" HOME=/tmp "${ENVS[@]}" \
  ${RUNAS[@]+"${RUNAS[@]}"} sh -c "$HEALTHCHECK") || { cat "$LOG" >&2; die "HEALTHCHECK failed"; }
[ -f "$DATA/restoresim.db" ] || die "no database file in the /data volume ($DATA)"
if [ "$(id -u)" = 0 ]; then
  [ "$(stat -c %U "$DATA/restoresim.db")" = "$USER_NAME" ] || die "the database is not owned by $USER_NAME"
fi

say "stop: SIGTERM"
kill -TERM "$SERVER_PID"
STATUS=""
for _ in $(seq 1 100); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    set +e; wait "$SERVER_PID"; STATUS=$?; set -e
    break
  fi
  sleep 0.1
done
[ -n "$STATUS" ] || { cat "$LOG" >&2; die "still running 10 s after SIGTERM"; }
SERVER_PID=""
[ "$STATUS" = 0 ] || { cat "$LOG" >&2; die "exit status $STATUS after SIGTERM"; }
grep -q '"msg":"shutting down"' "$LOG" || { cat "$LOG" >&2; die "no shutdown log line"; }
# Logs are pino JSON on stdout (not a TTY here): every line but the URL line parses as JSON.
grep -v '^restoresim listening on ' "$LOG" | node -e "
  const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter(Boolean);
  for (const l of lines) { try { JSON.parse(l); } catch { console.error('not JSON: ' + l); process.exit(1); } }
" || die "a log line is not JSON"

say "ok (built, pruned, ran as ${USER_NAME:-$(id -un)}, healthy, stopped cleanly; work folder $WORK$([ "$KEEP" = 1 ] && echo ' kept' || echo ' removed'))"
