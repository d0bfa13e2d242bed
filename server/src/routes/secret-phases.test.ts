import { describe, expect, it } from 'vitest';
import { phasesOfSecret, SECRET_PHASES, type DeclaredSecretPhases } from '@tandem/shared/protocol/secrets.js';
import { decideSecretsForPhase } from '../secrets/secret-phases.js';

/** The Secrets dialog says where a secret goes (and warns when editors can read it) by phasesOfSecret: it must be the server's rule. */
describe('phasesOfSecret', () => {
  const environments: DeclaredSecretPhases[] = [
    {},
    { setup: ['NPM_TOKEN'] },
    { services: ['STRIPE_KEY'] },
    { session: [] },
    { setup: ['NPM_TOKEN'], services: ['STRIPE_KEY', 'SHARED'], session: ['SENTRY_DSN', 'SHARED'] },
  ];
  const names = ['NPM_TOKEN', 'STRIPE_KEY', 'SENTRY_DSN', 'SHARED', 'UNNAMED'];

  it('agrees with the phases the server gives each secret to', () => {
    for (const declared of environments) {
      for (const name of names) {
        const given = SECRET_PHASES.filter((phase) => decideSecretsForPhase({ secrets: declared }, phase, names).names.includes(name));
        expect(phasesOfSecret(name, declared), `${name} with ${JSON.stringify(declared)}`).toEqual(given);
      }
    }
  });

  it('gives a secret the environment file does not mention to sessions only, unless it names what sessions get', () => {
    expect(phasesOfSecret('UNNAMED', {})).toEqual(['session']);
    expect(phasesOfSecret('UNNAMED', { session: ['OTHER'] })).toEqual([]);
    expect(phasesOfSecret('NPM_TOKEN', { setup: ['NPM_TOKEN'], session: [] })).toEqual(['setup']);
  });
});
