/** Where the CLI writes and where it runs: the real process, or a test's buffers. */
export interface CliIO {
  /** One message (a line or several), without the trailing newline. */
  stdout(text: string): void;
  stderr(text: string): void;
  /** The working directory: config search and relative paths start here. */
  cwd: string;
}

export function processIO(): CliIO {
  return {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
    cwd: process.cwd(),
  };
}

/** An IO that keeps what is written, for tests and for embedding the CLI. */
export function bufferIO(cwd: string = process.cwd()): CliIO & { out: string[]; err: string[]; readonly stdoutText: string; readonly stderrText: string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    cwd,
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    get stdoutText() {
      return out.join('\n');
    },
    get stderrText() {
      return err.join('\n');
    },
  };
}
