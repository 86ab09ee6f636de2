import { runCli } from './cli/run-cli.js';

// The only place that reads process.env and argv.
const code = await runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
});
process.exitCode = code;
