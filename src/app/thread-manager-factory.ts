import { join } from 'node:path';
import OpenAI from 'openai';
import type { Logger } from 'pino';
import type { ApprovalGate } from '../assistant/approval';
import { AssistantsThreadManager, type AssistantsSession } from '../assistant/assistants-thread-manager';
import { FileJanitor } from '../assistant/file-janitor';
import { ResponsesThreadManager, type ResponsesSession } from '../assistant/responses-thread-manager';
import type { ThreadManager } from '../assistant/thread-manager';
import { AssistantError } from '../assistant/thread-manager';
import { UploadQueue } from '../assistant/upload-queue';
import { ZapierHookTool } from '../assistant/zapier-tool';
import type { Config, Secrets } from '../config/config';
import { asSecretsSource, type SecretsSource } from '../config/secrets-file';
import type { Indicator } from '../indicator/indicator';
import { FileLedger } from '../spool/file-ledger';
import { JsonStateFile } from '../spool/json-state-file';
import { TurnSpool } from '../spool/turn-spool';
import { StorageGuard, type SpaceFreer } from '../spool/storage-guard';
import type { Speaker } from '../speech/speaker';
import { ConfirmationGate } from '../turn/confirmation-gate';
import { TurnAttachments } from '../turn/turn-attachments';
import type { TurnEvent } from '../turn/turn-events';
import type { CloudTranscriber } from '../recognition/cloud-transcriber';
import type { CommandRules } from '../recognition/command-words';
import { offlineTranscript } from '../recognition/offline-transcript';
import { TurnSender } from '../turn/turn-sender';

/** No OpenAI API key is set (yet): a question waits for one; it is not an error of the question. */
export class MissingKeyError extends AssistantError {
  constructor() {
    super('no OpenAI API key is set', 'refused');
  }
}

/** A key is needed except against a test double on this machine, which accepts any. */
export function apiKeyFor(baseURL: string, secrets: Secrets): string | undefined {
  if (secrets.openaiApiKey) return secrets.openaiApiKey;
  const host = new URL(baseURL).hostname;
  if (host === '127.0.0.1' || host === 'localhost' || host === '[::1]') return 'local-test-double';
  return undefined;
}

/** Whether the API needs a key that is not set (the service then says so, and holds questions). */
export function needsApiKey(config: Config, secrets: Secrets): boolean {
  return apiKeyFor(config.openai.baseURL, secrets) === undefined;
}

/**
 * The OpenAI client's key, asked for each request: a key set while the service runs is used by the next
 * request, without a new client. None: MissingKeyError, which the thread managers pass on as it is.
 */
export function apiKeyFunction(baseURL: string, secrets: SecretsSource): () => Promise<string> {
  return async () => {
    const key = apiKeyFor(baseURL, secrets.current());
    if (!key) throw new MissingKeyError();
    return key;
  };
}

/** An OpenAI client whose key follows the secrets. */
export function openAIClient(config: Config, secrets: SecretsSource, o: { timeout?: number; maxRetries?: number } = {}): OpenAI {
  return new OpenAI({ apiKey: apiKeyFunction(config.openai.baseURL, secrets), baseURL: config.openai.baseURL, ...o });
}

export function createThreadManager(config: Config, given: Secrets | SecretsSource, log: Logger, gate?: ApprovalGate, storage?: StorageGuard): ThreadManager {
  const secrets = asSecretsSource(given);
  const client = openAIClient(config, secrets, {
    timeout: config.openai.timeoutMs,
    // Retries are ours (upload queue, spool), where they can be bounded and heard about.
    maxRetries: 0,
  });
  const z = config.zapier;
  const tool =
    z.transport === 'hook'
      ? new ZapierHookTool({
          definition: { name: z.name, description: z.description, parameters: z.parameters },
          hookUrl: () => secrets.current().zapierHookUrl,
          timeoutMs: z.timeoutMs,
          budgetMs: z.budgetMs,
        })
      : undefined;
  const common = {
    client,
    // Read at each use: the setup page changes them while the service runs (config/live-settings.ts).
    model: () => config.openai.model,
    instructions: config.openai.instructions,
    detail: () => config.openai.detail,
    log,
    idleTimeoutMs: config.openai.streamIdleMs,
    ...(gate ? { gate } : {}),
  };
  if (config.api === 'responses') {
    return new ResponsesThreadManager({
      ...common,
      ...(tool ? { tool } : {}),
      ...(z.transport === 'mcp' && z.mcp.serverUrl
        ? {
            mcp: {
              serverUrl: z.mcp.serverUrl,
              serverLabel: z.mcp.serverLabel,
              allowedTools: z.mcp.allowedTools,
              requireApproval: z.mcp.requireApproval,
              authorization: () => secrets.current().zapierMcpAuthorization,
            },
          }
        : {}),
      session: new JsonStateFile<ResponsesSession>(join(config.stateDir, 'responses-session.json'), storage),
    });
  }
  if (!tool) throw new AssistantError('api = "assistants" needs zapier.transport = "hook"', 'refused');
  return new AssistantsThreadManager({
    ...common,
    ...(config.openai.assistantId ? { assistantId: config.openai.assistantId } : {}),
    tool,
    session: new JsonStateFile<AssistantsSession>(join(config.stateDir, 'assistants-session.json'), storage),
  });
}

/** Said once when the device's storage fills up. */
export const STORAGE_FULL_SPOKEN = "The device's storage is full. Please free some space on its card.";

export interface AssistantSide {
  threads: ThreadManager;
  spool: TurnSpool;
  ledger: FileLedger;
  uploads: UploadQueue;
  attachments: TurnAttachments;
  sender: TurnSender;
  gate: ConfirmationGate;
  janitor: FileJanitor;
}

/** Everything between the turn logic and the API, built from the config; shared by `run` and `replay`. */
export function createAssistantSide(
  config: Config,
  secrets: Secrets | SecretsSource,
  log: Logger,
  devices: {
    speaker: Speaker;
    indicator: Indicator;
    emit: (e: TurnEvent) => void;
    env?: NodeJS.ProcessEnv;
    onUploadStart?: (name: string) => void;
    /** Cloud mode: spooled audio is transcribed before its question goes (offline with these rules if the cloud refuses it). */
    cloud?: { transcriber: CloudTranscriber; rules: CommandRules };
    /** Room on a full disk after the spool's own leftovers, in order (the console's old history). */
    freeSpace?: SpaceFreer[];
  },
): AssistantSide {
  const gate = new ConfirmationGate(config.zapier.confirm, config.zapier.confirmTimeoutMs, (action, decision) =>
    devices.emit({ event: 'confirm', name: action.name, decision }),
  );
  const source = asSecretsSource(secrets);
  // A full disk is said once (log line with the fix, error LED, aloud); questions go on from memory.
  const storage: StorageGuard = new StorageGuard({
    dir: config.stateDir,
    freers: [{ what: 'leftover files of interrupted writes', free: () => spool.freeLeftovers() }, ...(devices.freeSpace ?? [])],
    onFull: (r) => {
      devices.emit({ event: 'error', stage: 'storage', message: r.message });
      devices.indicator.set('error', 'storage full');
      sender.announce(STORAGE_FULL_SPOKEN);
    },
  });
  const threads = createThreadManager(config, source, log, gate, storage);
  const spool = new TurnSpool(config.stateDir, storage);
  const ledger = new FileLedger(config.stateDir, storage);
  const uploads = new UploadQueue({
    threads,
    detail: () => config.openai.detail,
    concurrency: config.uploads.concurrency,
    budgetMs: config.uploads.budgetMs,
    backoffMs: config.uploads.backoffMs,
    qscale: config.uploads.qscale,
    log,
    ...(devices.env ? { env: devices.env } : {}),
    ...(devices.onUploadStart ? { onStart: devices.onUploadStart } : {}),
  });
  const attachments = new TurnAttachments({
    spool,
    uploads,
    ledger,
    emit: devices.emit,
    log,
    ...(devices.cloud
      ? {
          transcription: {
            cloud: (audio: Buffer) => devices.cloud!.transcriber.request(audio),
            offline: (audio: Buffer) => offlineTranscript(audio, config.recogniser, devices.cloud!.rules),
          },
        }
      : {}),
  });
  const sender: TurnSender = new TurnSender({
    spool,
    threads,
    attachments,
    speaker: devices.speaker,
    indicator: devices.indicator,
    log,
    emit: devices.emit,
    confirmWord: config.commands.confirm,
    policy: {
      uploadWaitMs: config.uploads.waitAtReplyMs,
      retryMs: config.spool.retryMs,
      maxRetryMs: config.spool.maxRetryMs,
      refusedRetryMs: config.spool.refusedRetryMs,
      maxAgeMs: config.spool.maxAgeHours * 3_600_000,
    },
    conversation: new JsonStateFile(join(config.stateDir, 'conversation-activity.json'), storage),
    // Without a key a question waits in the spool; the service calls retryNow() when one is set.
    blocked: () => (needsApiKey(config, source.current()) ? { reason: 'no OpenAI API key is set', spoken: 'Your question is kept until I have an OpenAI API key.' } : undefined),
    resetAfterIdleMs: config.conversation.resetAfterIdleMinutes * 60_000,
    // The janitor is built next (it asks the sender which files questions still need); called only after both exist.
    onReset: (): Promise<void> => janitor.deleteAll().then(() => undefined),
    storageFull: () => storage.isFull,
  });
  const janitor = new FileJanitor({ ledger, threads, log, maxAgeMs: config.uploads.deleteAfterHours * 3_600_000, inUse: () => sender.fileIdsInUse() });
  return { threads, spool, ledger, uploads, attachments, sender, gate, janitor };
}
