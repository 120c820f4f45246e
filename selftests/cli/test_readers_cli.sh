#!/usr/bin/env bash
# Readers on a database a hostile device grew (issue 12, item 2): 196,608
# flow_history rows of fresh addresses (three harvests of a full flow table)
# and 30,000 of random names.  `destinations` must finish in a minute within
# 600 MB of address space (it took 1.4 GB and, with the names, over 5
# minutes: a fixed 7 KB per destination and a quadratic shared-name scan).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/lib.sh

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export IOTRIM_DB=$WORK/iotrim.db
"$IOTRIM" device list >/dev/null 2>&1	# creates the schema
sqlite3 "$IOTRIM_DB" "
 WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 196607)
 INSERT INTO flow_history SELECT '02:00:00:00:00:66', '192.0.2.66',
  '198.18.' || (i / 256 % 256) || '.' || (i % 256), 17, 1024 + i / 65536, '', 1, 60, 0, 0, 1000, 2000
  FROM c;
 WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 29999)
 INSERT INTO flow_history SELECT '02:00:00:00:00:67', '192.0.2.67',
  '198.19.' || (i / 256 % 256) || '.' || (i % 256), 17, 53, 'r' || i || '.spray.example', 1, 60, 0, 0,
  1000, 2000 FROM c;
 INSERT INTO flow_history VALUES ('02:00:00:00:00:21', '192.0.2.21', '203.0.113.10', 6, 443,
  'api.vendor.example', 10, 3000, 10, 9000, 1000, 2000);"

t0=$(date +%s%N)
out=$( (ulimit -v 600000; timeout 60 "$IOTRIM" destinations --no-live) 2>&1)
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
tap_check "destinations over 226,609 rows: exit 0 within 60 s and 600 MB (${ms} ms, exit $rc)" \
	test "$rc" -eq 0
tap_check "every destination listed" grep -qx "226609 destinations" <<<"$(tail -1 <<<"$out")"
tap_check "the real device's destination is there" grep -q "api.vendor.example:443" <<<"$out"
tap_done
