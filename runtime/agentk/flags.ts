/** A small flag parser: --name=value, --name value, repeated flags collect, --flag alone = "true". */
export function parseFlags(argv: readonly string[], known: readonly string[]): { flags: Map<string, string[]>; errors: string[] } {
  const flags = new Map<string, string[]>();
  const errors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith("--")) {
      errors.push(`unexpected argument ${JSON.stringify(arg)}`);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (!known.includes(name)) {
      errors.push(`unknown flag --${name} (known: ${known.map((k) => `--${k}`).join(", ")})`);
      continue;
    }
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (argv[i + 1] !== undefined && !(argv[i + 1] as string).startsWith("--")) value = argv[++i] as string;
    else value = "true";
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return { flags, errors };
}

export const last = (flags: Map<string, string[]>, name: string): string | undefined => flags.get(name)?.at(-1);
