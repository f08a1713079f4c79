import path from 'node:path';
import { TapfitError, isStepper, type Stepper } from '../../plugin-sdk/index.ts';
import { isPathSpecifier, loadModule } from '../plugin-host/load-module.ts';

const cache = new Map<string, Promise<Stepper>>();

/**
 * A stepper from a built-in name (`plugins/steppers/<name>.ts`), a file path (relative to `baseDir`) or a
 * package name; the module's default export is the stepper. Loaded modules are cached.
 */
export function loadStepper(spec: string | Stepper, baseDir: string = process.cwd()): Promise<Stepper> {
  if (typeof spec !== 'string') {
    if (!isStepper(spec)) throw new TapfitError('E_PLUGIN_INVALID', 'a stepper must be an object with a name and a step(ctx) function (use defineStepper)');
    return Promise.resolve(spec);
  }
  const key = isPathSpecifier(spec) && !spec.startsWith('file:') ? path.resolve(baseDir, spec) : spec;
  let loaded = cache.get(key);
  if (!loaded) {
    loaded = importStepper(spec, baseDir);
    cache.set(key, loaded);
    loaded.catch(() => cache.delete(key));
  }
  return loaded;
}

async function importStepper(spec: string, baseDir: string): Promise<Stepper> {
  const mod = await loadModule(spec, 'stepper', baseDir);
  const stepper = mod.default;
  if (!isStepper(stepper)) {
    throw new TapfitError('E_PLUGIN_INVALID', `stepper module "${spec}" must default-export a stepper (defineStepper({ name, step }))`);
  }
  return stepper;
}

/** Load several steppers at once (in the given order). */
export function loadSteppers(specs: readonly (string | Stepper)[], baseDir?: string): Promise<Stepper[]> {
  return Promise.all(specs.map((s) => loadStepper(s, baseDir)));
}
