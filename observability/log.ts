/** How a process writes its lines: one JSON object a line for log collectors, or `[component] message` for a terminal. */
export type LogFormat = 'json' | 'text';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A line per call on stdout (stderr for errors); fields with no value are left out. */
export function createLogger(component: string, format: LogFormat = 'json', write: (line: string, level: LogLevel) => void = writeLine): Logger {
  const log = (level: LogLevel, message: string, fields: LogFields = {}) => {
    const present = Object.entries(fields).filter(([, v]) => v !== undefined && v !== null);
    if (format === 'json') {
      write(JSON.stringify({ time: new Date().toISOString(), level, component, msg: message, ...Object.fromEntries(present) }, jsonSafe), level);
    } else {
      const extra = present.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
      write(`[${component}] ${message}${extra ? ` ${extra}` : ''}`, level);
    }
  };
  return {
    log,
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
  };
}

/** Errors keep their message and stack, bigints their digits: a log line never throws. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

function writeLine(line: string, level: LogLevel) {
  (level === 'error' ? process.stderr : process.stdout).write(`${line}\n`);
}
