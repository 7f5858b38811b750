# shellcheck shell=bash disable=SC2034
# Shared helpers for scripts/test, scripts/test-crm and scripts/demo.
# Source it; do not run it. Everything is computed relative to the repo so no
# machine-specific path is ever written down.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ADDON=pharmacy_lead_alignment

# PostgreSQL connection and the Python that has Odoo 18.0: what
# setup_environment finds (scripts/bootstrap.py), from PGHOST/PGPORT/PGUSER when
# they are set; until then the defaults below.
PG_HOST="${PGHOST:-127.0.0.1}"
PG_PORT="${PGPORT:-5432}"
PG_USER="${PGUSER:-$(id -un)}"
PG_ARGS=(-h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER")
PYTHON="${PYTHON:-python3}"

# Odoo expects its server to run in UTC (odoo-bin sets this too).
export TZ=UTC

# Run Odoo with the interpreter setup_environment chose.
odoo_cmd() {
    "$PYTHON" -m odoo "$@"
}

# Print one sentence on stderr and exit 1.
die() {
    echo "$*" >&2
    exit 1
}

# setup_environment demo|test: bring what is missing (Odoo 18.0 in a Python,
# PostgreSQL answering, the database role; see scripts/bootstrap.py), say
# what optional part is skipped, and use what it found. Quick when all is in
# place; one clear sentence and exit 1 when something cannot be done here.
setup_environment() {
    command -v python3 >/dev/null 2>&1 ||
        die "python3 is not on PATH: install Python 3.10 or newer (e.g. sudo apt-get install -y python3 python3-venv), then run again."
    local assignments
    assignments="$(python3 "$REPO_ROOT/scripts/bootstrap.py" --for "$1")" || exit 1
    eval "$assignments"
    export PGHOST PGPORT PGUSER
    PG_HOST="$PGHOST"
    PG_PORT="$PGPORT"
    PG_USER="$PGUSER"
    PG_ARGS=(-h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER")
}

# Comma-separated addons path: this repo (holds the addon folder) followed by
# Odoo's own addon directories, found next to the installed `odoo` package.
addons_path() {
    local odoo_dirs
    odoo_dirs="$("$PYTHON" - <<'PY'
import os
import odoo

pkg = os.path.dirname(os.path.abspath(odoo.__file__))
candidates = [os.path.join(os.path.dirname(pkg), "addons"), os.path.join(pkg, "addons")]
print(",".join(p for p in candidates if os.path.isdir(p)))
PY
)"
    echo "$REPO_ROOT${odoo_dirs:+,$odoo_dirs}"
}

# write_config FILE DATA_DIR: an Odoo config for this repo's addons.
write_config() {
    cat >"$1" <<CONF
[options]
db_host = $PG_HOST
db_port = $PG_PORT
db_user = $PG_USER
db_password = False
addons_path = $(addons_path)
data_dir = $2
list_db = False
CONF
}

# db_exists NAME: true when the database exists.
db_exists() {
    [ "$(psql "${PG_ARGS[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'")" = "1" ]
}

# module_state DB MODULE: the module's state in ir_module_module, or nothing.
module_state() {
    psql "${PG_ARGS[@]}" -d "$1" -tAc \
        "SELECT state FROM ir_module_module WHERE name = '$2'" 2>/dev/null || true
}

# check_odoo_log FILE: fail when Odoo logged an ERROR or CRITICAL line (Odoo
# may exit 0 after a module failed to load).
# Odoo's log lines read "2025-01-31 12:00:00,123 4242 ERROR db logger: ...".
ODOO_ERROR_LINE='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:,]+ [0-9]+ (ERROR|CRITICAL) '
check_odoo_log() {
    if grep -E "$ODOO_ERROR_LINE" "$1" >/dev/null; then
        echo "Odoo logged errors:" >&2
        grep -E "$ODOO_ERROR_LINE" "$1" | head -20 >&2
        return 1
    fi
}

# ---------------------------------------------------------------------------
# Throwaway test database, used by scripts/test and scripts/test-crm.

# step NAME: announce a step; on failure the EXIT trap names it.
STEP="starting"
step() {
    STEP="$1"
    printf '\n==> %s\n' "$STEP"
}

# start_throwaway_db SCRIPT_NAME: create a temporary folder holding an Odoo
# config ($CONF) and the filestore, and an empty database ($DB). An EXIT trap
# drops both whatever happens and prints which step failed.
start_throwaway_db() {
    SCRIPT_NAME="$1"
    TMP_DIR="$(mktemp -d "${TMPDIR:-/tmp}/pla_test.XXXXXX")"
    DB="pla_test_$$_${RANDOM}"
    CONF="$TMP_DIR/odoo.conf"
    DB_CREATED=""
    trap _throwaway_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    write_config "$CONF" "$TMP_DIR/data"
    step "creating the throwaway database $DB"
    createdb "${PG_ARGS[@]}" -T template0 -E UTF8 "$DB"
    DB_CREATED=1
}

_throwaway_cleanup() {
    local rc=$?
    trap - EXIT
    if [ -n "${DB_CREATED:-}" ]; then
        dropdb "${PG_ARGS[@]}" --if-exists --force "$DB" >/dev/null 2>&1 ||
            echo "warning: could not drop the database $DB" >&2
        dropdb "${PG_ARGS[@]}" --if-exists --force "${DB}_demo" >/dev/null 2>&1 || true
        dropdb "${PG_ARGS[@]}" --if-exists --force "${DB}_cycle" >/dev/null 2>&1 || true
        rm -rf "${HOME:-/nonexistent}/.local/share/Odoo/filestore/${DB}_cycle"
        rm -rf "${HOME:-/nonexistent}/.local/share/Odoo/filestore/${DB}_demo"
    fi
    [ -n "${TMP_DIR:-}" ] && rm -rf "$TMP_DIR"
    [ -n "${DB:-}" ] && rm -rf "${HOME:-/nonexistent}/.local/share/Odoo/filestore/$DB"
    if [ "$rc" -ne 0 ]; then
        echo "$SCRIPT_NAME: FAILED at step: $STEP (exit code $rc)" >&2
    fi
    exit "$rc"
}

# install_modules MODULES: install (comma-separated) modules without demo data
# into $DB; fails on a non-zero exit or on any ERROR/CRITICAL log line.
install_modules() {
    local log="$TMP_DIR/install.log"
    odoo_cmd -c "$CONF" -d "$DB" -i "$1" --stop-after-init --without-demo=all \
        --log-level=warn 2>&1 | tee "$log"
    check_odoo_log "$log"
}

# install_demo: install the module WITH its demo data into a second throwaway
# database (${DB}_demo, dropped by the same trap), as scripts/demo does; fails
# on a non-zero exit, on any ERROR/CRITICAL log line or when the demo is not
# what it should be (scripts/check_demo.py: demo loaded, company in RUB, users
# in Russian at their home actions).
install_demo() {
    local log="$TMP_DIR/install_demo.log"
    createdb "${PG_ARGS[@]}" -T template0 -E UTF8 "${DB}_demo"
    odoo_cmd -c "$CONF" -d "${DB}_demo" -i "$ADDON" --stop-after-init \
        --log-level=warn 2>&1 | tee "$log"
    check_odoo_log "$log"
    "$PYTHON" "$REPO_ROOT/scripts/check_demo.py" --config "$CONF" --database "${DB}_demo"
}

# install_cycle: in a third throwaway database (${DB}_cycle), stock CRM with
# leads, then the module installed, upgraded twice and uninstalled; the
# leads are checked after each step by scripts/check_install_cycle.py.
install_cycle() {
    local db="${DB}_cycle" log="$TMP_DIR/cycle.log" state="$TMP_DIR/cycle.json"
    local check=("$PYTHON" "$REPO_ROOT/scripts/check_install_cycle.py" --config "$CONF"
        --database "$db" --state "$state" --phase)
    createdb "${PG_ARGS[@]}" -T template0 -E UTF8 "$db"
    odoo_cmd -c "$CONF" -d "$db" -i crm --stop-after-init --without-demo=all \
        --log-level=warn >"$log" 2>&1 || { cat "$log"; return 1; }
    "${check[@]}" seed
    odoo_cmd -c "$CONF" -d "$db" -i "$ADDON" --stop-after-init --without-demo=all \
        --log-level=warn >>"$log" 2>&1 || { cat "$log"; return 1; }
    "${check[@]}" installed
    for _upgrade in 1 2; do
        odoo_cmd -c "$CONF" -d "$db" -u "$ADDON" --stop-after-init \
            --log-level=warn >>"$log" 2>&1 || { cat "$log"; return 1; }
        "${check[@]}" upgraded
    done
    "${check[@]}" uninstall >>"$log" 2>&1 || { cat "$log"; return 1; }
    "${check[@]}" uninstalled
    check_odoo_log "$log"
}

# run_crm_tests: Odoo's own crm tests in $DB, against the full registry
# (see scripts/run_odoo_tests.py for why not `odoo --test-tags /crm`).
run_crm_tests() {
    "$PYTHON" "$REPO_ROOT/scripts/run_odoo_tests.py" --config "$CONF" --database "$DB" \
        --module crm
}
