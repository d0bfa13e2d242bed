import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';

describe('TANDEM_SETUP_HOSTS', () => {
  it('is unset by default: setup reaches the registries of the repo’s ecosystems', () => {
    expect(loadConfig({}).sandbox.setupHosts).toBeNull();
  });
  it('is a comma list of host patterns, with "auto" for the ecosystem registries', () => {
    expect(loadConfig({ TANDEM_SETUP_HOSTS: 'AUTO, Mirror.Corp.Example:8443 ,*.pkg.example' }).sandbox.setupHosts).toEqual(['auto', 'mirror.corp.example:8443', '*.pkg.example']);
  });
  it('refuses what is not a host pattern, saying which entry', () => {
    expect(() => loadConfig({ TANDEM_SETUP_HOSTS: 'registry.npmjs.org,10.0.0.1' })).toThrow(/TANDEM_SETUP_HOSTS: "10\.0\.0\.1": IP addresses/);
    expect(() => loadConfig({ TANDEM_SETUP_HOSTS: 'https://pypi.org' })).toThrow(/TANDEM_SETUP_HOSTS: "https:\/\/pypi\.org"/);
  });
});
