#!/usr/bin/env bash
# The hooks of .pre-commit-config.yaml: `bash dev/hook.sh TOOL [ARGS] [FILES]`.
# Every tool comes from the project's virtualenvs (dev/requirements.txt, the
# lint one of dev/lint-requirements.txt) or its npm folder, set up on first
# use: pre-commit itself never fetches anything. Run from the repository root.
source "$(dirname "$0")/lib.sh"
check_odoo
ensure_venv
tool="${1:?usage: dev/hook.sh TOOL [ARGS] [FILES]}"
shift
cd "$MD_ROOT"

# The checkout's tracked and new files copied into <tmp>/membership_dues: OCA's
# module checks find the addon from a manifest in a sub-folder of the repository
# and take its name from that folder (here the repository root is the addon and
# may be cloned under any name). Prints the copy's parent folder.
module_copy() {
    local copy
    copy=$(mktemp -d "${TMPDIR:-/tmp}/md-lint.XXXXXX")
    mkdir "$copy/$MD_MODULE"
    git ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done \
        | xargs -0 -r cp --parents -t "$copy/$MD_MODULE"
    git -C "$copy" init -q
    echo "$copy"
}

case "$tool" in
    ruff)  # lint, fixing what it safely can (fails when it fixed something)
        exec "$VENV/bin/ruff" check --no-cache --fix --exit-non-zero-on-fix "$@" ;;
    ruff-format)
        exec "$VENV/bin/ruff" format --no-cache "$@" ;;
    pylint-odoo)  # RCFILE [ARGS]: the whole addon, from the linked copy (pylint-odoo reads the module name from the folder)
        rcfile="$1"
        shift
        ensure_addons_link
        cd "$MD_ADDONS_DIR"
        exec "$VENV/bin/pylint" --rcfile="$MD_ROOT/$rcfile" "$@" "$MD_MODULE" ;;
    prettier)
        ensure_node_tools
        exec "${PRETTIER[@]}" "$@" ;;
    oca-checks-odoo-module)  # [--fix] the whole addon
        ensure_lint_venv
        copy=$(module_copy)
        trap 'rm -rf "$copy"' EXIT
        set +e
        (cd "$copy" && "$LINT_VENV/bin/oca-checks-odoo-module" "$@" "$MD_MODULE/__manifest__.py") \
            | sed "s#^$MD_MODULE/##"
        rc=${PIPESTATUS[0]}
        set -e
        if [[ " $* " == *" --fix "* ]]; then  # bring the fixed files back
            while IFS= read -r -d '' f; do
                cmp -s "$copy/$MD_MODULE/$f" "$f" || cp "$copy/$MD_MODULE/$f" "$f"
            done < <(git ls-files -z --cached --others --exclude-standard)
        fi
        exit "$rc" ;;
    oca-checks-po)
        ensure_lint_venv
        exec "$LINT_VENV/bin/oca-checks-po" "$@" ;;
    pre-commit-hooks)  # NAME [ARGS]: one of the pre-commit-hooks package's checks
        ensure_lint_venv
        name="$1"
        shift
        exec "$LINT_VENV/bin/$name" "$@" ;;
    readme)  # README.rst from readme/ (dev/gen_readme.py)
        exec "$VENV/bin/python" dev/gen_readme.py "$@" ;;
    *) die "unknown hook tool $tool" ;;
esac
