/** A minimal command-line parser: `--name value`, `--name=value`, bare `--flag`. */
export interface ParsedArgs {
  readonly options: Map<string, string>;
  readonly flags: Set<string>;
}

export class UsageError extends Error {}

/**
 * Parses `argv`; `valued` lists the options that take a value, `flags` the
 * ones that do not. Anything else is a {@link UsageError}.
 */
export function parseArgs(argv: readonly string[], valued: readonly string[], flags: readonly string[]): ParsedArgs {
  const options = new Map<string, string>();
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (valued.includes(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      options.set(name, value);
    } else if (flags.includes(name) && eq < 0) {
      seen.add(name);
    } else {
      throw new UsageError(`unknown option '--${name}'`);
    }
  }
  return { options, flags: seen };
}

/** A numeric option, validated. */
export function numberOption(
  args: ParsedArgs,
  name: string,
  fallback: number,
  check: (n: number) => boolean = (n) => Number.isFinite(n) && n > 0,
): number {
  const raw = args.options.get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!check(n)) throw new UsageError(`--${name}: invalid value '${raw}'`);
  return n;
}

/** A comma-separated list option. */
export function listOption(args: ParsedArgs, name: string): string[] | undefined {
  const raw = args.options.get(name);
  if (raw === undefined) return undefined;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
