#!/usr/bin/env bash
# Adopt the lock a previous run could not push (push-lock.sh kept it; action.yml uploaded it as
# an artifact and downloaded it into DIR), so this run follows that run's runs instead of paying
# for them again: the kept lock merges into the checked-out one cell by cell against the lock
# that run started from (evalspec's merge driver), and its journal (intents still waiting for a
# run id) is put back beside the lock unless one is there already.
#
#   adopt-lock.sh DIR      with EVALSPEC_LOCK (the lockfile) and EVALSPEC_CMD (default evalspec)
# Writes adopted=true|false to $GITHUB_OUTPUT.
set -euo pipefail

dir=${1:?usage: adopt-lock.sh DIR}
lock=${EVALSPEC_LOCK:?EVALSPEC_LOCK is required}
output=${GITHUB_OUTPUT:-/dev/null}
read -r -a evalspec <<< "${EVALSPEC_CMD:-evalspec}"

if [ ! -f "$dir/evalspec.lock" ]; then
  echo "No lock left unpushed by an earlier run: nothing to adopt."
  echo "adopted=false" >> "$output"
  exit 0
fi
if [ -f "$lock" ]; then
  [ -f "$dir/base.lock" ] || : > "$dir/base.lock"
  "${evalspec[@]}" lock merge-driver "$dir/base.lock" "$lock" "$dir/evalspec.lock"
else
  mkdir -p "$(dirname "$lock")"
  cp -- "$dir/evalspec.lock" "$lock"
fi
if [ -f "$dir/evalspec.lock.journal" ] && [ ! -e "$lock.journal" ]; then
  cp -- "$dir/evalspec.lock.journal" "$lock.journal"
fi
echo "Adopted the lock an earlier run could not push: its runs are followed, not submitted again."
echo "adopted=true" >> "$output"
