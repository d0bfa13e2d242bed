#!/usr/bin/env node
import { readFileSync } from 'node:fs';

const input = readFileSync(0, 'utf8');
const words = input.split(/\s+/).filter(Boolean).length;
console.log(String(words));
