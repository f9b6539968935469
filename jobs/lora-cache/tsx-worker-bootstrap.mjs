// Development and tests only (never in dist): on Node 20 a worker thread inherits neither tsx's loader hooks nor
// a working `--import tsx`, so this registers tsx in the thread, then imports the TypeScript entry (argv[2]).
import { register } from 'tsx/esm/api';

register();
await import(process.argv[2]);
