#!/usr/bin/env bash
# Runs once per snapshot inside a sandbox; a real repo would install its dependencies here.
set -euo pipefail
echo "node $(node --version)"
date -u +%Y-%m-%dT%H:%M:%SZ > .tandem/snapshot-built-at
