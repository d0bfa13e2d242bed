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

describe('StreamRedactor', () => {
  it('catches a value split across two chunks, at every split point', () => {
    const redactor = new SecretRedactor([{ name: 'API_TOKEN', value: VALUE }]);
    for (let cut = 1; cut < VALUE.length; cut += 1) {
      const stream = new StreamRedactor(redactor);
      const shown = stream.push(`before ${VALUE.slice(0, cut)}`) + stream.push(`${VALUE.slice(cut)} after`) + stream.flush();
      expect(shown).toBe('before [secret API_TOKEN] after');
    }
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
});
