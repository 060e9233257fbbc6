# shellcheck shell=bash
# Shared setup for the two project commands (dev/run.sh and dev/test.sh).
# Sourced, never executed. Everything it creates lives outside the repository,
# under $MD_HOME (default ~/.cache/membership_dues), so a fresh clone reuses it.

set -euo pipefail

MD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_PATH="${ODOO_PATH:-/opt/odoo}"
MD_HOME="${MD_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/membership_dues}"
MD_PYTHON="${MD_PYTHON:-python3}"
# The addon's technical name never comes from the clone's folder name.
MD_MODULE="membership_dues"

say() { printf '\033[1m[membership_dues]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[membership_dues] error:\033[0m %s\n' "$*" >&2; exit 2; }

check_odoo() {
    local release="$ODOO_PATH/odoo/release.py"
    if [ ! -f "$ODOO_PATH/odoo-bin" ] || [ ! -f "$release" ]; then
        die "no Odoo source tree at ODOO_PATH=$ODOO_PATH (odoo-bin or odoo/release.py is missing).
  Get Odoo 19.0 Community there, for example:
      git clone --depth 1 --branch 19.0 https://github.com/odoo/odoo.git $ODOO_PATH
  or point ODOO_PATH at an existing 19.0 tree."
    fi
    if ! grep -Eq "^version_info = \(19, 0," "$release"; then
        die "ODOO_PATH=$ODOO_PATH holds $(grep -E '^version_info' "$release" || echo 'an unknown version'),
  but this addon needs Odoo 19.0. Get it with:
      git clone --depth 1 --branch 19.0 https://github.com/odoo/odoo.git <dir>
  and set ODOO_PATH=<dir>."
    fi
    if [ -e "$ODOO_PATH/odoo/enterprise" ]; then
        die "ODOO_PATH=$ODOO_PATH contains odoo/enterprise: this project runs on Odoo Community only."
    fi
}

# --- Debian packages -------------------------------------------------------
MD_DEB_PACKAGES=(libldap2-dev libsasl2-dev libpq-dev wkhtmltopdf poppler-utils chromium fonts-dejavu-core)

ensure_debian_packages() {
    command -v dpkg-query >/dev/null 2>&1 || { say "not a Debian system: install ${MD_DEB_PACKAGES[*]} yourself"; return 0; }
    local missing=() pkg
    for pkg in "${MD_DEB_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    say "installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# --- Python virtualenv -----------------------------------------------------
# Keyed on the requirement files, so a change of either rebuilds it.
venv_dir() {
    local key
    key=$(cat "$ODOO_PATH/requirements.txt" "$MD_ROOT/dev/requirements.txt" | sha1sum | cut -c1-12)
    echo "$MD_HOME/venv-$key"
}

ensure_venv() {
    VENV="$(venv_dir)"
    if [ -x "$VENV/bin/python" ] && [ -f "$VENV/.complete" ]; then
        return 0
    fi
    say "creating virtualenv $VENV (Odoo's requirements + dev/requirements.txt)"
    rm -rf "$VENV"
    mkdir -p "$MD_HOME"
    "$MD_PYTHON" -m venv "$VENV"
    local log="$MD_HOME/venv-install.log"
    # cbor2 (pinned by Odoo) does not build with today's setuptools.
    local constraint="$MD_HOME/build-constraints.txt"
    echo 'setuptools<70' >"$constraint"
    if ! { "$VENV/bin/python" -m pip install --upgrade pip \
            && "$VENV/bin/python" -m pip install --build-constraint "$constraint" \
                -r "$ODOO_PATH/requirements.txt" -r "$MD_ROOT/dev/requirements.txt"; } >"$log" 2>&1; then
        grep -v "is ignored: it is neither" "$log" | tail -n 30 >&2
        die "installing the virtualenv failed (full log: $log)"
    fi
    touch "$VENV/.complete"
}

# --- Lint virtualenv (pre-commit and OCA's checks) ---------------------------
# A small virtualenv of its own, keyed on dev/lint-requirements.txt: OCA's
# module checks pin a polib that Odoo's requirements pin differently, so they
# cannot share the main one. ruff and pylint-odoo stay in the main virtualenv.
ensure_lint_venv() {
    local key
    key=$(cat "$MD_ROOT/dev/lint-requirements.txt" | sha1sum | cut -c1-12)
    LINT_VENV="$MD_HOME/lint-venv-$key"
    # pre-commit's own cache: only local hooks are configured, so it fetches nothing
    export PRE_COMMIT_HOME="$MD_HOME/pre-commit"
    if [ -x "$LINT_VENV/bin/pre-commit" ] && [ -f "$LINT_VENV/.complete" ]; then
        return 0
    fi
    say "creating the lint virtualenv $LINT_VENV (dev/lint-requirements.txt)"
    rm -rf "$LINT_VENV"
    mkdir -p "$MD_HOME"
    "$MD_PYTHON" -m venv "$LINT_VENV"
    local log="$MD_HOME/lint-venv-install.log"
    if ! { "$LINT_VENV/bin/python" -m pip install --upgrade pip \
            && "$LINT_VENV/bin/python" -m pip install -r "$MD_ROOT/dev/lint-requirements.txt"; } >"$log" 2>&1; then
        grep -v "is ignored: it is neither" "$log" | tail -n 30 >&2
        die "installing the lint virtualenv failed (full log: $log)"
    fi
    touch "$LINT_VENV/.complete"
}

# --- Node tools (XML/JS formatting) ---------------------------------------------
MD_NODE_PACKAGES=("prettier@3.10.1" "@prettier/plugin-xml@3.4.2")

ensure_node_tools() {
    if ! command -v npm >/dev/null 2>&1; then
        command -v apt-get >/dev/null 2>&1 || die "npm is missing: install Node.js 18+ with npm"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        say "installing Debian packages: nodejs npm"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm >/dev/null
    fi
    local key
    key=$(printf '%s\n' "${MD_NODE_PACKAGES[@]}" | sha1sum | cut -c1-12)
    NODE_TOOLS="$MD_HOME/node-$key"
    if [ ! -f "$NODE_TOOLS/.complete" ]; then
        say "installing ${MD_NODE_PACKAGES[*]} into $NODE_TOOLS"
        mkdir -p "$NODE_TOOLS"
        (cd "$NODE_TOOLS" && npm install --silent --no-audit --no-fund "${MD_NODE_PACKAGES[@]}" >/dev/null) \
            || die "npm install of ${MD_NODE_PACKAGES[*]} failed"
        touch "$NODE_TOOLS/.complete"
    fi
    PRETTIER=("$NODE_TOOLS/node_modules/.bin/prettier" "--plugin=$NODE_TOOLS/node_modules/@prettier/plugin-xml/src/plugin.js")
}

# --- PostgreSQL --------------------------------------------------------------
ensure_postgres() {
    if psql -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
        return 0
    fi
    if command -v pg_ctlcluster >/dev/null 2>&1; then
        local version
        version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
        if [ -n "$version" ]; then
            say "starting PostgreSQL cluster $version/main"
            pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
                || pg_ctlcluster "$version" main start || true
        fi
    fi
    if ! psql -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
        local me
        me=$(id -un)
        if [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1; then
            say "creating PostgreSQL role $me"
            su postgres -c "psql -qc 'CREATE ROLE \"$me\" SUPERUSER LOGIN'" >/dev/null 2>&1 || true
        fi
    fi
    psql -d postgres -Atqc 'select 1' >/dev/null 2>&1 \
        || die "PostgreSQL does not answer for role $(id -un) on the local socket; start it and create the role:
      pg_ctlcluster <version> main start
      su postgres -c \"psql -c 'CREATE ROLE $(id -un) SUPERUSER LOGIN'\""
    [ "$(id -un)" != "postgres" ] || die "Odoo refuses to run as the PostgreSQL role 'postgres'; use another OS user."
}

# --- Addons path -----------------------------------------------------------
# The checkout is linked as <dir>/membership_dues, one dir per checkout so that
# two clones (a developer's and CI's) never step on each other.
ensure_addons_link() {
    local key
    key=$(printf '%s' "$MD_ROOT" | sha1sum | cut -c1-12)
    MD_ADDONS_DIR="$MD_HOME/addons/$key"
    mkdir -p "$MD_ADDONS_DIR"
    ln -sfn "$MD_ROOT" "$MD_ADDONS_DIR/$MD_MODULE"
    ADDONS_PATH="$ODOO_PATH/addons,$ODOO_PATH/odoo/addons,$MD_ADDONS_DIR"
}

free_port() {
    "$VENV/bin/python" - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# Modules the addon depends on, read from the manifest (one comma list).
manifest_depends() {
    "$VENV/bin/python" - "$MD_ROOT/__manifest__.py" <<'EOF'
import ast, sys
manifest = ast.literal_eval(open(sys.argv[1], encoding="utf-8").read())
print(",".join(manifest["depends"]))
EOF
}

odoo_bin() {
    "$VENV/bin/python" "$ODOO_PATH/odoo-bin" "$@"
}

db_exists() {
    [ "$(psql -d postgres -Atqc "select 1 from pg_database where datname = '$1'")" = "1" ]
}

setup_all() {
    check_odoo
    ensure_debian_packages
    ensure_venv
    ensure_postgres
    ensure_addons_link
}

# --- Template database -------------------------------------------------------
# A database holding only the addon's Odoo dependencies (plus $1, extra
# modules) and the languages the addon is translated into, built once and
# cloned by createdb -T in well under a second. Sets TEMPLATE and TEMPLATE_DATA.
# en_US first: the first language loaded at creation becomes the default one.
MD_LANGUAGES="en_US,fr_FR,nl_NL"

ensure_template() {
    local extra="${1:-}" log="${2:-$MD_HOME/template.log}"
    local deps tmpl_key building
    deps="$(manifest_depends)${extra:+,$extra}"
    tmpl_key=$( { echo "$deps $MD_LANGUAGES"; cat "$ODOO_PATH/odoo/release.py"; ls "$ODOO_PATH/addons"; } | sha1sum | cut -c1-10)
    TEMPLATE="md_tmpl_$tmpl_key"
    TEMPLATE_DATA="$MD_HOME/data-templates"
    db_exists "$TEMPLATE" && return 0
    say "building template database $TEMPLATE with: $deps and $MD_LANGUAGES (once, about two minutes)"
    building="${TEMPLATE}_building_$$"
    odoo_bin -d "$building" --addons-path="$ADDONS_PATH" --data-dir="$TEMPLATE_DATA" \
        -i "$deps" --load-language="$MD_LANGUAGES" --stop-after-init --max-cron-threads=0 \
        --http-interface=127.0.0.1 --http-port="$(free_port)" --log-level=warn \
        >"$log" 2>&1 || { tail -n 40 "$log" >&2; die "building the template database failed (log: $log)"; }
    if psql -d postgres -qc "ALTER DATABASE \"$building\" RENAME TO \"$TEMPLATE\"" 2>/dev/null; then
        if [ -d "$TEMPLATE_DATA/filestore/$building" ]; then
            mv "$TEMPLATE_DATA/filestore/$building" "$TEMPLATE_DATA/filestore/$TEMPLATE"
        fi
    else
        # another run built the same template meanwhile: use theirs
        dropdb --if-exists --force "$building"
        rm -rf "$TEMPLATE_DATA/filestore/$building"
        db_exists "$TEMPLATE" || die "could not create the template database $TEMPLATE"
    fi
}

# The demo served by `make run` (dev/screenshots.sh, dev/documents.sh):
# sets URL and DB, dies when nothing answers.
require_demo_server() {
    URL="http://127.0.0.1:${MD_PORT:-8069}"
    DB="${MD_DB:-membership_dues_demo}"
    curl -sf -o /dev/null "$URL/web/login?db=$DB" || die "nothing answers on $URL: run 'make run' first"
}

# A fresh database cloned from the template, with its filestore: clone_template NAME DATA_DIR
clone_template() {
    local db="$1" data="$2"
    createdb -T "$TEMPLATE" "$db"
    mkdir -p "$data/filestore"
    if [ -d "$TEMPLATE_DATA/filestore/$TEMPLATE" ]; then
        cp -r "$TEMPLATE_DATA/filestore/$TEMPLATE" "$data/filestore/$db"
    fi
}

# --- OCA addons from PyPI -----------------------------------------------------
# ensure_oca_addon NAME VERSION_SPEC: the OCA addon NAME, from the wheel
# odoo-addon-NAME<VERSION_SPEC> on PyPI, downloaded once and unzipped into
# $MD_HOME/oca/NAME (a wheel is a zip; the addon is under odoo/addons/NAME).
# Never pip-installed: the wheel requires an `odoo` distribution that does not
# exist here. Sets OCA_ADDONS to the folder to add to --addons-path; returns 1
# (after saying why) when it cannot be had.
ensure_oca_addon() {
    local name="$1" spec="$2" dir="$MD_HOME/oca/$1" tmp
    OCA_ADDONS="$dir/odoo/addons"
    [ -f "$OCA_ADDONS/$name/__manifest__.py" ] && return 0
    say "downloading OCA $name ($spec) from PyPI into $dir"
    mkdir -p "$MD_HOME/oca"
    tmp=$(mktemp -d "$MD_HOME/oca/.$name.XXXXXX")
    if "$VENV/bin/python" -m pip download --no-deps "odoo-addon-$name$spec" -d "$tmp/wheels" >"$tmp/pip.log" 2>&1 \
        && (cd "$tmp" && "$VENV/bin/python" -m zipfile -e wheels/*.whl .) \
        && [ -f "$tmp/odoo/addons/$name/__manifest__.py" ]; then
        # a broken copy is replaced; one another run completed meanwhile is kept
        [ -f "$OCA_ADDONS/$name/__manifest__.py" ] || rm -rf "$dir"
        mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
        return 0
    fi
    grep -v "is ignored: it is neither" "$tmp/pip.log" | tail -n 5 >&2 || true
    rm -rf "$tmp"
    say "OCA $name ($spec) could not be downloaded from PyPI"
    return 1
}

# ensure_oca_pydeps REQUIREMENT...: Python packages that OCA addons declare
# (external_dependencies) and the project's virtualenv lacks, installed once
# without their dependencies into $MD_HOME/oca/python (not into the
# virtualenv, keyed on the requirement files). Sets OCA_PYTHONPATH to that
# folder, for PYTHONPATH; returns 1 (after saying why) when they cannot be had.
ensure_oca_pydeps() {
    local dir="$MD_HOME/oca/python" stamp
    OCA_PYTHONPATH="$dir"
    stamp="$dir/.installed-$(printf '%s ' "$@" | sha1sum | cut -c1-12)"
    [ -f "$stamp" ] && return 0
    say "installing $* into $dir (for the OCA addons)"
    mkdir -p "$dir"
    if "$VENV/bin/python" -m pip install -q --no-deps --upgrade --target "$dir" "$@" >"$MD_HOME/oca/python.log" 2>&1; then
        touch "$stamp"
        return 0
    fi
    tail -n 5 "$MD_HOME/oca/python.log" >&2 || true
    say "could not install $* for the OCA addons"
    return 1
}
