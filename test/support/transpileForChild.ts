import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..');

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFilesUnder(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * Transpiles `src/` and the given extra files (paths from the repository
 * root) to plain CommonJS in a fresh temporary directory, keeping the layout,
 * so a child `node` process runs them without loading a TypeScript compiler
 * (ts-node alone adds about 90 MB to the peak RSS a memory test measures).
 * Type checking is `tsc`'s job; this only strips types, file by file.
 *
 * Returns the output directory; run the child with `NODE_PATH` set to
 * {@link NODE_MODULES} so it finds rxjs and the other dependencies.
 */
export function transpileForChild(extraFiles: readonly string[]): string {
  const outDir = mkdtempSync(join(tmpdir(), 'streamlite-child-'));
  for (const file of [...tsFilesUnder(join(ROOT, 'src')), ...extraFiles.map((f) => join(ROOT, f))]) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    const target = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  return outDir;
}

/** The repository's node_modules, for the child's `NODE_PATH`. */
export const NODE_MODULES = join(ROOT, 'node_modules');
