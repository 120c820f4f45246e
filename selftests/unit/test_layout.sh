#!/usr/bin/env bash
# The tree is the architecture: one-way stage dependencies, no include
# circles, small files, exit codes only in cli/ (scripts/check_layout.py).
cd "$(dirname "$0")/../.." || exit 1
exec python3 scripts/check_layout.py
