import path from 'node:path';

/**
 * Whether a file or folder name from a plugin's options leads out of the folder it is resolved in
 * (`../../x`, `a/../../x`): such a name is refused, so a config cannot make a plugin write anywhere by
 * accident or on purpose. An absolute path says plainly where it goes and is accepted unless `allowAbsolute`
 * is false (for a name that must stay inside another option's folder).
 */
export function escapesFolder(name: string, options: { allowAbsolute?: boolean } = {}): boolean {
  if (path.isAbsolute(name) || path.win32.isAbsolute(name)) return options.allowAbsolute === false;
  const normal = path.normalize(name.replace(/\\/g, '/'));
  return normal === '..' || normal.startsWith('../');
}

/** The message for a name `escapesFolder` refuses, in the config's `expected …` style. */
export const INSIDE_FOLDER = 'expected a path inside its folder (no ".." leading out of it; an absolute path to write elsewhere)';
/** The same, for a name that must stay inside another option's folder. */
export const NAME_INSIDE_FOLDER = 'expected a file name inside the folder (no ".." leading out of it, not an absolute path)';
