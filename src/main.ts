import { runCli } from './cli/run-cli.js';

// The only place that reads process.env and argv.

// The AWS SDK warns on every S3 command that its releases after January 2027 will need Node 22.
// facetag pins its SDK in package-lock.json and supports Node 20; the warning says nothing a
// user can act on, so it is off unless asked for (see docs/STORAGE.md).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Output piped into a reader that stops early (`facetag faces list --json | head`): stop
// quietly, as any Unix tool does, instead of dying on an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}
const code = await runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
});
process.exitCode = code;
