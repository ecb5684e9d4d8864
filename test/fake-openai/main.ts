import { startFakeOpenAI } from './server';

/**
 * Standalone fake OpenAI for manual runs and for the app's end-to-end tests:
 *   node dist/test/fake-openai/main.js --port 8787
 * stdout gets exactly one line (the URL) so a parent process can wait for it; the request log goes to stderr.
 */
function parseArgs(argv: string[]): { port: number; host: string; specPath?: string } {
  const out: { port: number; host: string; specPath?: string } = { port: 0, host: '127.0.0.1' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--port': {
        const port = Number(value());
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535`);
        out.port = port;
        break;
      }
      case '--host':
        out.host = value();
        break;
      case '--spec':
        out.specPath = value();
        break;
      case '--help':
      case '-h':
        process.stdout.write('usage: fake-openai [--port N] [--host 127.0.0.1] [--spec openapi.yaml]\n');
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${arg}`);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const fake = await startFakeOpenAI({
    port: args.port,
    host: args.host,
    ...(args.specPath ? { specPath: args.specPath } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`fake-openai listening on ${fake.url}\n`);
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    process.stderr.write(`fake-openai: ${signal}, ${fake.requests.length} requests, ${fake.violations.length} violations\n`);
    fake.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(`fake-openai: ${(e as Error).message}\n`);
  process.exit(2);
});
