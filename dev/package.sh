#!/usr/bin/env bash
# make package: dist/membership_dues-<version>.zip, the addon as a user installs
# it, from `git archive` of a commit (default HEAD; uncommitted changes are not
# in it): one folder membership_dues/ holding what Odoo loads, without the
# development files that .gitattributes marks export-ignore.
#
#   bash dev/package.sh [COMMIT] [OUT_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
commit="${1:-HEAD}"
out="${2:-$root/dist}"
version=$(git -C "$root" show "$commit:__manifest__.py" \
    | python3 -c 'import ast, sys; print(ast.literal_eval(sys.stdin.read())["version"])')
mkdir -p "$out"
zip="$out/membership_dues-$version.zip"
git -C "$root" archive --format=zip --prefix=membership_dues/ -o "$zip" "$commit"
echo "$zip"
