import { describe, expect, it } from 'vitest';
import { MAX_COMMAND_LENGTH, MAX_SERVICES, serviceNameSchema } from '../repo-environment.js';
import { CURSOR_START_SERVICE, parseCursorSessionServices, serviceNameFrom } from './environment-files.js';

describe('.cursor/environment.json start and terminals as services', () => {
  it('makes start a one-shot cursor-start and each terminal a running service named after it, with comments and trailing commas', () => {
    const parsed = parseCursorSessionServices(`{
      // Cursor's background agents read this file
      "install": "npm install",
      "start": " sudo service docker start ",
      "terminals": [
        { "name": "Dev Server", "command": "npm run dev", "description": "the web app" },
        { "name": "dev server!", "command": "npm run dev -- --port 4000", },
      ],
      "agentCanUpdateSnapshot": true,
    }`);
    expect(parsed).toEqual({
      ok: true,
      notes: [],
      services: [
        { name: CURSOR_START_SERVICE, command: 'sudo service docker start', ready: { command: 'true' }, once: true },
        { name: 'dev-server', command: 'npm run dev', ready: { command: 'true' } },
        { name: 'dev-server-2', command: 'npm run dev -- --port 4000', ready: { command: 'true' } },
      ],
    });
  });

  it('has no services without start or terminals, skips an empty command with a note, and says why a bad file is not followed', () => {
    expect(parseCursorSessionServices('{ "install": "npm ci" }')).toEqual({ ok: true, services: [], notes: [] });
    expect(parseCursorSessionServices('{ "start": "  ", "terminals": [{ "name": "idle", "command": " " }] }')).toEqual({
      ok: true,
      services: [],
      notes: ['terminals[0] ("idle") has no command; not started'],
    });
    expect(parseCursorSessionServices('{ "start": ')).toMatchObject({ ok: false, reason: expect.stringContaining('not valid JSON') });
    expect(parseCursorSessionServices('{ "start": ["npm", "run", "dev"] }')).toMatchObject({ ok: false, reason: expect.stringContaining('start') });
    expect(parseCursorSessionServices('{ "terminals": [{ "name": "x" }] }')).toMatchObject({ ok: false, reason: expect.stringContaining('terminals.0.command') });
    expect(parseCursorSessionServices(JSON.stringify({ start: 'x'.repeat(MAX_COMMAND_LENGTH + 1) }))).toMatchObject({ ok: false });
    expect(parseCursorSessionServices(JSON.stringify({ terminals: [{ name: 'n'.repeat(201), command: 'x' }] }))).toMatchObject({ ok: false });
    expect(parseCursorSessionServices(JSON.stringify({ terminals: Array.from({ length: MAX_SERVICES * 5 + 1 }, () => ({ name: 'x', command: 'x' })) }))).toMatchObject({ ok: false });
  });

  it('runs at most MAX_SERVICES in all, start included, and says what was left out', () => {
    const terminals = Array.from({ length: MAX_SERVICES + 3 }, (_, index) => ({ name: 'watch', command: `npm run watch:${index}` }));
    const parsed = parseCursorSessionServices(JSON.stringify({ start: 'make up', terminals }));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.services).toHaveLength(MAX_SERVICES);
    expect(new Set(parsed.services.map((service) => service.name)).size).toBe(MAX_SERVICES);
    expect(parsed.services.at(-1)).toMatchObject({ name: `watch-${MAX_SERVICES - 1}`, command: `npm run watch:${MAX_SERVICES - 2}` });
    expect(parsed.notes).toEqual([`only ${MAX_SERVICES} services run in a sandbox; terminals[${MAX_SERVICES - 1}] and later ones are not started`]);
  });

  it('derives a valid, bounded service name from any terminal name', () => {
    expect(serviceNameFrom('Dev Server')).toBe('dev-server');
    expect(serviceNameFrom('  --Ünïcode 🚀 watch__ ')).toBe('unicode-watch');
    expect(serviceNameFrom('')).toBe('terminal');
    expect(serviceNameFrom('🚀')).toBe('terminal');
    expect(serviceNameFrom('../../etc/passwd')).toBe('etc-passwd');
    for (const name of ['x'.repeat(200), `a${'-'.repeat(60)}b`, 'Dev Server', '\u0000\n\u001b[2J']) expect(serviceNameSchema.safeParse(serviceNameFrom(name)).success).toBe(true);
    // Deduplicated names stay within the limit too.
    const long = parseCursorSessionServices(JSON.stringify({ terminals: [1, 2, 3].map(() => ({ name: 'y'.repeat(100), command: 'x' })) }));
    if (!long.ok) throw new Error(long.reason);
    expect(long.services.map((service) => service.name)).toEqual(['y'.repeat(40), `${'y'.repeat(38)}-2`, `${'y'.repeat(38)}-3`]);
  });

  it('a terminal named cursor-start does not take the start step’s name', () => {
    const parsed = parseCursorSessionServices(JSON.stringify({ start: 'true', terminals: [{ name: 'Cursor Start', command: 'sleep 1' }] }));
    expect(parsed).toMatchObject({ ok: true, services: [{ name: 'cursor-start', once: true }, { name: 'cursor-start-2' }] });
  });
});
