#!/usr/bin/env bash
# Commit the lock to a branch and push it, as action.yml's "Commit the lock" step does.
#
# A push that starts workflows (so the required checks run on the new head) needs a personal access
# token or a GitHub App token: a push made with the job's GITHUB_TOKEN starts none. So git pushes
# with EVALSPEC_TOKEN when it is set, in place of the credentials actions/checkout saved in
# .git/config (its `http.<server>/.extraheader`), and the token never appears on a command line.
#
# When the branch moved during the run (someone pushed), the lock commit is rebased onto it and
# pushed again; a lock changed on both sides merges cell by cell with evalspec's merge driver
# (`evalspec lock merge-driver %O %A %B`, the one `evalspec init` names in .gitattributes).
#
# Environment:
#   EVALSPEC_LOCK       the lockfile, relative to the repository root (required)
#   EVALSPEC_BRANCH     the branch to push to (required)
#   EVALSPEC_TOKEN      the token git pushes with (empty: the saved credentials)
#   EVALSPEC_REMOTE     the remote (default origin)
#   EVALSPEC_SERVER     the server the token is for (default $GITHUB_SERVER_URL, else https://github.com)
#   EVALSPEC_ATTEMPTS   pushes to try (default 3)
#   EVALSPEC_KEEP_DIR   where to keep the lock, its journal and the lock it started from when the
#                       push fails (for the caller to upload; adopt-lock.sh reads it back)
#   EVALSPEC_CMD        how to run evalspec (default evalspec)
# Writes committed=true|false and pushed=true|false to $GITHUB_OUTPUT; exits 1 when the commit
# could not be pushed, else 0.
set -euo pipefail

lock=${EVALSPEC_LOCK:?EVALSPEC_LOCK is required}
branch=${EVALSPEC_BRANCH:?EVALSPEC_BRANCH is required}
remote=${EVALSPEC_REMOTE:-origin}
attempts=${EVALSPEC_ATTEMPTS:-3}
output=${GITHUB_OUTPUT:-/dev/null}
bot=(-c user.name="github-actions[bot]" -c user.email="41898282+github-actions[bot]@users.noreply.github.com")

# git reads GIT_CONFIG_KEY_n/VALUE_n after the repository's own config (git >= 2.31): the empty
# value clears checkout's saved header, the next one replaces it.
config=("merge.evalspec.driver" "${EVALSPEC_CMD:-evalspec} lock merge-driver %O %A %B")
if [ -n "${EVALSPEC_TOKEN:-}" ]; then
  server=${EVALSPEC_SERVER:-${GITHUB_SERVER_URL:-https://github.com}}
  basic=$(printf 'x-access-token:%s' "$EVALSPEC_TOKEN" | base64 | tr -d '\n')
  [ -z "${GITHUB_ACTIONS:-}" ] || echo "::add-mask::$basic"
  config+=("http.$server/.extraheader" "" "http.$server/.extraheader" "AUTHORIZATION: basic $basic")
fi
export GIT_CONFIG_COUNT=$(( ${#config[@]} / 2 ))
for ((i = 0; i < GIT_CONFIG_COUNT; i++)); do
  export "GIT_CONFIG_KEY_$i=${config[2 * i]}" "GIT_CONFIG_VALUE_$i=${config[2 * i + 1]}"
done
# The lock merges by the driver even in a repository whose .gitattributes does not say so.
attributes=$(git rev-parse --git-path info/attributes)
mkdir -p "$(dirname "$attributes")"
grep -qxF "/$lock merge=evalspec" "$attributes" 2>/dev/null || echo "/$lock merge=evalspec" >> "$attributes"

git add -- "$lock"
if git diff --cached --quiet -- "$lock"; then
  echo "The lock did not change: nothing to commit."
  echo "committed=false" >> "$output"
  echo "pushed=false" >> "$output"
  exit 0
fi
git "${bot[@]}" commit --quiet -m "evalspec: update $lock" -- "$lock"
echo "committed=true" >> "$output"

for ((attempt = 1; attempt <= attempts; attempt++)); do
  if git push --quiet "$remote" "HEAD:refs/heads/$branch"; then
    echo "Pushed the lock to $branch (attempt $attempt)."
    echo "pushed=true" >> "$output"
    exit 0
  fi
  [ "$attempt" -lt "$attempts" ] || break
  echo "The push was refused; rebasing the lock commit on what $branch has now."
  git fetch --quiet "$remote" "refs/heads/$branch" || continue
  if ! git "${bot[@]}" rebase --quiet --autostash FETCH_HEAD; then
    git rebase --abort || true
    echo "::error title=evalspec::the lock commit does not rebase onto $branch (a lock evalspec cannot read?)"
    break
  fi
done
echo "pushed=false" >> "$output"
keep=${EVALSPEC_KEEP_DIR:-}
if [ -n "$keep" ]; then  # what the next run adopts instead of paying for the same runs again
  mkdir -p "$keep"
  cp -- "$lock" "$keep/evalspec.lock"
  [ ! -f "$lock.journal" ] || cp -- "$lock.journal" "$keep/evalspec.lock.journal"
  git show "HEAD^:$lock" > "$keep/base.lock" 2>/dev/null || : > "$keep/base.lock"
  echo "kept=$keep" >> "$output"
fi
echo "::error title=evalspec::could not push the lock to $branch; the lock and its journal are kept as an artifact, which the next run adopts (its run ids are not paid for twice)."
exit 1
