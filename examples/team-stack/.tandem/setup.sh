#!/usr/bin/env bash
# Runs once per snapshot inside a sandbox. Its network is Tandem's egress proxy (HTTPS_PROXY is set),
# which lets setup reach the npm registry because this repo has a package.json; nothing else.
set -euo pipefail
# The cache lives in the sandbox's /tmp, so only node_modules lands in the snapshot.
npm ci --no-audit --no-fund --cache /tmp/npm-cache
