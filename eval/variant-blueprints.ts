import { blueprintSchema, type Blueprint } from '../server/src/blueprint/blueprint-schema.js';
import { findBuiltInBlueprint } from '../server/src/blueprint/built-in-blueprints.js';
import { REPO_BLUEPRINTS_DIR } from '../server/src/blueprint/repo-blueprints.js';

/**
 * `base` less its local checks→fix loop: every `fix` node that fixes a `checks` node goes, the checks
 * still run once (and a failure still stops the run before the commit). A CI fix stays. Derived from
 * the built-in rather than written out, so the comparison keeps up as `implement` changes.
 */
export function withoutChecksFixLoop(base: Blueprint, name: string): Blueprint {
  const checksIds = new Set(base.nodes.filter((node) => node.kind === 'checks').map((node) => node.id));
  return blueprintSchema.parse({
    name,
    description: `${base.name} without its checks→fix loop (the eval's comparison variant): the checks run once and are not fixed.`,
    nodes: base.nodes.filter((node) => !(node.kind === 'fix' && checksIds.has(node.checks))),
  });
}

/** The blueprints the eval adds to every task repo as repo blueprints, by name. */
export function evalVariantBlueprints(): Blueprint[] {
  const implement = findBuiltInBlueprint('implement');
  if (!implement) throw new Error('The built-in blueprint "implement" is gone; the eval compares against it');
  return [withoutChecksFixLoop(implement, 'implement-no-fix')];
}

/** The variant blueprints as the repo files that define them (path inside the repo, JSON text). */
export function variantBlueprintFiles(): Array<{ path: string; content: string }> {
  return evalVariantBlueprints().map((blueprint) => ({ path: `${REPO_BLUEPRINTS_DIR}/${blueprint.name}.json`, content: `${JSON.stringify(blueprint, null, 2)}\n` }));
}
