import { run } from './program';

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // run() reports its own errors; this is only reached by a bug in reporting itself.
    console.error(error);
    process.exitCode = 3;
  },
);
