import { describe, expect, it } from 'vitest';
import { SecretRedactor, StreamRedactor } from './secret-redactor.js';
import { decideSecretsForPhase } from './secret-phases.js';
import { redactingLogger } from './redacting-logger.js';
import { deriveSecretKey, openValue, sealValue, secretBinding } from './secret-cipher.js';

const VALUE = 'tok-3f9a1c77e2b4';

describe('SecretRedactor', () => {
  it('replaces the value and its base64 with the secret name', () => {
    const redactor = new SecretRedactor([{ name: 'API_TOKEN', value: VALUE }]);
    const base64 = Buffer.from(VALUE).toString('base64').replace(/=+$/, '');
    expect(redactor.redact(`got ${VALUE} and ${base64}==`)).toBe('got [secret API_TOKEN] and [secret API_TOKEN]==');
    expect(redactor.redact('nothing here')).toBe('nothing here');
  });
});

const PEM = ['-----BEGIN PRIVATE KEY-----', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj', 'MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu', '-----END PRIVATE KEY-----'].join('\n');
const LONG = 'sk-live-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** What `base64` prints: 76 columns a line; through a PTY each line ends in \r\n. */
const wrappedBase64 = (text: string, lineEnd = '\n') => (Buffer.from(text).toString('base64').match(/.{1,76}/g) ?? []).join(lineEnd) + lineEnd;

describe('SecretRedactor: the forms a shell gives for free', () => {
  const redactor = new SecretRedactor([
    { name: 'KEY', value: PEM },
    { name: 'TOKEN', value: LONG },
  ]);
  const leaks = (text: string) => [PEM, LONG, ...PEM.split('\n').filter((line) => line.length > 40), Buffer.from(LONG).toString('base64').slice(4, 40)].filter((needle) => text.includes(needle));

  it('catches a multi-line value printed through a PTY (\\n became \\r\\n)', () => {
    const shown = redactor.redact(`$ echo "$KEY"\r\n${PEM.replace(/\n/g, '\r\n')}\r\n$ `);
    expect(shown).toBe('$ echo "$KEY"\r\n[secret KEY]\r\n$ ');
  });

  it('catches base64 wrapped at 76 columns, at each of the three byte offsets, with a newline after', () => {
    for (const prefix of ['', 'x', 'TOKEN=']) {
      for (const lineEnd of ['\n', '\r\n']) {
        const shown = redactor.redact(wrappedBase64(`${prefix}${LONG}\n`, lineEnd));
        expect(shown, `prefix ${JSON.stringify(prefix)}`).toContain('[secret TOKEN]');
        expect(leaks(shown)).toEqual([]);
        // What is left is at most the few characters that also depend on the bytes around the value.
        expect(shown.replace('[secret TOKEN]', '').replace(/[\r\n]/g, '').length).toBeLessThanOrEqual(16);
      }
    }
  });

  it('catches hex (either case, wrapped as xxd -p does), URL-encoding, JSON escaping and a lower-cased value', () => {
    const hex = Buffer.from(LONG).toString('hex');
    expect(redactor.redact((hex.match(/.{1,60}/g) ?? []).join('\n'))).toBe('[secret TOKEN]');
    expect(redactor.redact(hex.toUpperCase())).toBe('[secret TOKEN]');
    expect(redactor.redact(`GET /?k=${encodeURIComponent(PEM)}`)).toBe('GET /?k=[secret KEY]');
    expect(redactor.redact(JSON.stringify({ key: PEM }))).toBe('{"key":"[secret KEY]"}');
    expect(redactor.redact(`refused ${LONG.toLowerCase()}:443`)).toBe('refused [secret TOKEN]:443');
  });

  it('leaves ordinary text alone', () => {
    const text = 'npm test\r\n  5 passing (12ms)\r\n$ ls\r\nREADME.md  src\r\n';
    expect(redactor.redact(text)).toBe(text);
  });
});

describe('StreamRedactor across chunks and lines', () => {
  it('catches wrapped base64 and a PEM printed in pieces, at every cut, through a PTY', () => {
    const redactor = new SecretRedactor([
      { name: 'KEY', value: PEM },
      { name: 'TOKEN', value: LONG },
    ]);
    for (const printed of [wrappedBase64(`x${LONG}`, '\r\n'), `${PEM.replace(/\n/g, '\r\n')}\r\n`]) {
      for (let cut = 1; cut < printed.length; cut += 7) {
        const stream = new StreamRedactor(redactor);
        const shown = stream.push(`$ run\r\n${printed.slice(0, cut)}`) + stream.push(printed.slice(cut)) + stream.push('$ ') + stream.flush();
        expect(shown, `cut at ${cut}`).not.toContain(printed.slice(8, 40));
        expect(shown).toMatch(/\[secret (KEY|TOKEN)\]/);
        expect(shown.endsWith('$ ')).toBe(true);
      }
    }
  });
});

describe('StreamRedactor', () => {
  it('catches a value split across two chunks, at every split point', () => {
    const redactor = new SecretRedactor([{ name: 'API_TOKEN', value: VALUE }]);
    for (let cut = 1; cut < VALUE.length; cut += 1) {
      const stream = new StreamRedactor(redactor);
      const shown = stream.push(`before ${VALUE.slice(0, cut)}`) + stream.push(`${VALUE.slice(cut)} after`) + stream.flush();
      expect(shown).toBe('before [secret API_TOKEN] after');
    }
  });

  it('shows a finished line whose last few characters only happen to begin a value', () => {
    const redactor = new SecretRedactor([{ name: 'API_TOKEN', value: VALUE }]);
    const stream = new StreamRedactor(redactor);
    expect(stream.push('api:no-t\r\n')).toBe('api:no-t\r\n');
    expect(stream.push('echo to')).toBe('echo ');
  });

  it('holds back only an end that could begin a value, and gives it back on flush', () => {
    const redactor = new SecretRedactor([{ name: 'API_TOKEN', value: VALUE }]);
    const stream = new StreamRedactor(redactor);
    expect(stream.push('$ ')).toBe('$ ');
    expect(stream.push('echo tok-')).toBe('echo ');
    expect(stream.flush()).toBe('tok-');
  });
});

describe('decideSecretsForPhase', () => {
  it('gives a session every secret and setup none when the repo names nothing', () => {
    expect(decideSecretsForPhase(null, 'session', ['A', 'B']).names).toEqual(['A', 'B']);
    expect(decideSecretsForPhase(null, 'setup', ['A', 'B']).names).toEqual([]);
  });
  it('gives a phase only what the repo names, reporting names nobody set', () => {
    expect(decideSecretsForPhase({ secrets: { session: ['B', 'C'] } }, 'session', ['A', 'B'])).toEqual({ names: ['B'], missing: ['C'] });
  });
});

describe('sealed values', () => {
  it('open with their key and binding only', () => {
    const key = deriveSecretKey('a master secret of enough length here');
    const sealed = sealValue(key, VALUE, secretBinding('repo', '/r', 'API_TOKEN'));
    expect(Buffer.from(sealed.ciphertext).includes(Buffer.from(VALUE))).toBe(false);
    expect(openValue(key, sealed, secretBinding('repo', '/r', 'API_TOKEN'))).toBe(VALUE);
    expect(() => openValue(key, sealed, secretBinding('repo', '/other', 'API_TOKEN'))).toThrow();
    expect(() => openValue(deriveSecretKey('another master secret of enough length'), sealed, secretBinding('repo', '/r', 'API_TOKEN'))).toThrow();
  });
});

describe('redactingLogger', () => {
  it('takes values out of the message and the error it logs', () => {
    const lines: string[] = [];
    const logger = redactingLogger({ error: (message: string, error?: unknown) => void lines.push(`${message} | ${error instanceof Error ? `${error.message} ${error.stack}` : String(error)}`) }, new SecretRedactor([{ name: 'API_TOKEN', value: VALUE }]));
    logger.error(`command failed: ${VALUE}`, new Error(`exit 1: ${VALUE}`));
    expect(lines[0]).toContain('command failed: [secret API_TOKEN]');
    expect(lines[0]).toContain('exit 1: [secret API_TOKEN]');
    expect(lines[0]).not.toContain(VALUE);
  });

  it('takes values out of every level it has, not only errors', () => {
    const lines: string[] = [];
    const logger = redactingLogger({ error: () => undefined, info: (message: string) => void lines.push(message) }, new SecretRedactor([{ name: 'API_TOKEN', value: VALUE }]));
    logger.info(`rebuilding ${VALUE}`);
    expect(lines).toEqual(['rebuilding [secret API_TOKEN]']);
  });
});
