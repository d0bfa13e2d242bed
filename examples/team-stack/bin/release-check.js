#!/usr/bin/env node
// The team's release tool: signs the plan's total estimate with TEAM_STACK_TOKEN. The token comes from
// the environment (a Tandem secret, set by an owner), is never printed, and its absence is said plainly.
import { createHmac } from 'node:crypto';
import { totalEstimate } from '../src/estimates.js';

const token = process.env.TEAM_STACK_TOKEN;
if (!token) {
  console.error('release-check: TEAM_STACK_TOKEN is not set. An owner sets it in the session’s Secrets panel.');
  process.exit(1);
}
const total = await totalEstimate();
const signature = createHmac('sha256', token).update(`total=${total}`).digest('hex');
console.log(`release-check: total=${total} signature=${signature}`);
