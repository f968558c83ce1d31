// Proves the library's jsii assembly turns into bindings for all four configured languages:
// jsii-pacmak generates the Python, Java, .NET and Go code (code only: no toolchain, no package
// registry), then the generated Python is byte-compiled with the standard library. Any error fails.
// Needs `.jsii` from `npm run build`. Output: .bindings/<language>/ (git-ignored), replaced each run;
// `--outdir <dir>` writes elsewhere.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TARGETS = ['python', 'java', 'dotnet', 'go'];
// A type every binding must contain, with the file extension of each language's sources.
const PROBE_TYPE = 'BatchAgent';
const SOURCE_EXTENSIONS = { python: '.py', java: '.java', dotnet: '.cs', go: '.go' };

function fail(message) {
  console.error(`check:bindings: ${message}`);
  process.exit(1);
}

const outdirFlag = process.argv.indexOf('--outdir');
const outdirValue = outdirFlag === -1 ? undefined : process.argv[outdirFlag + 1];
if (outdirFlag !== -1 && (outdirValue === undefined || outdirValue === '' || outdirValue.startsWith('--'))) fail('--outdir needs a directory');
const outdir = outdirValue === undefined ? join(root, '.bindings') : resolve(outdirValue);
// The output directory is removed before each run: never a project (the repository, an ancestor of
// it, or any directory with a package.json or src/), nor a directory holding anything but a
// previous run's output (one directory per language).
const foreign = existsSync(outdir) && statSync(outdir).isDirectory() ? readdirSync(outdir).filter((name) => !TARGETS.includes(name)) : [];
if (
  resolve(root).startsWith(`${outdir}${outdir.endsWith(sep) ? '' : sep}`) ||
  resolve(root) === outdir ||
  existsSync(join(outdir, 'package.json')) ||
  existsSync(join(outdir, 'src')) ||
  foreign.length > 0
) {
  fail(`--outdir ${outdir}: refused, it would be removed${foreign.length > 0 ? ` with ${foreign.slice(0, 3).join(', ')}` : ''} (use a new or empty directory, e.g. .bindings)`);
}

function run(command, args) {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, NO_COLOR: '1' } });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (result.error !== undefined) fail(`${command} could not run: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal} after ${seconds} s`);
  return seconds;
}

function sourceFiles(dir, extension) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(extension))
    .map((entry) => join(entry.parentPath, entry.name));
}

const assembly = join(root, '.jsii');
if (!existsSync(assembly)) fail('no .jsii: run `npm run build` first');
const newestSource = readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
  .reduce((newest, entry) => Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs), 0);
if (statSync(assembly).mtimeMs < newestSource) {
  console.warn('check:bindings: warning: src/ changed after .jsii was built; run `npm run build` to check the current sources');
}

rmSync(outdir, { recursive: true, force: true });
const pacmak = join(root, 'node_modules', '.bin', 'jsii-pacmak');
const pacmakSeconds = run(pacmak, [
  '--code-only',
  // Leave .npmignore alone, and always regenerate.
  '--no-npmignore',
  '--no-fingerprint',
  '--targets', ...TARGETS,
  '--outdir', outdir,
]);

for (const target of TARGETS) {
  const dir = join(outdir, target);
  if (!existsSync(dir)) fail(`jsii-pacmak wrote no ${target} bindings into ${dir}`);
  const files = sourceFiles(dir, SOURCE_EXTENSIONS[target]);
  if (!files.some((file) => readFileSync(file, 'utf8').includes(PROBE_TYPE))) {
    fail(`the ${target} bindings (${files.length} ${SOURCE_EXTENSIONS[target]} files in ${dir}) do not define ${PROBE_TYPE}`);
  }
}

// Syntax of every generated module, with the standard library only (no pip, no virtualenv).
const python = process.env.PYTHON ?? 'python3';
const pythonFiles = sourceFiles(join(outdir, 'python'), '.py').length;
const compileSeconds = run(python, ['-m', 'compileall', '-q', join(outdir, 'python')]);

console.log(
  `check:bindings: ${TARGETS.join(', ')} generated in ${pacmakSeconds} s; ` +
    `${pythonFiles} Python files byte-compiled in ${compileSeconds} s; output in ${outdir}`,
);
