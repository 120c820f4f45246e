#!/usr/bin/env bash
# Installs iotrim's default geolocation data into /usr/local/share/iotrim
# (IOTRIM_DATA_DIR overrides), from the npm registry:
#   @ip-location-db/geo-whois-asn-country-mmdb  country per address (CC0)
#     -> geo-country.mmdb (MaxMind format, field country_code)
#   @ip-location-db/asn                          AS number and organisation
#     -> asn-ipv4.csv, asn-ipv6.csv (start,end,asn,org; CC BY 4.0 / see licences)
# Idempotent: does nothing when the files are there.  Needs root, and npm
# (installs Debian's nodejs and npm when there is none).
set -euo pipefail

dest=${IOTRIM_DATA_DIR:-/usr/local/share/iotrim}
if [ -s "$dest/geo-country.mmdb" ] && [ -s "$dest/asn-ipv4.csv" ] && [ -s "$dest/asn-ipv6.csv" ]; then
	exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
	echo "install-geodata: installing nodejs and npm"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "install-geodata: fetching the country and ASN data from the npm registry"
(cd "$tmp" && npm pack --silent @ip-location-db/geo-whois-asn-country-mmdb @ip-location-db/asn >/dev/null)
mkdir -p "$tmp/country" "$tmp/asn" "$dest/licenses"
tar xzf "$tmp"/ip-location-db-geo-whois-asn-country-mmdb-*.tgz -C "$tmp/country"
tar xzf "$tmp"/ip-location-db-asn-*.tgz -C "$tmp/asn"
install -m 0644 "$tmp/country/package/geo-whois-asn-country.mmdb" "$dest/geo-country.mmdb.tmp"
install -m 0644 "$tmp/asn/package/asn-ipv4.csv" "$dest/asn-ipv4.csv.tmp"
install -m 0644 "$tmp/asn/package/asn-ipv6.csv" "$dest/asn-ipv6.csv.tmp"
for f in "$tmp"/country/package/*LICENSE* "$tmp"/country/package/README.md; do
	if [ -e "$f" ]; then install -m 0644 "$f" "$dest/licenses/geo-country-$(basename "$f")"; fi
done
for f in "$tmp"/asn/package/*LICENSE* "$tmp"/asn/package/MODIFICATIONS "$tmp"/asn/package/README.md; do
	if [ -e "$f" ]; then install -m 0644 "$f" "$dest/licenses/asn-$(basename "$f")"; fi
done
for f in geo-country.mmdb asn-ipv4.csv asn-ipv6.csv; do
	mv "$dest/$f.tmp" "$dest/$f"
done
echo "install-geodata: installed into $dest"
