#!/usr/bin/env bash
# Output hygiene on the command line (issue 12, item 8): a history holding
# names a hostile device could make (a spreadsheet formula, a '|' and
# Markdown, an escape sequence that retitles the terminal, HTML) comes out
# neutralised in `export --csv`, `destinations`, `report --format md/html`;
# `report --output` and `export --out` replace a symlink instead of writing
# through it; a device config with a syntax error leaks nothing (valgrind).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/lib.sh

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export IOTRIM_DB=$WORK/iotrim.db
: >"$WORK/ov.conf"
: >"$WORK/asn.csv"
: >"$WORK/prov.conf"
: >"$WORK/dev.conf"
GEO=(--geo-overrides "$WORK/ov.conf" --asn "$WORK/asn.csv" --providers "$WORK/prov.conf"
	--devices "$WORK/dev.conf")
ESC=$'\x1b'
BEL=$'\x07'
"$IOTRIM" device set 02:00:00:00:00:31 --name 'cam' >/dev/null
# names as the DNS parser can store them (printable bytes kept; the ESC
# test name goes in raw, as a future parser bug or another writer might)
sqlite3 "$IOTRIM_DB" "INSERT INTO flow_history VALUES
 ('02:00:00:00:00:31','192.0.2.31','1.2.3.10',6,443,'=hyperlink(\"http://x.example\",\"y\")',1,300,1,700,1000,2000),
 ('02:00:00:00:00:31','192.0.2.31','1.2.3.11',6,443,'a|b.example',1,300,1,700,1000,2000),
 ('02:00:00:00:00:31','192.0.2.31','1.2.3.12',6,443,'<img/src=x/onerror=alert(1)>.example',1,300,1,700,1000,2000),
 ('02:00:00:00:00:31','192.0.2.31','1.2.3.13',6,443,'t${ESC}]0;owned${BEL}.example',1,300,1,700,1000,2000)"

csv=$("$IOTRIM" export --csv "${GEO[@]}" 2>&1)
tap_check "CSV: a formula name is text" grep -qF "\"'=hyperlink(" <<<"$csv"
tap_check "CSV: no cell starts with =" bash -c '! grep -qE "(^|,)=" <<<"$1"' _ "$csv"

dest=$("$IOTRIM" destinations "${GEO[@]}" 2>&1)
tap_check "destinations: no ESC byte on the terminal" bash -c '! grep -q "$1" <<<"$2"' _ "$ESC" "$dest"
tap_check "destinations: the ESC shown as \\x1b" grep -qF 't\x1b]0;owned\x07.example' <<<"$dest"

md=$("$IOTRIM" report --format md "${GEO[@]}" 2>&1)
rows=$(grep -c '^| ' <<<"$md")
bad=$(grep '^| ' <<<"$md" | awk -F'[^\\\\][|]' 'NF != 7' | grep -v '^| destination\|^|---' | wc -l)
tap_check "Markdown: every table row keeps its 6 cells ($rows rows)" test "$bad" -eq 0
tap_check "Markdown: '|' escaped" grep -qF 'a\|b' <<<"$md"
tap_check "Markdown: no ESC byte" bash -c '! grep -q "$1" <<<"$2"' _ "$ESC" "$md"

html=$("$IOTRIM" report --format html "${GEO[@]}" 2>&1)
tap_check "HTML: the tag is text" grep -qF '&lt;img/src=x/onerror=alert(1)&gt;' <<<"$html"
tap_check "HTML: no raw onerror tag" bash -c '! grep -qF "<img/src=x" <<<"$1"' _ "$html"

echo precious >"$WORK/victim"
ln -s "$WORK/victim" "$WORK/report.md"
expect_exit "report --output onto a symlink" 0 "" "$IOTRIM" report --format md "${GEO[@]}" \
	--output "$WORK/report.md"
tap_check "the symlink's target is untouched" test "$(cat "$WORK/victim")" = precious
tap_check "the link was replaced by a private file" \
	bash -c '[ ! -L "$1" ] && [ "$(stat -c %a "$1")" = 600 ]' _ "$WORK/report.md"
mkdir "$WORK/out"
ln -s "$WORK/victim" "$WORK/out/flows.csv"
expect_exit "export --out over a symlink" 0 "" "$IOTRIM" export --csv --out "$WORK/out" "${GEO[@]}"
tap_check "export left the symlink's target alone" test "$(cat "$WORK/victim")" = precious
ln -s "$WORK/victim" "$IOTRIM_DB.run.lock"
expect_exit "run refuses a symlinked lock file" 1 "cannot create .*run.lock" \
	"$IOTRIM" run --no-attach --duration 1 --devices "$WORK/dev.conf"
rm -f "$IOTRIM_DB.run.lock"

if command -v valgrind >/dev/null; then
	printf '[02:00:00:00:00:21]\nname = bulb\n[02:00:00:00:00:22]\nname = plug\nnot ini\n' >"$WORK/bad.conf"
	out=$(valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=99 "$IOTRIM" run --no-attach --duration 1 --devices "$WORK/bad.conf" 2>&1)
	rc=$?
	if [ "$rc" -ne 99 ] && [ "$rc" -ne 0 ] && grep -q "syntax error on line 5" <<<"$out"; then
		tap_ok "device config syntax error: refused, nothing leaked (valgrind)"
	else
		tap_not_ok "device config syntax error: refused, nothing leaked (valgrind)" "exit $rc" \
			"$(grep -E 'definitely|indirectly|syntax' <<<"$out")"
	fi
else
	tap_skip "device config syntax error under valgrind" "no valgrind"
fi
tap_done
