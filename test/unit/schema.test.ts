// The committed SDL and the generated typed client are current: a resolver change that is not
// re-emitted (npm run schema, npm run codegen) fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { printGatewaySchema } from '../../src/schema';

const root = join(__dirname, '..', '..');

it('schema/schema.graphql matches the code-first schema', () => {
  expect(readFileSync(join(root, 'schema/schema.graphql'), 'utf8')).toBe(printGatewaySchema());
});

it('client/generated matches codegen.yml output', () => {
  // In a child process: codegen's CLI loads ESM-only modules that jest on Node 20 cannot require.
  const script = `const cli = require('@graphql-codegen/cli'); cli.loadContext('codegen.yml').then((ctx) => cli.generate(ctx, false))
    .then((o) => process.stdout.write(JSON.stringify(o.map(({ filename, content }) => ({ filename, content })))))`;
  const outputs: Array<{ filename: string; content: string }> = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, maxBuffer: 64 * 1024 * 1024 }).toString());
  expect(outputs.length).toBeGreaterThan(0);
  for (const { filename, content } of outputs) {
    expect({ filename, content: readFileSync(join(root, filename), 'utf8') }).toEqual({ filename, content });
  }
});
