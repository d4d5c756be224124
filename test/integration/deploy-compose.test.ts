import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_ENV_VARIABLES } from '../../api/env';
import { WORKER_ENV_VARIABLES } from '../../worker/env';

const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

/** Debian's docker-compose (1.29) validates and renders a compose file without a Docker engine. */
function findCompose(): string | null {
  if (has('docker-compose')) return 'docker-compose';
  if (process.getuid?.() === 0) {
    process.stderr.write('[deploy-compose] docker-compose missing: installing Debian’s package…\n');
    spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose'], { stdio: 'ignore', timeout: 240_000 });
  }
  return has('docker-compose') ? 'docker-compose' : null;
}

const compose = findCompose();
if (!compose) process.stderr.write('[deploy-compose] SKIPPED: docker-compose is not installed and could not be (apt-get install docker-compose as root)\n');

interface ComposeService {
  healthcheck?: { test?: string[] | string; disable?: boolean };
  environment?: Record<string, string | null>;
  profiles?: string[];
  deploy?: { replicas?: number };
  command?: string[];
}

/** `docker-compose config`: the file validated, merged (anchors, defaults) and rendered; read as JSON through PyYAML, which docker-compose itself depends on. */
function renderedCompose(): { services: Record<string, ComposeService>; volumes: Record<string, unknown> } {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, POSTGRES_PASSWORD: 'test-password' };
  const yaml = execFileSync(compose!, ['-f', 'docker-compose.yml', 'config'], { env, encoding: 'utf8' });
  const json = execFileSync('python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], { input: yaml, encoding: 'utf8' });
  return JSON.parse(json);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every variable the server code reads by name: the env schemas, and process.env.X anywhere in api/, worker/, db/, activities/ and the simulator. */
function variablesReadByCode(): Map<string, string> {
  const read = new Map<string, string>();
  for (const name of API_ENV_VARIABLES) read.set(name, 'api');
  for (const name of WORKER_ENV_VARIABLES) read.set(name, read.has(name) ? 'api+worker' : 'worker');
  const files = [...['api', 'worker', 'db', 'activities', 'scripts/provider-sim'].flatMap(filesUnder), 'scripts/provider-sim.ts'];
  for (const file of files) {
    for (const m of readFileSync(file, 'utf8').matchAll(/process\.env(?:\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\])/g)) {
      const name = (m[1] ?? m[2])!;
      if (!read.has(name)) read.set(name, file.startsWith('scripts/provider-sim') ? 'provider-sim' : file);
    }
  }
  return read;
}

/** Variable names in the first column of the README's configuration table. */
function documentedVariables(): Set<string> {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 5));
  const names = new Set<string>();
  for (const line of section.split('\n').filter((l) => l.startsWith('| `'))) {
    const first = line.split('|')[1]!;
    for (const m of first.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(m[1]!);
  }
  return names;
}

describe.skipIf(!compose)('docker-compose.yml', () => {
  const rendered = compose ? renderedCompose() : { services: {}, volumes: {} };
  const services = rendered.services;

  it('is valid for a real compose implementation and has every part of the production layout, each with a health check', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'postgres', 'provider-sim', 'proxy', 'temporal', 'temporal-ui', 'worker']);
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.test, `${name} has no health check`).toBeTruthy();
      expect(service.healthcheck?.disable, name).not.toBe(true);
    }
    expect(services.worker!.deploy?.replicas).toBe(3);
    expect(services.api!.deploy?.replicas).toBe(2);
    expect(services['provider-sim']!.profiles).toEqual(['simulator']);
    expect(rendered.volumes).toHaveProperty('postgres-data');
    // The API nodes' readiness, not mere liveness, gates the proxy.
    expect(JSON.stringify(services.api!.healthcheck!.test)).toContain('/api/health/ready');
  });

  it('builds in stages and runs as a non-root user', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    expect(dockerfile.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
  });

  it('every variable the code reads is documented in the README table and set in the compose file', () => {
    const read = variablesReadByCode();
    expect(read.size).toBeGreaterThan(15);
    const documented = documentedVariables();
    const undocumented = [...read.keys()].filter((name) => !documented.has(name));
    expect(undocumented, 'read by the code, missing from the README configuration table').toEqual([]);

    const setIn = (service: string) => new Set(Object.keys(services[service]?.environment ?? {}));
    const unset = [...read].filter(([name, reader]) => {
      const readers = reader === 'provider-sim' ? ['provider-sim'] : reader === 'api' ? ['api'] : reader === 'worker' ? ['worker'] : ['api', 'worker'];
      return !readers.every((s) => setIn(s).has(name));
    });
    expect(unset.map(([name, reader]) => `${name} (${reader})`), 'read by the code, not set in docker-compose.yml').toEqual([]);
  });
});
