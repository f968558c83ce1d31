// Synthesizes every example app into CloudFormation, offline, with the CDK CLI each example's README names.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const examplesDir = join(root, 'examples');
const examples = readdirSync(examplesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(examplesDir, entry.name, 'cdk.json')))
  .map((entry) => entry.name);

if (examples.length === 0) {
  console.error('No examples found under examples/.');
  process.exit(1);
}

const cdk = join(root, 'node_modules', '.bin', 'cdk');
for (const name of examples) {
  const cwd = join(examplesDir, name);
  console.log(`synth ${name}`);
  execFileSync(cdk, ['synth', '--quiet', '--no-notices', '--no-version-reporting', '--output', 'cdk.out'], {
    cwd,
    stdio: 'inherit',
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' },
  });
}
console.log(`${examples.length} examples synthesized`);
