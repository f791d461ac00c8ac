#!/usr/bin/env bash
# Debian packages the service needs: WeasyPrint's Pango and HarfBuzz (libharfbuzz-subset0 keeps
# PDF rendering 3-5x faster, DESIGN.md §8), Cairo for drawing an SVG logo (CairoSVG), fonts for the
# documents, Node/npm for GOV.UK Frontend.
# With --test, instead the test suite's own: Debian's Chromium, which Playwright drives by path
# (Playwright's own browser download does not work here, DESIGN.md §8; Playwright's driver comes
# with its Python package, and the pages' fonts are GOV.UK Frontend's, served by the service), and
# nftables, with which tests/test_database_silence.py drops a database connection's packets.
# With --bench, the benchmarks' own: wrk (HTTP load) and LibreOffice Writer (the DOCX -> PDF
# conversion our PDF path is compared with); without root they are only reported, as the benchmarks
# skip those rows.
set -euo pipefail
optional=0
if [ "${1:-}" = "--test" ]; then
  packages=(chromium nftables)
elif [ "${1:-}" = "--bench" ]; then
  packages=(wrk libreoffice-writer-nogui)
  optional=1
else
  packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libcairo2 fonts-liberation2 fonts-dejavu-core)
  command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit $((1 - optional))
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
