import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { CLI, runCli } from '../support/cli';
import { fakeEnv } from '../support/fake-bin';

/** Every option of each command, as its usage must explain it. */
const OPTIONS = {
  run: ['--config', '--debug', '--help'],
  replay: ['--audio', '--camera', '--fps', '--api-base', '--api', '--engine', '--model', '--out', '--state', '--config', '--json', '--debug', '--help'],
  logs: ['--since', '--lines', '--no-follow', '--help'],
  config: ['--config', '--table', '--help'],
  console: ['--config', '--help'],
  doctor: ['--config', '--no-wait', '--out', '--help'],
};

/** The usage line of `--name`, which must say in words what it is for. */
function optionLine(usage: string, name: string): string | undefined {
  return usage.split('\n').find((l) => new RegExp(`^\\s+${name}(\\s|,)`).test(l));
}

describe('snapask help', () => {
  it.each([['--help'], ['help'], ['-h']])('`snapask %s` prints the usage with every command and exits 0', async (arg) => {
    const r = await runCli([arg]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^usage: snapask <command>/);
    expect(r.stdout).toMatch(/^\s+run\s+\S+/m);
    expect(r.stdout).toMatch(/^\s+replay\s+\S+/m);
    expect(r.stdout).toMatch(/^\s+logs\s+\S+/m);
    expect(r.stdout).toMatch(/^\s+doctor\s+\S+/m);
  });

  it.each(Object.entries(OPTIONS))('`snapask %s --help` describes each option on its own line', async (command, options) => {
    for (const args of [[command, '--help'], ['help', command]]) {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(new RegExp(`^usage: snapask ${command}`));
      for (const name of options) {
        const line = optionLine(r.stdout, name);
        expect({ name, line }).toEqual({ name, line: expect.stringMatching(/\S\s{2,}\w+ \w+/) });
      }
    }
  });

  it('an unknown command is named on one line, with the commands there are, then the usage; exit 2', async () => {
    const r = await runCli(['snap']);
    expect(r.code).toBe(2);
    const [first, ...rest] = r.stderr.split('\n');
    expect(first).toBe('snapask: unknown command "snap" (commands: run, replay, doctor, calibrate, logs, config, console)');
    expect(rest.join('\n')).toMatch(/^usage: snapask <command>/);
  });

  it('an unknown option is named, then the command\'s usage; exit 2', async () => {
    const r = await runCli(['replay', '--audio', 'q.wav', '--camra', 'c.mjpeg']);
    expect(r.code).toBe(2);
    const [first, ...rest] = r.stderr.split('\n');
    expect(first).toBe('snapask: replay: unknown option --camra');
    expect(rest.join('\n')).toMatch(/^usage: snapask replay/);
  });

  it('the built command runs by itself: make build keeps main.js executable (npx snapask)', () => {
    expect(() => accessSync(CLI, constants.X_OK)).not.toThrow();
    const r = spawnSync(CLI, ['--help'], { env: fakeEnv(), encoding: 'utf8' });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: snapask/);
  });
});
