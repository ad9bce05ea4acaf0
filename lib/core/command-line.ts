// The harness's one command-line parser, for npm test and every script: the
// harness flags a command takes, its own flags, what passes through to
// Playwright, and the usage printed on --help.
import { DEFAULTS, FLAGS, NEGATIONS, UsageError, type FlagSpec, type HarnessOptions } from './options.ts';

export interface ParsedArgs {
  options: HarnessOptions;
  /** arguments the harness does not own, passed on to Playwright */
  rest: string[];
  /** the values of the command's own flags, in order (a switch given: ['true']) */
  own: Record<string, string[]>;
}

/** A command's own flag, beside the harness's: a switch, or one that takes `arg` (`check` says what is wrong with a value); repeatable. */
export interface OwnFlag {
  help: string;
  arg?: string;
  check?: (raw: string) => string | undefined;
}

export interface CommandSpec {
  /** flags of the program behind the harness (Playwright): they and their values go to `rest` */
  passThrough?: Record<string, 'value' | 'bare'>;
  /** the command's own flags */
  own?: Record<string, OwnFlag>;
  /** the harness flags this command takes (default: all of them) */
  only?: string[];
}

/**
 * The harness's one command-line parser. Harness flags (and their HARNESS_*
 * variables) become options; a command's own flags (`spec.own`) their
 * values; everything after a bare `--`, every positional argument and the
 * pass-through flags go to `rest`. Any other flag is a UsageError.
 */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env, spec: CommandSpec = {}): ParsedArgs {
  const { passThrough = {}, own: ownFlags = {}, only } = spec;
  const takes = (flag: string) => !only || only.includes(flag);
  const options: HarnessOptions = { ...DEFAULTS };
  const set = (flag: FlagSpec, raw: string, name: string) => {
    (options as unknown as Record<string, unknown>)[flag.key] = flag.parse(raw, name);
  };
  for (const [name, flag] of Object.entries(FLAGS)) {
    const raw = env[flag.env];
    if (takes(name) && raw !== undefined && raw !== '') set(flag, raw, flag.env);
  }

  const rest: string[] = [];
  const own: Record<string, string[]> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-')) {
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (NEGATIONS[name] && inline === undefined && takes(NEGATIONS[name])) {
      set(FLAGS[NEGATIONS[name]], 'false', name);
      continue;
    }
    const flag = takes(name) ? FLAGS[name] : undefined;
    if (flag) {
      let raw = inline;
      if (raw === undefined) {
        const next = argv[i + 1];
        if (flag.bare !== undefined && (next === undefined || next.startsWith('-') || !isValueFor(flag, next))) raw = flag.bare;
        else if (next === undefined) throw new UsageError(`${name} needs a value`);
        else raw = argv[++i];
      }
      set(flag, raw, name);
      if (flag.key === 'manifests') options.manifestsList = [...options.manifestsList, options.manifests];
      continue;
    }
    const mine = ownFlags[name];
    if (mine) {
      if (mine.arg === undefined) {
        if (inline !== undefined) throw new UsageError(`${name} takes no value`);
        (own[name] ??= []).push('true');
        continue;
      }
      const raw = inline ?? argv[++i];
      if (raw === undefined || raw === '') throw new UsageError(`${name} needs a value (${mine.arg})`);
      const wrong = mine.check?.(raw);
      if (wrong) throw new UsageError(`${name}: ${wrong}`);
      (own[name] ??= []).push(raw);
      continue;
    }
    const kind = passThrough[name];
    if (kind) {
      rest.push(arg);
      if (kind === 'value' && inline === undefined && i + 1 < argv.length) rest.push(argv[++i]);
      continue;
    }
    throw new UsageError(`unknown flag ${name} (see --help${Object.keys(passThrough).length ? '; put Playwright options after --' : ''})`);
  }
  return { options, rest, own };
}

function isValueFor(spec: FlagSpec, candidate: string): boolean {
  try {
    spec.parse(candidate, '');
    return true;
  } catch {
    return false;
  }
}

export function usage(command: string, spec: CommandSpec = {}): string {
  const shown = (v: unknown) => v !== '' && v !== 0 && !(Array.isArray(v) && !v.length);
  const lines = Object.entries(FLAGS)
    .filter(([flag]) => !spec.only || spec.only.includes(flag))
    .map(([flag, f]) => `  ${flag.padEnd(24)} ${f.help} [env ${f.env}${shown(DEFAULTS[f.key]) ? `, default ${String(DEFAULTS[f.key])}` : ''}]`);
  const own = Object.entries(spec.own ?? {}).map(([flag, f]) => `  ${`${flag}${f.arg ? ` ${f.arg}` : ''}`.padEnd(24)} ${f.help}`);
  const negations = spec.only ? [] : ['  --no-keep-cluster        delete the cluster after the run'];
  return [`usage: ${command} [flags]`, ...lines, ...negations, ...own].join('\n');
}

/**
 * A command's line: usage printed on --help (then undefined), the harness
 * flags it takes and its own parsed, positional arguments kept only where
 * `positional` names them (for the usage line), anything else refused.
 */
export function parseCommand(command: string, spec: Omit<CommandSpec, 'passThrough'> & { positional?: string } = {}, argv = process.argv.slice(2)): ParsedArgs | undefined {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage(spec.positional ? `${command} ${spec.positional}` : command, spec));
    return undefined;
  }
  const parsed = parseArgs(argv, process.env, spec);
  if (parsed.rest.length && !spec.positional) throw new UsageError(`unexpected argument ${parsed.rest[0]} (see --help)`);
  return parsed;
}

/** For commands that take only harness flags. */
export const parseCommandLine = (command: string, argv = process.argv.slice(2)): HarnessOptions | undefined => parseCommand(command, {}, argv)?.options;
