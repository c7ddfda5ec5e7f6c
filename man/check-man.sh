#!/bin/sh
# Render each man page given with man --warnings; any warning fails.
# Usage: check-man.sh PAGE...
status=0
for page in "$@"; do
    warnings=$(MANWIDTH=80 man --warnings -l -E UTF-8 "$page" 2>&1 >/dev/null)
    if [ -n "$warnings" ]; then
        printf '%s:\n%s\n' "$page" "$warnings"
        status=1
    else
        printf 'ok: %s\n' "$page"
    fi
done
exit $status
