#!/usr/bin/env bash
# Vendor the front-end packages coachcare serves itself, so users need no Node.js.
#
# Fetches pinned versions with the ordinary npm client (`npm pack`, from the registry npm is
# configured to use), copies only the files the templates load plus each package's licence into
# src/coachcare/static/vendor/<package>/, and writes src/coachcare/static/vendor/VERSIONS.md.
# Idempotent: running it again with the same pins gives the same files.
#
# Which files: the Utrecht component classes (dist/index.css); the voorbeeld theme's tokens scoped
# to the .voorbeeld-theme class (dist/theme.css, self-contained: dist/variables.css holds the same
# tokens on :root and dist/font.css is empty, so neither is needed); htmx (dist/htmx.min.js).
# Do not use @utrecht/design-tokens: those tokens belong to Gemeente Utrecht's own brand.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/src/coachcare/static/vendor"

# package@version | licence | files to copy (relative to the package root)
PACKAGES=(
  "@utrecht/component-library-css@9.0.4|EUPL-1.2|dist/index.css"
  "@nl-design-system-unstable/voorbeeld-design-tokens@7.4.1|EUPL-1.2|dist/theme.css"
  "htmx.org@2.0.11|0BSD|dist/htmx.min.js"
)

command -v npm >/dev/null || { echo "npm is needed to vendor static files (users of coachcare do not need it)." >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

{
  echo "# Vendored front-end packages"
  echo
  echo "Written by \`scripts/vendor-static.sh\`; do not edit by hand. Each directory holds the"
  echo "package's licence file next to the files coachcare serves."
  echo
  echo "| Package | Version | Licence | Files |"
  echo "| --- | --- | --- | --- |"
} > "$WORK/VERSIONS.md"

for entry in "${PACKAGES[@]}"; do
  IFS="|" read -r spec licence files <<< "$entry"
  name="${spec%@*}"
  version="${spec##*@}"
  dir_name="${name#@}"
  dir_name="${dir_name//\//-}"
  echo "vendoring $name $version"

  mkdir -p "$WORK/$dir_name"
  tarball="$(cd "$WORK/$dir_name" && npm pack --silent --ignore-scripts "$spec" | tail -n 1)"
  tar -xzf "$WORK/$dir_name/$tarball" -C "$WORK/$dir_name"
  package_dir="$WORK/$dir_name/package"

  actual_version="$(node -p "require('$package_dir/package.json').version" 2>/dev/null || echo "$version")"
  if [[ "$actual_version" != "$version" ]]; then
    echo "expected $name $version, got $actual_version" >&2
    exit 1
  fi

  target="$VENDOR/$dir_name"
  rm -rf "$target"
  mkdir -p "$target"
  for file in $files; do
    cp "$package_dir/$file" "$target/$(basename "$file")"
  done
  licence_file="$(find "$package_dir" -maxdepth 1 -iname 'licen[cs]e*' | sort | head -n 1)"
  if [[ -z "$licence_file" ]]; then
    echo "$name $version ships no licence file" >&2
    exit 1
  fi
  cp "$licence_file" "$target/LICENSE"

  listed=""
  for file in $files; do listed+="\`$dir_name/$(basename "$file")\` "; done
  echo "| \`$name\` | $version | $licence | ${listed% } |" >> "$WORK/VERSIONS.md"
done

cp "$WORK/VERSIONS.md" "$VENDOR/VERSIONS.md"
echo "done: $VENDOR"
