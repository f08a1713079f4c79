/**
 * `import()` of a user's module (plugin, stepper, config, model or data factory). A TypeScript file that the
 * running Node cannot load by itself is loaded through tsx, registered here on first need: an app that names
 * only `.js` files never pays for (or needs) a TypeScript loader.
 */
const TYPESCRIPT_FILE = /\.[cm]?tsx?(\?.*)?$/;

let tsxRegistered: Promise<void> | undefined;

async function registerTsx(url: string): Promise<void> {
  let api: { register: () => unknown };
  try {
    api = (await import('tsx/esm/api')) as { register: () => unknown };
  } catch (error) {
    throw new Error(
      `cannot load ${url}: loading a TypeScript file needs tsx (npm install --save-dev tsx), or run Node with --import tsx`,
      { cause: error },
    );
  }
  api.register();
}

export async function importUrl(url: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !TYPESCRIPT_FILE.test(url)) throw error;
    tsxRegistered ??= registerTsx(url);
    try {
      await tsxRegistered;
    } catch (registerError) {
      tsxRegistered = undefined;
      throw registerError;
    }
    // Node remembers the failed import of this URL, so the retry names the module with a query.
    return (await import(`${url}${url.includes('?') ? '&' : '?'}tapfit-ts`)) as Record<string, unknown>;
  }
}
