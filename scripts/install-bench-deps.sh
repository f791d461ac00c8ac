#!/usr/bin/env bash
# Debian packages only the benchmarks need: wrk (HTTP load) and LibreOffice Writer (the DOCX -> PDF
# conversion our PDF path is compared with). Not needed to run the service or its tests.
set -euo pipefail
packages=(wrk libreoffice-writer-nogui)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages for the benchmarks: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]} (or the benchmarks skip those rows)" >&2
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
