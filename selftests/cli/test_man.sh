#!/usr/bin/env bash
# The man page iotrim(8): it renders without warnings, has a section for
# every command and subcommand that `iotrim --help` lists, names every
# option, exit code and environment variable of the --help texts, and
# `make install` puts it in place.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=selftests/lib/lib.sh
. selftests/lib/lib.sh

PAGE=man/iotrim.8
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for tool in man groff "$IOTRIM"; do
	if ! command -v "$tool" >/dev/null; then
		tap_not_ok "$tool is available" "install it (make deps; build/iotrim: make all)"
		tap_done
		exit 1
	fi
done

# --- rendering ---------------------------------------------------------------
err=$(LC_ALL=C.UTF-8 MANROFFSEQ='' groff -man -ww -z "$PAGE" 2>&1)
if [ -z "$err" ]; then
	tap_ok "groff -man -ww: no warnings"
else
	tap_not_ok "groff -man -ww: no warnings" "$err"
fi

MANWIDTH=80 LC_ALL=C.UTF-8 MANROFFSEQ='' man -l "$PAGE" >"$tmp/page.utf8" 2>"$tmp/man.err"
rc=$?
if [ "$rc" -eq 0 ] && [ ! -s "$tmp/man.err" ] && [ -s "$tmp/page.utf8" ]; then
	tap_ok "man -l renders at MANWIDTH=80 without warnings"
else
	tap_not_ok "man -l renders at MANWIDTH=80 without warnings" "exit $rc" "$(cat "$tmp/man.err")"
fi

# Plain ASCII text to search in (no overstrike, no Unicode hyphens).
MANWIDTH=80 LC_ALL=C MANROFFSEQ='' man -l "$PAGE" 2>/dev/null | sed 's/.\x08//g' >"$tmp/page.txt"

too_wide=$(awk 'length > 80' "$tmp/page.txt")
if [ -z "$too_wide" ]; then
	tap_ok "no rendered line is wider than 80 columns"
else
	tap_not_ok "no rendered line is wider than 80 columns" "$too_wide"
fi

missing=()
for s in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS "JSON OUTPUT" FILES ENVIRONMENT \
	"EXIT STATUS" EXAMPLES "SEE ALSO"; do
	grep -qx "$s" "$tmp/page.txt" || missing+=("$s")
done
if [ ${#missing[@]} -eq 0 ]; then
	tap_ok "page has every section"
else
	tap_not_ok "page has every section" "missing: ${missing[*]}"
fi

version=$("$IOTRIM" --version)
if grep -q "^\.TH IOTRIM 8 [^ ]* \"$version\"" "$PAGE"; then
	tap_ok "page is for $version"
else
	tap_not_ok "page is for $version" "$(grep '^\.TH' "$PAGE")"
fi

# section_text TITLE: the rendered text of a top-level section.
section_text() {
	awk -v t="$1" '$0 == t { on = 1; next } /^[A-Z]/ { on = 0 } on' "$tmp/page.txt"
}

# has_word TEXT-FILE WORD: WORD occurs, not as part of a longer option name.
has_word() {
	grep -qE -- "(^|[^A-Za-z0-9_-])$2([^A-Za-z0-9_-]|\$)" "$1"
}

# --- commands, subcommands, options -----------------------------------------
"$IOTRIM" --help >"$tmp/help" 2>&1
mapfile -t commands < <(awk '/^commands:/ { on = 1; next } on && /^$/ { exit }
	on && /^  [a-z]/ { print $1 }' "$tmp/help")
if [ ${#commands[@]} -ge 10 ]; then
	tap_ok "iotrim --help lists ${#commands[@]} commands"
else
	tap_not_ok "iotrim --help lists the commands" "found: ${commands[*]}"
fi

all_help=$tmp/all_help
cp "$tmp/help" "$all_help"
for c in "${commands[@]}"; do
	if ! grep -qx "   iotrim $c" "$tmp/page.txt"; then
		tap_not_ok "$c: has a section" "no '.SS iotrim $c' in $PAGE"
		continue
	fi
	tap_ok "$c: has a section"

	"$IOTRIM" "$c" --help >"$tmp/help.$c" 2>&1
	cat "$tmp/help.$c" >>"$all_help"
	# Subcommands: the lowercase word after "iotrim CMD" in the usage lines.
	mapfile -t subs < <(sed -nE "s/^(usage: | +)iotrim $c ([a-z]+)( .*)?\$/\\2/p" \
		"$tmp/help.$c" | sort -u)
	missing=()
	for s in "${subs[@]}"; do
		grep -qx "   iotrim $c $s" "$tmp/page.txt" || missing+=("$s")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		tap_ok "$c: a section per subcommand (${subs[*]:-none})"
	else
		tap_not_ok "$c: a section per subcommand" "missing: ${missing[*]}"
	fi

	mapfile -t opts < <(grep -oE -- '--[a-z][a-z0-9-]*' "$tmp/help.$c" | sort -u)
	missing=()
	for o in "${opts[@]}"; do
		has_word "$tmp/page.txt" "$o" || missing+=("$o")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		tap_ok "$c: every option of --help is in the page (${#opts[@]})"
	else
		tap_not_ok "$c: every option of --help is in the page" "missing: ${missing[*]}"
	fi
done

missing=()
for o in -v --verbose --help --version; do
	has_word "$tmp/page.txt" "$o" || missing+=("$o")
done
if [ ${#missing[@]} -eq 0 ]; then
	tap_ok "global options are in the page"
else
	tap_not_ok "global options are in the page" "missing: ${missing[*]}"
fi

# --- exit codes and environment ---------------------------------------------
section_text "EXIT STATUS" >"$tmp/exit.txt"
mapfile -t codes < <(sed -n '/exit codes:/,/^$/p' "$all_help" |
	grep -oE '(^|[ ,:])[0-9]+ [A-Za-z]' | grep -oE '[0-9]+' | sort -un)
missing=()
for n in "${codes[@]}"; do
	grep -qE "^       $n( |\$)" "$tmp/exit.txt" || missing+=("$n")
done
if [ ${#codes[@]} -ge 9 ] && [ ${#missing[@]} -eq 0 ]; then
	tap_ok "EXIT STATUS has every code of the --help texts (${codes[*]})"
else
	tap_not_ok "EXIT STATUS has every code of the --help texts" \
		"codes: ${codes[*]}" "missing: ${missing[*]}"
fi
if grep -qE '^       130 ' "$tmp/exit.txt"; then
	tap_ok "EXIT STATUS has 130 for an interrupted run"
else
	tap_not_ok "EXIT STATUS has 130 for an interrupted run"
fi

section_text ENVIRONMENT >"$tmp/env.txt"
# Variables the --help texts name, the controller reads (getenv, env_or) or
# sets for experiment commands ("NAME=").
mapfile -t vars < <({
	cat "$all_help"
	grep -rhoE --include='*.c' 'getenv\("IOTRIM_[A-Z_]+"|env_or\([^,]*, *"IOTRIM_[A-Z_]+"|"IOTRIM_[A-Z_]+=' user
} | grep -oE 'IOTRIM_[A-Z_]*[A-Z]' | sort -u)
missing=()
for v in "${vars[@]}"; do
	has_word "$tmp/env.txt" "$v" || missing+=("$v")
done
if [ ${#missing[@]} -eq 0 ]; then
	tap_ok "ENVIRONMENT names every variable iotrim reads or sets"
else
	tap_not_ok "ENVIRONMENT names every variable iotrim reads or sets" "missing: ${missing[*]}"
fi

# --- make install ------------------------------------------------------------
dest=$tmp/root
# A make of its own, not a sub-make of `make check`.
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s install DESTDIR="$dest" PREFIX=/usr/local \
	>"$tmp/install.log" 2>&1; then
	tap_ok "make install DESTDIR=... succeeds"
else
	tap_not_ok "make install DESTDIR=... succeeds" "$(cat "$tmp/install.log")"
fi
installed=$dest/usr/local/share/man/man8/iotrim.8
if [ -f "$installed" ] && cmp -s "$installed" "$PAGE"; then
	tap_ok "make install puts the page in share/man/man8/iotrim.8"
else
	tap_not_ok "make install puts the page in share/man/man8/iotrim.8" \
		"$(find "$dest" -type f 2>/dev/null)"
fi
if [ "$(man -M "$dest/usr/local/share/man" -w iotrim 2>&1)" = "$installed" ]; then
	tap_ok "man -M finds the installed page as iotrim(8)"
else
	tap_not_ok "man -M finds the installed page as iotrim(8)" \
		"$(man -M "$dest/usr/local/share/man" -w iotrim 2>&1)"
fi

tap_done
