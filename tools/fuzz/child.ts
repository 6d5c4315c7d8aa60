/**
 * Fuzz child: runs one batch of calls and prints its summary as the last stdout line
 * ("FUZZ-SUMMARY {json}"). Usage: child.ts <seed> <start> <end> <logfile>
 * It runs in its own process because a native crash kills the process; the parent reads the
 * log's last line to name the call that did it.
 */
import * as fs from 'node:fs';
import { runBatch } from './ops.js';

const [seed, start, end] = process.argv.slice(2, 5).map(Number);
const logPath = process.argv[5];
const fd = logPath ? fs.openSync(logPath, 'a') : null;
const summary = await runBatch(seed, start, end, fd);
if (fd !== null) fs.closeSync(fd);
process.stdout.write(`FUZZ-SUMMARY ${JSON.stringify(summary)}\n`);
