// One fast-check seed per test file, logged on every run so any failure can be replayed:
// FC_SEED=<seed> npx jest <file> runs every property of that file exactly as the logged run did.
import { relative } from 'node:path';
import fc from 'fast-check';
import { isCI } from './ci';

/** FC_SEED when given (an integer), else a fresh random 32-bit seed. */
function chooseSeed(): number {
  const given = process.env.FC_SEED;
  if (given !== undefined && given.trim() !== '') {
    const seed = Number(given);
    if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(given)}`);
    return seed;
  }
  return Math.floor(Math.random() * 0x1_0000_0000) | 0;
}

let seed: number | undefined;

/**
 * Fixes this test file's fast-check seed (jest gives each file its own fast-check instance, so the
 * global configuration is this file's) and logs it with the command that replays it. Call once at
 * the top of every file that uses fast-check; every fc.assert/fc.check of the file then runs with
 * this seed. Returns the seed.
 */
export function seedFastCheck(): number {
  if (seed !== undefined) return seed;
  seed = chooseSeed();
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
  const testPath = expect.getState().testPath;
  const file = testPath ? relative(process.cwd(), testPath) : 'this file';
  const line = `fast-check seed ${seed}${isCI() ? ' (CI)' : ''} for ${file}; replay: FC_SEED=${seed} npx jest ${file}\n`;
  // stderr, not console.log: jest prints it even with --silent, so CI output always holds the seed.
  process.stderr.write(line);
  return seed;
}
